package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// Hostile strings an attacker can put in a path, a user agent or (through a
// prompt injection) a model's rationale.
var hostile = []string{
	"<script>alert(1)</script>",
	`"><img src=x onerror=alert(1)>`,
	"\x1b[31mRED\x1b]0;title\x07",
	"[click](http://evil.example/x) ![img](http://evil.example/i.png)",
	"\u202egnp.exe\u2066",
	"line1\r\nSubject: injected",
	"`code` ``more`` <b>bold</b> | pipe # head",
}

var hostileAll = strings.Join(hostile, " ")

func hit(c evidence.Category, sev evidence.Severity, n int64, samples ...evidence.Sample) evidence.Hit {
	return evidence.Hit{Rule: string(c), Category: c, Severity: sev, Count: n, Reason: fmt.Sprintf("%d requests matched", n), Samples: samples}
}

func actor(id string, score float64, hits ...evidence.Hit) evidence.Actor {
	a := evidence.Actor{Actor: id, Requests: 10, FirstSeen: t0, LastSeen: t0.Add(time.Hour), Statuses: map[string]int64{"404": 8, "200": 2},
		DistinctPaths: 9, Hits: hits, Score: score}
	for _, h := range hits {
		a.Severity = max(a.Severity, h.Severity)
		if !slices.Contains(a.Categories, h.Category) {
			a.Categories = append(a.Categories, h.Category)
		}
		a.Requests += h.Count
	}
	return a
}

func sample(line int64, target string, status int, ua string) evidence.Sample {
	return evidence.Sample{Line: line, Time: t0.Add(time.Duration(line) * time.Second), Method: "GET", Target: target, Status: status, UA: ua}
}

// hostileReport is a report whose every attacker-controlled field is hostile.
func hostileReport() *Report {
	var samples []evidence.Sample
	for i, h := range hostile {
		samples = append(samples, sample(int64(10+i), "/"+h, 404, h))
	}
	a := actor("203.0.113.7", 50, hit(evidence.XSS, evidence.High, 7, samples...))
	a.Hits[0].Reason = hostileAll
	a.Hits[0].Rule = hostile[0]
	a.UserAgents = []evidence.Count{{Value: hostileAll, N: 3}}
	b := actor("2001:db8:1:2::/64", 10, hit(evidence.SensitiveFiles, evidence.Medium, 5, sample(3, "/.env", 200, "curl/8")))
	return Build(BuildInput{
		Generated: t0.Add(5 * time.Hour),
		Source:    Source{Name: "s3://bucket/uploads/" + hostileAll + ".csv", Format: "amplify", Size: 1000},
		Input: Input{Lines: 101, Parsed: 99, Skipped: 1, Rejected: 1, Reasons: map[string]int64{"bad-time": 1},
			Samples: []Rejection{{Line: 5, Reason: "bad-time", Text: hostileAll}}, First: t0, Last: t0.Add(3 * time.Hour), Actors: 12,
			Errors: []string{hostileAll}},
		Actors: []evidence.Actor{b, a},
		Verdicts: []analysis.Verdict{
			{Actor: "203.0.113.7", Severity: evidence.Critical, Categories: []evidence.Category{evidence.XSS}, Confidence: 0.9, Rationale: hostileAll, Source: "model"},
			{Actor: "2001:db8:1:2::/64", Severity: evidence.Medium, Categories: []evidence.Category{evidence.SensitiveFiles}, Confidence: 0.8, Rationale: "Read /.env (200).", Source: "model"},
		},
		Campaigns: []evidence.Campaign{{Kind: "shared-user-agent", Key: hostileAll, Actors: []string{"203.0.113.7", "2001:db8:1:2::/64"}, Requests: 22, Severity: evidence.High, Reason: hostileAll}},
		// A planted page whose host, path and targets (the referer and the
		// request as the readers' browsers sent them) are hostile.
		Planted: []evidence.PlantedPage{{Planted: evidence.Planted{Host: hostile[3], Page: "/" + hostileAll, Targets: []string{"/" + hostile[0]}},
			Severity: evidence.High, Categories: []evidence.Category{evidence.XSS}, Visitors: 9, Requests: 45, FirstSeen: t0, LastSeen: t0.Add(time.Hour),
			Members: []string{"100.64.0.1", "100.64.1.2"}, Samples: samples[:2]}},
		Recommendations: []analysis.Recommendation{
			{Priority: 2, Kind: analysis.ActionWAFManaged, Title: "Enable " + hostile[1], Detail: hostileAll, Actors: []string{"203.0.113.7"}, Source: "model"},
			{Priority: 1, Kind: analysis.ActionWAFIPSet, Title: "Block the addresses", Detail: "IP set", Source: "rules"},
		},
		Observations: []analysis.Observation{{Actors: []string{"203.0.113.7"}, Summary: hostileAll, Source: "model"}},
		Analysis:     AnalysisInfo{Analyzer: "model-" + hostile[0], Notes: []string{hostileAll}, Usage: analysis.Usage{Calls: 2, InputTokens: 1200, OutputTokens: 300, CostUSD: 0.0031}},
		Timeline:     timeline(99, 3*time.Hour, 0),
	})
}

func render(t *testing.T, r *Report, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r, format); err != nil {
		t.Fatalf("Render %s: %v", format, err)
	}
	return b.String()
}

func TestBuildFindings(t *testing.T) {
	low := actor("192.0.2.50", 90, hit(evidence.AggressiveCrawl, evidence.Low, 900))
	med := actor("192.0.2.10", 5, hit(evidence.WordPressScan, evidence.Medium, 12, sample(1, "/wp-login.php", 404, "")))
	high := actor("198.51.100.4", 20, hit(evidence.SQLInjection, evidence.High, 9), hit(evidence.ScannerUA, evidence.Medium, 9))
	v6 := actor("2001:db8:aa:bb::/64", 3, hit(evidence.BruteForce, evidence.High, 40))
	r := Build(BuildInput{
		Generated: t0,
		Actors:    []evidence.Actor{low, med, high, v6},
		// Merged verdicts (analysis.WithFallback): the report shows them as given.
		Verdicts: []analysis.Verdict{
			{Actor: "198.51.100.4", Severity: evidence.High, Categories: []evidence.Category{evidence.SQLInjection, evidence.ScannerUA}, Confidence: 0.4, Rationale: "model says", Source: "model"},
			// Adds a category and raises the severity.
			{Actor: "192.0.2.10", Severity: evidence.High, Categories: []evidence.Category{evidence.WordPressScan, evidence.AdminProbing}, Confidence: 0.8, Rationale: "model adds", Source: "model"},
			// A verdict for an actor the rules did not flag adds no finding.
			{Actor: "192.0.2.99", Severity: evidence.Critical, Source: "model"},
			{Actor: "192.0.2.50", Severity: evidence.Low, Categories: []evidence.Category{evidence.AggressiveCrawl}, Confidence: 0.6, Rationale: "rules say", Source: "rules"},
		},
		Campaigns: []evidence.Campaign{{Kind: "shared-probe-set", Key: "k", Actors: []string{"192.0.2.10", "198.51.100.4"}, Severity: evidence.Medium}},
		Recommendations: []analysis.Recommendation{
			{Priority: 3, Title: "third"}, {Priority: 1, Title: "first"}, {Priority: 2, Title: "second"}, {Priority: 4, Title: "fourth"},
		},
	})
	if r.SchemaVersion != SchemaVersion {
		t.Errorf("schema version %q", r.SchemaVersion)
	}
	var order []string
	for _, f := range r.Findings {
		order = append(order, f.Actor)
	}
	// Worst first: high (score 20), high (score 3), then medium raised to high? No:
	// 192.0.2.10 was raised to high by its verdict, score 5.
	want := []string{"198.51.100.4", "192.0.2.10", "2001:db8:aa:bb::/64", "192.0.2.50"}
	if !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	f := r.Findings[0]
	if f.Severity != evidence.High || !slices.Equal(f.Categories, []evidence.Category{evidence.SQLInjection, evidence.ScannerUA}) || f.VerdictSource != "model" || f.Rationale != "model says" || f.Confidence != 0.4 {
		t.Errorf("finding differs from its verdict: %+v", f)
	}
	f = r.Findings[1]
	if f.Severity != evidence.High || !slices.Contains(f.Categories, evidence.AdminProbing) || f.Rationale != "model adds" {
		t.Errorf("verdict's additions lost: %+v", f)
	}
	if f := r.Findings[2]; f.VerdictSource != "rules" || f.Severity != evidence.High || !slices.Equal(f.Categories, []evidence.Category{evidence.BruteForce}) {
		t.Errorf("actor without verdict not shown as the evidence has it: %+v", f)
	}
	if f := r.Findings[3]; f.Rationale != "rules say" || f.VerdictSource != "rules" {
		t.Errorf("rules' verdict: %+v", f)
	}
	if !slices.Equal(r.Findings[0].Campaigns, []int{0}) || !slices.Equal(r.Findings[1].Campaigns, []int{0}) || len(r.Findings[2].Campaigns) != 0 {
		t.Errorf("campaign links: %v %v %v", r.Findings[0].Campaigns, r.Findings[1].Campaigns, r.Findings[2].Campaigns)
	}
	var cidrs []string
	for _, b := range r.Blocklist {
		cidrs = append(cidrs, b.CIDR)
		if b.Reason == "" || b.Severity < BlockMinSeverity {
			t.Errorf("block entry %+v", b)
		}
	}
	if !slices.Equal(cidrs, []string{"198.51.100.4/32", "192.0.2.10/32", "2001:db8:aa:bb::/64"}) {
		t.Errorf("blocklist %v (low-severity actors stay off it)", cidrs)
	}
	s := r.Summary
	if s.Severity != evidence.High || s.Suspicious != 4 || s.Headline == "" {
		t.Errorf("summary %+v", s)
	}
	if !slices.Equal(s.DoNow, []string{"first", "second", "third"}) {
		t.Errorf("do now %v, want the top three recommendations", s.DoNow)
	}
	for _, c := range s.Categories {
		if c.Category == evidence.SQLInjection && (c.Actors != 1 || c.Requests != 9) {
			t.Errorf("sqli count %+v", c)
		}
	}
}

func TestBuildEmpty(t *testing.T) {
	r := Build(BuildInput{Input: Input{Parsed: 500, Actors: 40}})
	if r.Summary.Severity != evidence.Info || !strings.Contains(r.Summary.Headline, "No attacks") {
		t.Errorf("summary %+v", r.Summary)
	}
	js := render(t, r, "json")
	for _, k := range []string{`"findings": []`, `"blocklist": []`, `"campaigns": []`, `"recommendations": []`} {
		if !strings.Contains(js, k) {
			t.Errorf("JSON lacks %s (empty lists are lists, not null)", k)
		}
	}
	for _, f := range Formats {
		render(t, r, f)
	}
}

func TestBlockCIDR(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7/32",
		"2001:db8:1:2::/64":         "2001:db8:1:2::/64",
		"2001:db8:1:2:3:4:5:6":      "2001:db8:1:2::/64",
		"::ffff:192.0.2.9":          "192.0.2.9/32",
		"2001:db8:1:2:3:4:5:6/128":  "2001:db8:1:2::/64",
		"not-an-ip":                 "",
		"192.0.2.7\n203.0.113.1/32": "",
	} {
		p, ok := blockCIDR(in)
		got := ""
		if ok {
			got = p.String()
		}
		if got != want || ok != (want != "") {
			t.Errorf("blockCIDR(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestTextStartsWithSummary(t *testing.T) {
	out := render(t, hostileReport(), "text")
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "logsift security report") || lines[3] != "SUMMARY" || !strings.HasPrefix(lines[4], "Severity: CRITICAL") {
		t.Fatalf("text does not open with the summary:\n%s", strings.Join(lines[:8], "\n"))
	}
	order := []string{"SUMMARY", "Do now:", "TOP ACTORS", "CAMPAIGNS", "BLOCKLIST", "RECOMMENDATIONS", "INPUT", "ANALYSIS"}
	last := -1
	for _, h := range order {
		i := strings.Index(out, h)
		if i <= last {
			t.Fatalf("section %q missing or out of order", h)
		}
		last = i
	}
	for _, want := range []string{"line 10", "203.0.113.7", "2001:db8:1:2::/64", "cost $0.0031", "bad-time 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

// No raw control or bidi character from the log reaches a terminal or an email.
func TestTextNeutralisesControls(t *testing.T) {
	r := hostileReport()
	var mail bytes.Buffer
	if err := EmailText(&mail, r, EmailLinks{Console: "https://example.com/r"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mail.String(), "Campaigns: 1 campaign (2 addresses") {
		t.Errorf("email does not mention the campaign:\n%s", mail.String())
	}
	for name, out := range map[string]string{"text": render(t, r, "text"), "md": render(t, r, "md"), "email": mail.String()} {
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e", "\u2066"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output contains raw %q", name, bad)
			}
		}
		if !strings.Contains(out, `\x1b[31m`) || !strings.Contains(out, `\u202e`) {
			t.Errorf("%s output does not show the escapes as text", name)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "Subject:") {
				t.Errorf("%s: a newline in a log field started a new line: %q", name, l)
			}
		}
	}
}

func TestHTMLEscapesAttackerStrings(t *testing.T) {
	out := render(t, hostileReport(), "html")
	low := strings.ToLower(out)
	for _, bad := range []string{"<script", "<img", "<b>", "\x1b", "\u202e", "<link", "url(", "@import"} {
		if strings.Contains(low, bad) {
			i := strings.Index(low, bad)
			t.Errorf("HTML contains %q: …%s…", bad, out[max(0, i-80):min(len(out), i+80)])
		}
	}
	// Every tag in the output is one the template wrote.
	allowed := map[string]bool{}
	for _, tag := range strings.Fields("!doctype html head meta title style body h1 h2 h3 p code span section strong ol ul li div table tr th td br pre small figure figcaption svg g rect line text polygon") {
		allowed[tag] = true
	}
	for _, m := range regexp.MustCompile(`<\s*/?\s*([a-zA-Z!][a-zA-Z0-9]*)`).FindAllStringSubmatch(out, -1) {
		if !allowed[strings.ToLower(m[1])] {
			t.Errorf("unexpected tag <%s>", m[1])
		}
	}
	// Attributes: only class, lang, charset, name, content, value, http-equiv,
	// and the charts' geometry, which holds numbers only.
	number := regexp.MustCompile(`^"[0-9. ,-]*"$`)
	for _, m := range regexp.MustCompile(`<[a-zA-Z][^>]*>`).FindAllString(out, -1) {
		for _, a := range regexp.MustCompile(`\s([a-zA-Z-]+)=("[^"]*"|'[^']*'|[^\s>]+)`).FindAllStringSubmatch(m, -1) {
			switch a[1] {
			case "x", "y", "x1", "y1", "x2", "y2", "width", "height", "points", "viewBox":
				if !number.MatchString(a[2]) {
					t.Errorf("chart attribute %s=%s is not a number", a[1], a[2])
				}
			case "class", "lang", "charset", "name", "content", "value", "http-equiv", "role", "aria-label", "text-anchor":
			default:
				t.Errorf("unexpected attribute %q in %s", a[1], m)
			}
		}
	}
	for _, want := range []string{`name="viewport"`, "&lt;script&gt;alert(1)&lt;/script&gt;", `\x1b[31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// stripCodeSpans removes Markdown code spans (a backtick run, then the same
// run) and fenced blocks, leaving the text Markdown interprets.
func stripCodeSpans(s string) string {
	var b strings.Builder
	inFence := false
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for i := 0; i < len(line); {
			if line[i] == '\\' && i+1 < len(line) {
				b.WriteString(line[i : i+2])
				i += 2
				continue
			}
			if line[i] != '`' {
				b.WriteByte(line[i])
				i++
				continue
			}
			j := i
			for j < len(line) && line[j] == '`' {
				j++
			}
			fence := line[i:j]
			end := -1
			for k := j; k < len(line); {
				if line[k] != '`' {
					k++
					continue
				}
				m := k
				for m < len(line) && line[m] == '`' {
					m++
				}
				if line[k:m] == fence {
					end = m
					break
				}
				k = m
			}
			if end < 0 {
				b.WriteString(fence)
				i = j
				continue
			}
			b.WriteString("CODE")
			i = end
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestMarkdownEscapesAttackerStrings(t *testing.T) {
	out := render(t, hostileReport(), "md")
	prose := stripCodeSpans(out)
	unescaped := func(s, chars string) bool {
		for i := 0; i < len(s); i++ {
			if strings.IndexByte(chars, s[i]) >= 0 && (i == 0 || s[i-1] != '\\') {
				return true
			}
		}
		return false
	}
	for _, l := range strings.Split(prose, "\n") {
		if unescaped(l, "<>[]`") {
			t.Errorf("unescaped markup outside code spans: %q", l)
		}
		if strings.Contains(l, "http://") || strings.Contains(l, "https://") {
			t.Errorf("autolinkable URL outside code spans: %q", l)
		}
	}
	for _, want := range []string{"## Summary", "## Top actors", "## Blocklist", "## Recommendations", "2001:db8:1:2::/64"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestMDCode(t *testing.T) {
	for _, s := range []string{"plain", "a`b", "``x``", "`edge`", "a | b", ""} {
		c := "x " + mdCode(s)
		if stripCodeSpans(c) != "x CODE\n" {
			t.Errorf("mdCode(%q) = %q is not one code span", s, c)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := hostileReport()
	out := render(t, r, "json")
	var back Report
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		a, _ := json.Marshal(&back)
		b, _ := json.Marshal(r)
		t.Fatalf("round trip changed the report:\n%s\n%s", a, b)
	}
	var raw struct {
		SchemaVersion string `json:"schema_version"`
		Findings      []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.SchemaVersion != SchemaVersion || len(raw.Findings) != 2 {
		t.Fatalf("schema %q, %d findings", raw.SchemaVersion, len(raw.Findings))
	}
	for _, k := range []string{"actor", "severity", "categories", "rationale", "evidence"} {
		if _, ok := raw.Findings[0][k]; !ok {
			t.Errorf("findings[0] lacks %q", k)
		}
	}
	if raw.Findings[0]["severity"] != "critical" {
		t.Errorf("severity is written as %v, want a name", raw.Findings[0]["severity"])
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	if err := Render(&bytes.Buffer{}, hostileReport(), "pdf"); err == nil {
		t.Error("unknown format accepted")
	}
	if err := Render(&bytes.Buffer{}, nil, "text"); err == nil {
		t.Error("nil report accepted")
	}
}

func bigReport(n, repeat int) *Report {
	actors := make([]evidence.Actor, n)
	long := strings.Repeat("/wp-content/plugins/x", repeat)
	for i := range actors {
		actors[i] = actor(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), float64(i%97),
			hit(evidence.WordPressScan, evidence.Medium, 20, sample(int64(i), long, 404, long)))
	}
	recs := make([]analysis.Recommendation, 60)
	for i := range recs {
		recs[i] = analysis.Recommendation{Priority: i + 1, Kind: analysis.ActionApp, Title: "t", Detail: long}
	}
	return Build(BuildInput{Actors: actors, Recommendations: recs, Input: Input{Parsed: 1 << 30}})
}

func TestBoundedOutput(t *testing.T) {
	r := bigReport(5000, 200)
	for _, f := range []string{"text", "md", "html"} {
		out := render(t, r, f)
		if len(out) > 2<<20 {
			t.Errorf("%s: %d bytes for 5,000 actors; want it bounded", f, len(out))
		}
		if !strings.Contains(out, "4780 more") {
			t.Errorf("%s does not say how many actors it left out", f)
		}
	}
	var mail bytes.Buffer
	if err := EmailText(&mail, r, EmailLinks{Presigned: "https://bucket.s3.amazonaws.com/reports/x.html?X-Amz-Signature=abc", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if mail.Len() > 100<<10 {
		t.Errorf("email is %d bytes", mail.Len())
	}
	if !strings.Contains(mail.String(), "X-Amz-Signature=abc") || !strings.Contains(mail.String(), "4990 more") {
		t.Error("email lacks the link or the count of findings left out")
	}
}

func TestSubject(t *testing.T) {
	r := hostileReport()
	long := strings.Repeat("a\u202e\r\n<script>", 1000) + ".csv"
	for _, s := range []string{
		Subject(r, "uploads/access-logs.csv"),
		Subject(r, long),
		Subject(Build(BuildInput{}), long),
		Subject(nil, ""),
		FailureSubject(long, "parse"),
		FailureSubject("uploads/x.csv", strings.Repeat("stage\n", 100)),
	} {
		if len(s) > 100 || len(s) == 0 {
			t.Errorf("subject is %d bytes: %q", len(s), s)
		}
		for _, c := range s {
			if c < 0x20 || c > 0x7e {
				t.Errorf("subject has %q: %q", c, s)
			}
		}
		if strings.ContainsAny(s, "<>") || strings.Contains(s, "script") && !strings.Contains(s, "_script_") {
			t.Errorf("attacker text in subject: %q", s)
		}
	}
	if s := Subject(r, "uploads/access-logs.csv"); s != "logsift: CRITICAL, 2 suspicious addresses, 1 planted page in access-logs.csv" {
		t.Errorf("subject %q", s)
	}
	// A planted page alone is no "no attacks found".
	planted := Build(BuildInput{Planted: r.Planted})
	if s := Subject(planted, "uploads/access-logs.csv"); s != "logsift: HIGH, 1 planted page in access-logs.csv" {
		t.Errorf("planted page alone: subject %q", s)
	}
	if s := FailureSubject("uploads/a.csv.gz", "parse"); s != "logsift: FAILED at parse for a.csv.gz" {
		t.Errorf("failure subject %q", s)
	}
}

// The email says in one line why the model was unavailable and, for every
// cause, what to do on AWS; nothing when the model was used.
func TestEmailModelWhy(t *testing.T) {
	const reason = "this account has no AWS Marketplace subscription to us.anthropic.claude-haiku-4-5-20251001-v1:0 yet"
	for cause, advice := range modelAdvice {
		r := hostileReport()
		r.Analysis.ModelUnavailable = true
		r.Analysis.Why = &analysis.Unavailability{Cause: cause, Reason: reason + "\x1b[31m"}
		var b bytes.Buffer
		if err := EmailText(&b, r, EmailLinks{}); err != nil {
			t.Fatal(err)
		}
		out := strings.Join(strings.Fields(b.String()), " ") // unwrapped
		if want := "Why: " + reason + "\\x1b[31m. " + advice; !strings.Contains(out, want) {
			t.Errorf("%s: email lacks %q:\n%s", cause, want, b.String())
		}
	}
	for _, a := range []AnalysisInfo{
		{Analyzer: "m"},
		{Analyzer: "m", Why: &analysis.Unavailability{Cause: analysis.CauseFailed, Reason: "recovered"}}, // not unavailable
	} {
		r := hostileReport()
		r.Analysis = a
		var b bytes.Buffer
		if err := EmailText(&b, r, EmailLinks{}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Why:") {
			t.Errorf("%+v: email has a Why line:\n%s", a, b.String())
		}
	}
	for _, c := range []analysis.Cause{analysis.CauseModelAccess, analysis.CauseMarketplace, analysis.CauseUseCaseForm, analysis.CausePermission,
		analysis.CauseModelID, analysis.CauseCredentials, analysis.CauseThrottled, analysis.CauseDeadline, analysis.CauseBudget} {
		if modelAdvice[c] == "" {
			t.Errorf("no advice for %s", c)
		}
	}
}

func TestFailureText(t *testing.T) {
	var b bytes.Buffer
	if err := FailureText(&b, "s3://bucket/uploads/a.csv", "parse", "not a log: "+hostileAll+strings.Repeat("x", 100000)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"s3://bucket/uploads/a.csv", "Stage: parse", "not a log", "What to do", "logsift analyze FILE"} {
		if !strings.Contains(out, want) {
			t.Errorf("failure text lacks %q", want)
		}
	}
	if strings.ContainsAny(out, "\x1b\r\u202e") || len(out) > 10000 {
		t.Errorf("failure text not cleaned or not bounded (%d bytes)", len(out))
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain /path?q=1":  "plain /path?q=1",
		"a\x1b[31mb":       `a\x1b[31mb`,
		"\u202eabc":        `\u202eabc`,
		"x\ny":             `x\x0ay`,
		"bad\xffutf8":      `bad\xffutf8`,
		"\u200bzero-width": `\u200bzero-width`,
		"café":             "café",
	} {
		if got := clean(in, 0); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean(strings.Repeat("é", 100), 11); len(got) > 11 || !strings.HasSuffix(got, "…") {
		t.Errorf("cut: %q", got)
	}
}

func BenchmarkBuildRender(b *testing.B) {
	// Samples as the rules keep them: truncated to a few hundred bytes.
	actors := bigReport(20000, 10).Findings
	in := make([]evidence.Actor, len(actors))
	for i := range actors {
		in[i] = actors[i].Evidence
	}
	for b.Loop() {
		r := Build(BuildInput{Actors: in})
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, r, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestEmailLinks(t *testing.T) {
	const console = "https://eu-west-1.console.aws.amazon.com/s3/object/b?region=eu-west-1&prefix=reports%2Fx.html"
	const presigned = "https://b.s3.eu-west-1.amazonaws.com/reports/x.html?X-Amz-Expires=604800&X-Amz-Signature=abc"
	until := time.Date(2026, 12, 14, 9, 30, 59, 0, time.UTC)
	tests := []struct {
		name     string
		links    EmailLinks
		want     []string
		wantNot  []string
		wantLine string // a line that must appear on its own, unwrapped
	}{
		{name: "console only", links: EmailLinks{Console: console},
			want: []string{"Full report (findings, evidence, blocklist, recommendations):\n" + console + "\n"}, wantNot: []string{"no sign-in", "works until"}},
		{name: "presigned, credentials may expire sooner", links: EmailLinks{Console: console, Presigned: presigned, Expires: until},
			want:     []string{"no sign-in needed:\n" + presigned + "\n", "2026-12-14 09:30 UTC at the latest", "can be sooner", "Afterwards, in the S3 console (sign in to AWS):\n" + console},
			wantLine: presigned},
		{name: "presigned, exact", links: EmailLinks{Console: console, Presigned: presigned, Expires: until, ExpiresExact: true},
			want: []string{"This link works until 2026-12-14 09:30 UTC.\n"}, wantNot: []string{"at the latest", "sooner"}, wantLine: presigned},
		// A link too long for the email is left out, not cut into a broken one.
		{name: "presigned too long", links: EmailLinks{Console: console, Presigned: presigned + strings.Repeat("x", maxLinkInMail), Expires: until},
			want: []string{console}, wantNot: []string{"no sign-in", "X-Amz-Expires"}},
		{name: "control characters escaped", links: EmailLinks{Presigned: presigned + "\r\nBcc: x@example.com", Expires: until},
			wantNot: []string{"\r\nBcc:", "\nBcc:"}},
		{name: "no links", links: EmailLinks{}, wantNot: []string{"Full report ("}},
	}
	r := hostileReport()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mail bytes.Buffer
			if err := EmailText(&mail, r, tt.links); err != nil {
				t.Fatal(err)
			}
			out := mail.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("email lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("email has %q:\n%s", w, out)
				}
			}
			if tt.wantLine != "" && !slices.Contains(strings.Split(out, "\n"), tt.wantLine) {
				t.Errorf("the link is not a line of its own:\n%s", out)
			}
		})
	}
}
