package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/steer"
)

// The readers of a planted page are in no list of attackers: not the
// address file, not a prefix of the blocklist, not a coarse group, even
// when attackers with the same categories were folded into one (the
// readers' own group, their planted behaviour, is gone from the run).
func TestPlantedNotInTheAddressFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	i := slices.IndexFunc(steer.Cases, func(c steer.Case) bool { return c.Name == "planted-payload-combined" })
	if err := steer.Cases[i].WriteFile(path); err != nil {
		t.Fatal(err)
	}
	// Thirty attackers with the readers' categories (sqli, xss at high),
	// each its own behaviour, so that they outgrow the group limit and are
	// folded into the coarse group the readers would fall in.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := steer.Start.Add(2 * time.Hour)
	for i := range 30 {
		ip := fmt.Sprintf("198.18.%d.1", i) // a /24 each: no rotation
		for j, target := range []string{fmt.Sprintf("/p%d?q=%%27%%20union%%20select%%201--", i), fmt.Sprintf("/x%d?c=%%3Cscript%%3Ealert(%d)", i, i)} {
			fmt.Fprint(f, combinedLine(ip, start.Add(time.Duration(2*i+j)*time.Second), "GET", target, 404, "curl/8.5.0"))
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	st := newStages(t)
	st.Detect.DetailLimit, st.Detect.WeakLimit, st.Detect.GroupLimit = 3, 3, 4
	st.AddressFile = filepath.Join(t.TempDir(), "addresses.csv")
	r, err := st.AnalyzeFiles(context.Background(), []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Planted) != 1 || r.Planted[0].Visitors != 40 || r.Summary.Clients.Planted != 40 {
		t.Fatalf("planted %+v, clients %+v", r.Planted, r.Summary.Clients)
	}
	coarse := false
	for _, g := range r.Groups {
		coarse = coarse || (g.Coarse && g.Suspicious())
	}
	if !coarse {
		t.Fatal("no coarse group: the test does not test what it says")
	}
	lines := readLines(t, st.AddressFile)
	for _, l := range lines {
		if strings.HasPrefix(l, "100.66.") {
			t.Errorf("a reader of the planted page is in the address file: %s", l)
		}
	}
	if got, want := int64(len(lines)-1), r.Summary.Clients.Suspicious; got != want || r.AddressFile.Addresses != want {
		t.Errorf("address file of %d lines (%+v), want the %d suspicious clients", got, r.AddressFile, want)
	}
	for _, b := range r.Blocklist {
		if strings.HasPrefix(b.CIDR, "100.66.") {
			t.Errorf("a reader's prefix on the blocklist: %+v", b)
		}
	}
}
