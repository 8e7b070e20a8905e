package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/report"
)

// Through the CLI, locally and staged: 3,000 clients that each probe /.env
// once, among visitors, with the detail limits lowered by --config. The
// report details 30, groups the rest, counts every client, makes them one
// campaign, and --out puts the address file beside the report.
func TestManyClientsCLI(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "2001:db8:%x:%x::1 - - [20/Nov/2026:08:%02d:%02d +0000] \"GET /.env HTTP/1.1\" 404 153 \"-\" \"curl/8.5.0\"\n", i/500, i%500, i/60%60, i%60)
	}
	for i := range 20 {
		fmt.Fprintf(&b, "100.64.0.%d - - [20/Nov/2026:09:00:%02d +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"\n", i+1, i)
	}
	in := writeFile(t, "clients.log", b.String())
	cfg := writeFile(t, "rules.json", `{"detail_limit": 30, "weak_limit": 30}`)
	for _, mode := range []string{"local", "staged"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report.json")
			args := []string{"analyze", "--format", "json", "--config", cfg, "--out", out, in}
			if mode == "staged" {
				args = append(args[:1], append([]string{"--staged"}, args[1:]...)...)
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != exitFindings {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rep report.Report
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			s := rep.Summary
			if s.Clients.Suspicious != 3000 || s.Clients.Clean != 20 || s.Clients.Total() != rep.Input.Actors {
				t.Errorf("clients %+v of %d actors", s.Clients, rep.Input.Actors)
			}
			if len(rep.Findings) != 30 || int64(s.Suspicious)+s.Grouped != 3000 || !strings.HasPrefix(s.Headline, "3,000 of 3,020 clients") {
				t.Errorf("%d findings, %d grouped; headline %q", len(rep.Findings), s.Grouped, s.Headline)
			}
			if len(rep.Campaigns) != 1 || rep.Campaigns[0].ActorCount != 3000 {
				t.Errorf("campaigns %+v", rep.Campaigns)
			}
			addrs := filepath.Join(filepath.Dir(out), "report.addresses.csv")
			lines, err := os.ReadFile(addrs)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(lines), "\n"); n != 3001 || rep.AddressFile == nil || rep.AddressFile.Name != addrs {
				t.Errorf("address file %+v with %d lines", rep.AddressFile, n)
			}
			if strings.Contains(string(lines), "100.64.0.") {
				t.Errorf("a visitor is in the address file")
			}
			if !strings.Contains(stderr.String(), "3000 suspicious addresses listed in "+addrs) {
				t.Errorf("stderr does not name the address file: %s", stderr.String())
			}
		})
	}
}
