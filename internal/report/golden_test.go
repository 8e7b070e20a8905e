package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current renderers")

// goldenReports are the reports whose every rendering is pinned: the bundled
// sample's report (stored as JSON, so that changes to detection do not move
// the renderers' goldens), a clean log, hostile strings in every field, and a
// report over every display limit.
func goldenReports(t *testing.T) map[string]*Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sample-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	sample := new(Report)
	if err := json.Unmarshal(b, sample); err != nil {
		t.Fatal(err)
	}
	clean := Build(BuildInput{
		Generated: t0.Add(2 * time.Hour),
		Source:    Source{Name: "uploads/quiet.log.gz", Format: "combined", Gzip: true, Size: 4096},
		Input:     Input{Lines: 500, Parsed: 500, Actors: 40, First: t0, Last: t0.Add(26 * time.Hour)},
		Analysis:  AnalysisInfo{Analyzer: "offline"},
		Timeline:  timeline(500, 26*time.Hour, 0),
	})
	return map[string]*Report{"sample": sample, "clean": clean, "hostile": hostileReport(), "limits": limitsReport()}
}

// limitsReport goes over every count limit of the report view: actors
// detailed and listed, rule hits per actor, campaigns and their addresses,
// blocklist lines shown in Markdown, recommendations and their actors,
// rejection samples and notes.
func limitsReport() *Report {
	var actors []evidence.Actor
	for i := range reportBounds.detail + reportBounds.list + 5 {
		id := fmt.Sprintf("198.51.%d.%d", i/250, i%250)
		if i%3 == 0 {
			id = fmt.Sprintf("2001:db8:%x::/64", i)
		}
		hits := []evidence.Hit{hit(evidence.HTTPProbing, evidence.Medium, 30, sample(int64(100+i), "/probe/"+fmt.Sprint(i), 404, "Go-http-client/1.1"))}
		if i == 0 {
			// A fixed list, so that the golden does not move when a category is added.
			for _, c := range []evidence.Category{evidence.Log4Shell, evidence.CVEProbe, evidence.Webshell, evidence.SQLInjection, evidence.PathTraversal,
				evidence.XSS, evidence.SensitiveFiles, evidence.BruteForce, evidence.WordPressScan, evidence.AdminProbing} {
				hits = append(hits, hit(c, evidence.High, 2, sample(int64(1000+len(hits)), "/"+string(c), 403, "")))
			}
		}
		actors = append(actors, actor(id, float64(i%13), hits...))
	}
	// Every actor has a verdict, so that the goldens do not move with the
	// rules' own rationale.
	var verdicts []analysis.Verdict
	for _, a := range actors {
		// Merged verdicts list their categories in the one category order.
		cats := slices.Clone(a.Categories)
		evidence.SortCategories(cats)
		verdicts = append(verdicts, analysis.Verdict{Actor: a.Actor, Severity: a.Severity, Categories: cats, Confidence: 0.7,
			Rationale: "Probed " + a.Hits[0].Samples[0].Target + " and similar paths.", Source: "model"})
	}
	var campaigns []evidence.Campaign
	for i := range reportBounds.campaigns + 2 {
		c := evidence.Campaign{Kind: "shared-probe-set", Key: fmt.Sprintf("/a%d /b%d", i, i), Requests: 60, Severity: evidence.Medium,
			Categories: []evidence.Category{evidence.HTTPProbing}, Reason: "the same probe set"}
		for j := range 2 + i {
			c.Actors = append(c.Actors, actors[(i+j)%len(actors)].Actor)
		}
		campaigns = append(campaigns, c)
	}
	// Groups over the limit, suspicious and weak, and the account of every
	// client they and the findings add up to.
	var groups []evidence.Group
	clients := evidence.Counts{Suspicious: int64(len(actors)), Lured: 40}
	for i := range reportBounds.groups + 2 {
		g := evidence.Group{ID: fmt.Sprintf("g%013x", i), Key: fmt.Sprintf("suspicious: sensitive-files medium; probing, probe set /.env%d", i),
			Severity: evidence.Medium, Categories: []evidence.Category{evidence.SensitiveFiles}, Actors: int64(100 + i), Clients: int64(100 + i),
			Requests: int64(300 + i), FirstSeen: t0, LastSeen: t0.Add(time.Hour), Samples: []evidence.Sample{sample(int64(5000+i), fmt.Sprintf("/.env%d", i), 404, "curl/8.5.0")}}
		for j := range reportBounds.campaignIPs + 1 {
			g.Members = append(g.Members, fmt.Sprintf("203.0.%d.%d", i, j))
		}
		if i%4 == 3 {
			g.Weak = true
			clients.Weak += g.Clients
		} else {
			clients.Suspicious += g.Clients
		}
		groups = append(groups, g)
	}
	clients.Clean = 90_000 - clients.Total()
	var recs []analysis.Recommendation
	var ids []string
	for _, a := range actors[:12] {
		ids = append(ids, a.Actor)
	}
	for i := range reportBounds.recs + 3 {
		recs = append(recs, analysis.Recommendation{Priority: i + 1, Kind: analysis.ActionWAFRateBased, Title: fmt.Sprintf("Rate-limit path %d", i),
			Detail: "Add a rate-based rule.", Categories: []evidence.Category{evidence.HTTPProbing}, Actors: ids[:i%12], Source: "rules"})
	}
	var rejects []Rejection
	var notes []string
	for i := range reportBounds.notes + 2 {
		if i < reportBounds.rejects+2 {
			rejects = append(rejects, Rejection{Line: int64(7 + i), Reason: "bad-status", Text: fmt.Sprintf("x y z %d", i)})
		}
		notes = append(notes, fmt.Sprintf("note %d", i))
	}
	return Build(BuildInput{
		Generated: t0.Add(30 * time.Hour),
		Source:    Source{Name: "logs/alb/big.log", Format: "alb", Size: 1 << 30},
		Input: Input{Lines: 2_000_000, Parsed: 1_999_000, Skipped: 3, Rejected: 997, Reasons: map[string]int64{"bad-status": 990, "bad-time": 7},
			Samples: rejects, First: t0, Last: t0.Add(23 * time.Hour), Actors: 90_000, Errors: []string{"gzip: truncated member"}},
		Actors:    actors,
		Verdicts:  verdicts,
		Campaigns: campaigns,
		Groups:    groups,
		Clients:   clients,
		// Two blocks of nothing but attackers, and more addresses than the
		// blocklist holds, in the address file.
		Prefixes: []BlockEntry{
			{CIDR: "203.0.0.0/25", Severity: evidence.Medium, Reason: "medium: sensitive-files; 100 addresses, every client of 203.0.0.0/24 the log shows", Addresses: 100},
			{CIDR: "2001:db8:77::/48", Severity: evidence.High, Reason: "high: sqli; 5,000 addresses, every client of 2001:db8:77::/48 the log shows", Addresses: 5000},
		},
		Addresses:       &AddressFile{Name: "logs/alb/big.log.addresses.csv", Addresses: 9000, Blockable: 8800},
		Recommendations: recs,
		Timeline:        timeline(1_999_000, 23*time.Hour, 9_020),
		Analysis: AnalysisInfo{Analyzer: "us.anthropic.claude-haiku-4-5", Notes: notes, Truncated: true,
			Usage: analysis.Usage{Calls: 20, InputTokens: 400_000, OutputTokens: 60_000, CostUSD: 0.7}},
	})
}

// timeline spreads n requests over span from t0, a steady flow with a burst
// of burst requests at a third of the way.
func timeline(n int64, span time.Duration, burst int64) *evidence.Histogram {
	var h evidence.Histogram
	steady := n - burst
	for i := range steady {
		h.Add(t0.Add(time.Duration(int64(span) / steady * i)))
	}
	for i := range burst {
		h.Add(t0.Add(span/3 + time.Duration(i)*time.Millisecond))
	}
	return &h
}

// TestGolden pins every rendering of the golden reports. Run
// go test ./internal/report -run TestGolden -update to rewrite the files after
// a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	for name, r := range goldenReports(t) {
		outs := map[string]func(*bytes.Buffer) error{
			"email.txt": func(b *bytes.Buffer) error {
				return EmailText(b, r, EmailLinks{Console: "https://console.aws.amazon.com/s3/object/bucket?prefix=reports/" + name + ".html"})
			},
		}
		for _, f := range Formats {
			outs[f] = func(b *bytes.Buffer) error { return Render(b, r, f) }
		}
		for ext, render := range outs {
			t.Run(name+"."+ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name+"."+ext+".golden")
				if *update {
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got := b.Bytes(); !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s:\n%s", ext, path, firstDiff(string(want), string(got)))
				}
			})
		}
	}
}

// firstDiff shows the first line where want and got part, with its neighbours.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			from := max(i-2, 0)
			return fmt.Sprintf("line %d\nwant: %q\ngot:  %q\n(context before: %q)", i+1, wl, gl, strings.Join(g[from:min(i, len(g))], "\n"))
		}
	}
	return "(same lines; the bytes differ)"
}
