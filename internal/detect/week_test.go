package detect

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"slices"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/record"
)

// TestWeek runs the rules and campaigns over the generator's week of quiet
// and distributed attacks mixed into ordinary traffic and benign look-alikes
// (loggen's "week" scenario), in every format: each planted attack is
// reported with its category at medium or above (so it is on the
// blocklist), every planted address is reported, and no other client is
// reported at medium or above.
func TestWeek(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and parses 4 x 80,000 rows")
	}
	for _, format := range loggen.Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := loggen.Generate(&buf, loggen.Options{Format: format, Rows: 80_000, Seed: 5, Scenario: "week"}); err != nil {
				t.Fatal(err)
			}
			rd, err := logformat.NewReader(&buf, logformat.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := NewEngine(DefaultConfig())
			planted := map[netip.Prefix]bool{}
			for {
				r, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				e.Observe(r)
				if a := record.Actor(r.Client); inDocRange(record.ActorString(a)) {
					planted[a] = true
				}
			}
			c := e.Result(0)
			all := append(slices.Clone(c.Suspicious), c.Weak...)
			var reported []evidence.Actor
			for _, a := range promoteAll(all) {
				if !a.Suspicious() {
					continue
				}
				reported = append(reported, a)
				if !inDocRange(a.Actor) && a.Severity >= evidence.Medium {
					t.Errorf("benign %s reported %s: %v %s", a.Actor, a.Severity, a.Categories, a.Hits[0].Reason)
				}
			}
			covers := func(a evidence.Actor, addr netip.Addr) bool {
				p, err := netip.ParsePrefix(actorPrefix(a.Actor))
				return err == nil && p.Contains(addr)
			}
			for _, w := range loggen.WeekTruths() {
				found := false
				for _, a := range reported {
					if !slices.Contains(a.Categories, evidence.Category(w.Category)) || a.Severity < evidence.Medium {
						continue
					}
					if w.Members == nil {
						found = found || a.Actor == w.Actor
						continue
					}
					block, p := netip.MustParsePrefix(w.Actor), netip.MustParsePrefix(actorPrefix(a.Actor))
					if p.Bits() < block.Bits() || !block.Contains(p.Addr()) {
						continue
					}
					all := true
					for _, m := range w.Members {
						all = all && covers(a, netip.MustParseAddr(m))
					}
					found = found || all
				}
				if !found {
					t.Errorf("%s not reported with %s at medium or above", w.Actor, w.Category)
				}
			}
			for p := range planted {
				if !slices.ContainsFunc(reported, func(a evidence.Actor) bool { return covers(a, p.Addr()) }) {
					t.Errorf("planted %s not reported", p)
				}
			}
			t.Logf("%d requests, %d actors, %d planted, %d reported", c.Requests, c.Actors, len(planted), len(reported))
		})
	}
}
