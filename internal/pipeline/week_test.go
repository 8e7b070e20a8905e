package pipeline

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/report"
)

// The week of quiet and distributed attacks through the whole local and
// staged pipeline: every credential-stuffing member and every rotating
// scan's prefix is on the blocklist, and the staged run, which splits the
// clients into chunks, reports what the local run does.
func TestWeekBlocklist(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and analyses a week twice")
	}
	path := filepath.Join(t.TempDir(), "week.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := loggen.Generate(f, loggen.Options{Format: "combined", Rows: 60_000, Seed: 2, Scenario: "week"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	local, err := newStages(t).AnalyzeFiles(ctx, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := newStages(t)
	st.ChunkBytes = 512 << 10
	staged, out, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Report.JSON) == 0 {
		t.Fatal("no report")
	}
	for name, r := range map[string]*report.Report{"local": local, "staged": staged} {
		blocked := func(addr netip.Addr) bool {
			return slices.ContainsFunc(r.Blocklist, func(b report.BlockEntry) bool {
				p, err := netip.ParsePrefix(b.CIDR)
				return err == nil && p.Contains(addr)
			})
		}
		for _, w := range loggen.WeekTruths() {
			addrs := w.Members
			if addrs == nil {
				p, err := netip.ParsePrefix(w.Actor)
				if err != nil {
					p = netip.PrefixFrom(netip.MustParseAddr(w.Actor), 32)
				}
				addrs = []string{p.Addr().String()}
			}
			for _, a := range addrs {
				if !blocked(netip.MustParseAddr(a)) {
					t.Errorf("%s: %s (%s) not on the blocklist", name, a, w.Category)
				}
			}
		}
	}
	if !slices.Equal(actorsOf(local), actorsOf(staged)) {
		t.Errorf("staged run found %v, local run %v", actorsOf(staged), actorsOf(local))
	}
}
