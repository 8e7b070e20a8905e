package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/report"
)

// clientsLog is issue 9 item 5's shape at a small scale: every line a new
// client, n failing /.env probes from IPv6 /64s (many to a /48) and IPv4
// addresses, sqlmap from m more, among visitors who browse.
func clientsLog(t *testing.T, n, m int) string {
	t.Helper()
	var b strings.Builder
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := range n {
		ip := fmt.Sprintf("2001:db8:%x:%x::1", i/1000, i%1000)
		if i%2 == 1 {
			ip = fmt.Sprintf("45.%d.%d.%d", i/65536, i/256%256, i%256)
		}
		b.WriteString(combinedLine(ip, start.Add(time.Duration(i)*time.Millisecond), "GET", "/.env", 404, "curl/8.5.0"))
	}
	for i := range m {
		b.WriteString(combinedLine(fmt.Sprintf("2001:db8:ff:%x::1", i), start.Add(time.Duration(i)*time.Second), "GET",
			"/item.php?id=1%20UNION%20ALL%20SELECT%20NULL,NULL--", 500, "sqlmap/1.7.2#stable (https://sqlmap.org)"))
	}
	for i := range 50 {
		ip := fmt.Sprintf("45.0.%d.%d", i/10, 200+2*(i%10)) // in the probers' /24s (theirs are odd)
		for _, p := range []string{"/", "/about", "/static/app.css"} {
			b.WriteString(combinedLine(ip, start.Add(time.Duration(i)*time.Second), "GET", p, 200, browser))
		}
	}
	path := filepath.Join(t.TempDir(), "clients.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Many clients, local and staged: the detail limits hold, every client is
// counted once, the probers are one campaign, and both runs say the same.
func TestManyClientsLocalAndStaged(t *testing.T) {
	path := clientsLog(t, 5000, 300)
	ctx := context.Background()
	limit := func(s *Stages) *Stages {
		s.Detect.DetailLimit, s.Detect.WeakLimit, s.Detect.GroupLimit = 30, 40, 20
		return s
	}
	lst := limit(newStages(t))
	lst.AddressFile = filepath.Join(t.TempDir(), "addresses.csv")
	local, err := lst.AnalyzeFiles(ctx, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := limit(newStages(t))
	st.ChunkBytes = 16 << 10
	staged, out, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]string{"local": readLines(t, lst.AddressFile)}
	rc, err := st.Store.Open(ctx, out.Report.Addresses)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	files["staged"] = strings.Split(strings.TrimSpace(string(b)), "\n")

	// Engines over budget: the rows are partitioned by block, locally and
	// in Filter, and the reports come out the same.
	small := func(s *Stages) *Stages { s.RichBudget = 500; return limit(s) }
	pst := small(newStages(t))
	pst.AddressFile = filepath.Join(t.TempDir(), "addresses.csv")
	partitioned, err := pst.AnalyzeFiles(ctx, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files["partitioned"] = readLines(t, pst.AddressFile)
	sst := small(newStages(t))
	sst.ChunkBytes = 256 << 10 // chunks of about 1,300 actors
	stagedParts, out2, err := sst.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rc, err = sst.Store.Open(ctx, out2.Report.Addresses)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(rc)
	rc.Close()
	files["staged, partitioned"] = strings.Split(strings.TrimSpace(string(b)), "\n")
	runs := map[string]*report.Report{"local": local, "staged": staged, "partitioned": partitioned, "staged, partitioned": stagedParts}
	for name, r := range runs {
		s := r.Summary
		if s.Clients.Total() != r.Input.Actors || r.Input.Actors != 5350 {
			t.Errorf("%s: clients %+v add up to %d of %d actors, want 5350", name, s.Clients, s.Clients.Total(), r.Input.Actors)
		}
		if want := (evidence.Counts{Suspicious: 5300, Clean: 50}); s.Clients != want {
			t.Errorf("%s: clients %+v, want %+v", name, s.Clients, want)
		}
		if len(r.Findings) > 30+40 || int64(s.Suspicious)+s.Grouped != 5300 {
			t.Errorf("%s: %d findings and %d grouped actors, want at most 70 findings and 5300 in all", name, len(r.Findings), s.Grouped)
		}
		var probes *evidence.Campaign
		for i, c := range r.Campaigns {
			if c.Kind == "shared-probe-set" && strings.Contains(c.Key, "/.env") {
				probes = &r.Campaigns[i]
			}
		}
		if probes == nil || probes.ActorCount != 5000 {
			t.Errorf("%s: campaigns %+v, want one probe-set campaign of 5000", name, r.Campaigns)
		}
		// The address file lists every suspicious client; the blocklist
		// names blocks of nothing but probers as prefixes, and never one
		// that holds a visitor.
		lines := files[name]
		if r.AddressFile == nil || int64(len(lines)-1) != r.AddressFile.Addresses || r.AddressFile.Addresses != 5300 {
			t.Errorf("%s: address file %+v with %d lines, want 5300 addresses", name, r.AddressFile, len(lines)-1)
		}
		prefixes := 0
		for _, e := range r.Blocklist {
			p := netip.MustParsePrefix(e.CIDR)
			if e.Addresses > 1 {
				prefixes++
			}
			for i := range 50 {
				if v := netip.MustParseAddr(fmt.Sprintf("45.0.%d.%d", i/10, 200+2*(i%10))); p.Contains(v) {
					t.Errorf("%s: blocklist entry %s covers the visitor %s", name, e.CIDR, v)
				}
			}
		}
		// The probers among the visitors (5 /24s of 128) are in no entry.
		if prefixes != 21 || r.AddressFile.Unlisted != 640 || covered(r.Blocklist)+640 != r.AddressFile.Blockable {
			t.Errorf("%s: %d prefixes in a blocklist covering %d of %d blockable addresses (%d unlisted)", name, prefixes,
				covered(r.Blocklist), r.AddressFile.Blockable, r.AddressFile.Unlisted)
		}
		visitor := func(a string) bool {
			var x, y int
			_, err := fmt.Sscanf(a, "45.0.%d.%d", &x, &y)
			return err == nil && y >= 200 && y%2 == 0
		}
		for _, f := range r.Findings {
			if visitor(f.Actor) {
				t.Errorf("%s: the visitor %s is a finding", name, f.Actor)
			}
		}
		for _, g := range r.Groups {
			for _, a := range g.Members {
				if visitor(a) {
					t.Errorf("%s: the visitor %s is in group %s", name, a, g.ID)
				}
			}
		}
	}
	slices.Sort(files["local"])
	for name, r := range runs {
		if !reflect.DeepEqual(actorsOf(local), actorsOf(r)) {
			t.Errorf("findings differ: local %v, %s %v", actorsOf(local), name, actorsOf(r))
		}
		slices.Sort(files[name])
		if !slices.Equal(files["local"], files[name]) {
			t.Errorf("the address files of local and %s runs differ", name)
		}
		if !reflect.DeepEqual(local.Blocklist, r.Blocklist) {
			t.Errorf("blocklists differ:\nlocal %+v\n%s %+v", local.Blocklist, name, r.Blocklist)
		}
		if !reflect.DeepEqual(local.Groups, r.Groups) || !reflect.DeepEqual(local.Campaigns, r.Campaigns) {
			t.Errorf("groups or campaigns differ:\nlocal %+v\n%+v\n%s %+v\n%+v", local.Groups, local.Campaigns, name, r.Groups, r.Campaigns)
		}
		if r.Summary.Clients != local.Summary.Clients || r.Input.Actors != local.Input.Actors {
			t.Errorf("%s: clients %+v of %d, local %+v of %d", name, r.Summary.Clients, r.Input.Actors, local.Summary.Clients, local.Input.Actors)
		}
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func covered(es []report.BlockEntry) int64 {
	var n int64
	for _, e := range es {
		n += e.Addresses
	}
	return n
}
