package detect

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/testfiles"
)

func repoRoot(t testing.TB) string { return testfiles.Root(t) }

// readLog parses a fixture with logformat and returns copies of its records.
func readLog(t testing.TB, path string) []record.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := logformat.NewReader(f, logformat.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []record.Record
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, *r)
	}
	return out
}

func observeAll(t testing.TB, cfg Config, recs []record.Record) evidence.Chunk {
	t.Helper()
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		r := recs[i]
		e.Observe(&r)
	}
	return e.Result(0)
}

// scenarioCategory maps the CrowdSec scenarios the hub tests assert to the
// category that must report the same sources.
var scenarioCategory = map[string]evidence.Category{
	"crowdsecurity/http-probing":                 evidence.HTTPProbing,
	"crowdsecurity/http-sensitive-files":         evidence.SensitiveFiles,
	"crowdsecurity/http-path-traversal-probing":  evidence.PathTraversal,
	"crowdsecurity/http-sqli-probbing-detection": evidence.SQLInjection,
	"crowdsecurity/http-technology-probing":      evidence.TechProbing,
	"crowdsecurity/http-wordpress-scan":          evidence.WordPressScan,
	"crowdsecurity/http-bad-user-agent":          evidence.ScannerUA,
}

var (
	reAssertSource   = regexp.MustCompile(`^"([^"]+)" in results\[(\d+)\]\.Overflow\.GetSources\(\)`)
	reAssertScenario = regexp.MustCompile(`^results\[(\d+)\]\.Overflow\.Alert\.GetScenario\(\) == "([^"]+)"`)
)

// TestCrowdSecHub checks that every source a hub test's scenario.assert
// names is reported with the matching category, and that no other client in
// the log is.
func TestCrowdSecHub(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "crowdsec-hub", "tests", "*", "scenario.assert"))
	if len(dirs) < 7 {
		t.Fatalf("found %d scenario.assert files, want at least 7", len(dirs))
	}
	for _, assert := range dirs {
		dir := filepath.Dir(assert)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(assert)
			if err != nil {
				t.Fatal(err)
			}
			sources := map[string]string{} // result index -> source
			scen := map[string]string{}    // result index -> scenario
			for _, line := range strings.Split(string(b), "\n") {
				if m := reAssertSource.FindStringSubmatch(line); m != nil {
					sources[m[2]] = m[1]
				}
				if m := reAssertScenario.FindStringSubmatch(line); m != nil {
					scen[m[1]] = m[2]
				}
			}
			if len(sources) == 0 {
				t.Fatal("no sources in scenario.assert")
			}
			recs := readLog(t, filepath.Join(dir, name+".log"))
			c := observeAll(t, DefaultConfig(), recs)
			want := map[string]evidence.Category{}
			for i, src := range sources {
				cat, ok := scenarioCategory[scen[i]]
				if !ok {
					t.Fatalf("no category for scenario %q", scen[i])
				}
				want[record.ActorString(record.Actor(netip.MustParseAddr(src)))] = cat
			}
			cats := map[evidence.Category]bool{}
			for _, cat := range want {
				cats[cat] = true
			}
			for actor, cat := range want {
				a, sus := find(c, actor)
				if !sus || hitFor(a, cat) == nil {
					t.Errorf("%s: want %s, got %+v", actor, cat, a)
					continue
				}
				t.Logf("%s: %s", actor, hitFor(a, cat).Reason)
			}
			for _, r := range recs {
				actor := record.ActorString(record.Actor(r.Client))
				if _, ok := want[actor]; ok {
					continue
				}
				if a, sus := find(c, actor); sus {
					for cat := range cats {
						if hitFor(a, cat) != nil {
							t.Errorf("%s is not a source of the scenario but reported with %s: %+v", actor, cat, a.Hits)
						}
					}
				}
			}
		})
	}
}

// TestCrowdSecALBAttacks: aws-alb-logs has no scenario, but PROVENANCE.md
// labels lines 4-7 and 11-14 as attacks (double-encoded traversal, a
// Log4Shell UA, OGNL, Cacti) and the other lines as plain requests.
func TestCrowdSecALBAttacks(t *testing.T) {
	recs := readLog(t, filepath.Join(repoRoot(t), "testdata", "crowdsec-hub", "tests", "aws-alb-logs", "aws-alb-logs.log"))
	c := observeAll(t, DefaultConfig(), recs)
	attack := func(line int64) bool { return (line >= 4 && line <= 7) || (line >= 11 && line <= 14) }
	for _, r := range recs {
		actor := record.ActorString(record.Actor(r.Client))
		a, sus := find(c, actor)
		if attack(r.Line) != sus {
			t.Errorf("line %d (%s %s): suspicious=%v, want %v; %+v", r.Line, actor, r.RawPath, sus, attack(r.Line), a)
		}
		if sus {
			t.Logf("line %d %s: %v %s", r.Line, actor, a.Categories, a.Hits[0].Reason)
		}
	}
}

// crawlerTokens are the well-known crawlers of the apache_logs sample.
var crawlerTokens = []string{"googlebot", "bingbot", "yandexbot", "baiduspider", "ahrefsbot", "mj12bot", "archive.org_bot"}

// wordpressPath is the test's own notion of a WordPress probe, independent
// of the rule's pattern list.
func wordpressPath(p string) bool {
	p = strings.ToLower(p)
	return strings.Contains(p, "wp-login.php") || strings.Contains(p, "xmlrpc.php") || strings.Contains(p, "/wp-admin")
}

// TestApacheLogs runs the rules over real, mostly benign traffic
// (semicomplete.com, May 2015) and checks the false-positive expectations.
func TestApacheLogs(t *testing.T) {
	recs := readLog(t, filepath.Join(repoRoot(t), "testdata", "elastic-examples", "apache_logs"))
	if len(recs) < 9000 {
		t.Fatalf("parsed %d records", len(recs))
	}
	cfg := DefaultConfig()
	c := observeAll(t, cfg, recs)

	crawlers := map[string]string{}
	wpPaths := map[string]map[string]bool{} // actor -> distinct failing WordPress paths
	for _, r := range recs {
		actor := record.ActorString(record.Actor(r.Client))
		ua := strings.ToLower(r.UA)
		for _, tok := range crawlerTokens {
			if strings.Contains(ua, tok) {
				crawlers[actor] = tok
			}
		}
		if wordpressPath(r.Path) && r.Status >= 400 {
			if wpPaths[actor] == nil {
				wpPaths[actor] = map[string]bool{}
			}
			wpPaths[actor][r.Path] = true
		}
	}
	if len(crawlers) < 7 || len(wpPaths) < 20 {
		t.Fatalf("fixture changed: %d crawler IPs, %d WordPress-probing IPs", len(crawlers), len(wpPaths))
	}
	for actor, tok := range crawlers {
		if a, sus := find(c, actor); sus {
			t.Errorf("crawler %s (%s) reported: %v %s", actor, tok, a.Categories, a.Hits[0].Reason)
		}
	}

	// WordPress: at or above the threshold the engine reports the actor on
	// its own; below it the match must be kept as weak evidence.
	above := 0
	for actor, paths := range wpPaths {
		a, sus := find(c, actor)
		if len(paths) >= cfg.WordPressPaths {
			above++
			if !sus || hitFor(a, evidence.WordPressScan) == nil {
				t.Errorf("%s requested %d WordPress paths (threshold %d) but is not reported: %+v", actor, len(paths), cfg.WordPressPaths, a)
			}
			continue
		}
		if hitFor(a, evidence.WordPressScan) == nil && weakFor(a, evidence.WordPressScan) == nil {
			t.Errorf("%s requested %d WordPress path(s) but has no wordpress-scan match", actor, len(paths))
		}
	}

	// Campaigns over the whole run: probes that each IP sent once but that
	// several IPs sent identically (this sample has one request a minute an
	// hour, so most scanners appear once).
	all := append(slices.Clone(c.Suspicious), c.Weak...)
	cs := Campaigns(all, nil)
	promoted, _ := PromoteCampaigns(all, nil, cs)
	reported := map[string]bool{}
	for _, a := range promoted {
		if a.Suspicious() {
			reported[a.Actor] = true
		}
	}
	// Every WordPress prober whose exact probe set is shared by at least
	// MinCampaignActors IPs is reported once campaigns are applied.
	bySet := map[string][]string{}
	for actor, paths := range wpPaths {
		var ps []string
		for p := range paths {
			ps = append(ps, strings.ToLower(p))
		}
		slices.Sort(ps)
		k := strings.Join(ps, "\n")
		bySet[k] = append(bySet[k], actor)
	}
	shared := 0
	for _, actors := range bySet {
		if len(actors) < MinCampaignActors {
			continue
		}
		for _, actor := range actors {
			shared++
			if !reported[actor] {
				a, _ := find(c, actor)
				t.Errorf("%s shares its WordPress probe set with %d IPs but is not reported after campaigns: %+v", actor, len(actors)-1, a)
			}
		}
	}
	reportedWP := 0
	for actor := range wpPaths {
		if reported[actor] {
			reportedWP++
		}
	}
	t.Logf("WordPress probers: %d IPs; %d at or above the threshold of %d distinct paths; %d in shared probe sets; %d reported after campaigns",
		len(wpPaths), above, cfg.WordPressPaths, shared, reportedWP)

	for _, cp := range cs {
		t.Logf("campaign %s [%s] %d actors %v: %s", cp.Kind, cp.Severity, len(cp.Actors), cp.Categories, cp.Reason)
	}
	t.Logf("%d requests, %d actors, %d suspicious, %d weak", c.Requests, c.Actors, len(c.Suspicious), len(c.Weak))
	for _, a := range c.Suspicious {
		ua := ""
		if len(a.UserAgents) > 0 {
			ua = a.UserAgents[0].Value
		}
		t.Logf("SUSPICIOUS %s sev=%s score=%.1f req=%d ua=%.60q", a.Actor, a.Severity, a.Score, a.Requests, ua)
		for _, h := range a.Hits {
			t.Logf("    %s/%s: %s", h.Rule, h.Severity, h.Reason)
		}
	}
}

// docRanges are the documentation prefixes the generator plants its attacks
// in; nothing else in the sample is an attacker.
var docRanges = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
}

func inDocRange(actor string) bool {
	p, err := netip.ParsePrefix(actor)
	if err != nil {
		a, err := netip.ParseAddr(actor)
		if err != nil {
			return false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	for _, d := range docRanges {
		if d.Overlaps(p) {
			return true
		}
	}
	return false
}

// TestExampleLog runs the rules over the project's sample Amplify log
// (examples/access-logs.csv, see examples/README.md): no address outside the
// documentation ranges is reported, and every planted address is, on its
// own or through a campaign.
func TestExampleLog(t *testing.T) {
	path := filepath.Join(repoRoot(t), "examples", "access-logs.csv")
	if _, err := os.Stat(path); err != nil {
		t.Skip("examples/access-logs.csv not present")
	}
	recs := readLog(t, path)
	c := observeAll(t, DefaultConfig(), recs)
	all := append(slices.Clone(c.Suspicious), c.Weak...)
	cs := Campaigns(all, nil)
	promoted, _ := PromoteCampaigns(all, nil, cs)
	reported := map[string]bool{}
	for _, a := range promoted {
		if a.Suspicious() {
			reported[a.Actor] = true
			if !inDocRange(a.Actor) {
				t.Errorf("false positive %s: %v %s", a.Actor, a.Categories, a.Hits[0].Reason)
			}
		}
	}
	planted := map[string]bool{}
	for _, r := range recs {
		if actor := record.ActorString(record.Actor(r.Client)); inDocRange(actor) {
			planted[actor] = true
		}
	}
	for actor := range planted {
		if !reported[actor] {
			a, _ := find(c, actor)
			t.Errorf("planted attacker %s not reported: %+v", actor, a)
		}
	}
	for _, cp := range cs {
		t.Logf("campaign %s %d actors %v: %s", cp.Kind, len(cp.Actors), cp.Categories, cp.Reason)
	}
	for _, a := range promoted {
		if a.Suspicious() {
			t.Logf("%s %s score=%.1f %v", a.Actor, a.Severity, a.Score, a.Categories)
			for _, h := range a.Hits {
				t.Logf("    %s/%s: %s", h.Rule, h.Severity, h.Reason)
			}
		}
	}
}

// TestGeneratedLogs runs the rules over the project's log generator in every
// format: no address outside the documentation ranges (where the generator
// plants its attacks) is reported, and every planted address is.
func TestGeneratedLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and parses 4 x 60,000 rows")
	}
	for _, format := range loggen.Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := loggen.Generate(&buf, loggen.Options{Format: format, Rows: 60000, Seed: 3}); err != nil {
				t.Fatal(err)
			}
			rd, err := logformat.NewReader(&buf, logformat.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e, _ := NewEngine(DefaultConfig())
			planted := map[string]bool{}
			for {
				r, err := rd.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatal(err)
					}
					break
				}
				e.Observe(r)
				if a := record.ActorString(record.Actor(r.Client)); inDocRange(a) {
					planted[a] = true
				}
			}
			c := e.Result(0)
			all := append(slices.Clone(c.Suspicious), c.Weak...)
			reported := map[string]bool{}
			for _, a := range promoteAll(all) {
				if !a.Suspicious() {
					continue
				}
				reported[a.Actor] = true
				if !inDocRange(a.Actor) {
					t.Errorf("false positive %s: %v %s", a.Actor, a.Categories, a.Hits[0].Reason)
				}
			}
			for p := range planted {
				if !reported[p] {
					t.Errorf("planted attacker %s not reported", p)
				}
			}
			t.Logf("%d requests, %d actors, %d planted, %d reported", c.Requests, c.Actors, len(planted), len(reported))
		})
	}
}
