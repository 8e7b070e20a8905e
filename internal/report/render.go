package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/evidence"
)

// Formats lists the formats Render writes.
var Formats = []string{"text", "md", "html", "json"}

// Bounds that keep a report readable whatever the size of the attack.
const (
	detailActors    = 20  // actors shown with their evidence
	listActors      = 200 // further actors shown one line each
	maxSamples      = 3   // sample requests per actor
	maxHits         = 8   // rule hits per actor
	maxCampaigns    = 20
	maxBlockLines   = 500
	maxRecs         = 30
	maxRejectShown  = 5
	maxNotes        = 20
	fieldLimit      = 200 // bytes of one attacker string
	rationaleLimit  = 800
	wrapWidth       = 100
	maxCampaignKeys = 120
)

// Render writes the report in format: "text", "md" (or "markdown"), "html" or
// "json".
func Render(w io.Writer, r *Report, format string) error {
	if r == nil {
		return fmt.Errorf("render: no report")
	}
	bw := bufio.NewWriter(w)
	var err error
	switch strings.ToLower(format) {
	case "text", "txt", "":
		err = renderText(bw, r)
	case "md", "markdown":
		err = renderMarkdown(bw, r)
	case "html":
		err = renderHTML(bw, r)
	case "json":
		err = renderJSON(bw, r)
	default:
		return fmt.Errorf("render: unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	return bw.Flush()
}

func renderJSON(w io.Writer, r *Report) error {
	c := *r
	if c.SchemaVersion == "" {
		c.SchemaVersion = SchemaVersion
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&c)
}

// tw writes text, remembering the first error.
type tw struct {
	w   io.Writer
	err error
}

func (t *tw) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *tw) line(s string) { t.printf("%s\n", s) }

// wrap writes s word-wrapped at wrapWidth: the first line starts with
// prefix, the others with as many spaces.
func (t *tw) wrap(prefix, s string) {
	words := strings.Fields(s)
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	var b strings.Builder
	b.WriteString(prefix)
	col := len(indent)
	for i, w := range words {
		if i > 0 && col+1+len(w) > wrapWidth {
			t.line(b.String())
			b.Reset()
			b.WriteString(indent)
			col = len(indent)
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	if len(words) > 0 {
		t.line(b.String())
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// window describes the log time covered.
func window(first, last time.Time) string {
	if first.IsZero() {
		return "no timestamps"
	}
	f, l := first.UTC(), last.UTC()
	if f.Format("2006-01-02") == l.Format("2006-01-02") {
		return fmt.Sprintf("%s %s–%s UTC", f.Format("2006-01-02"), f.Format("15:04"), l.Format("15:04"))
	}
	return fmt.Sprintf("%s – %s UTC", f.Format("2006-01-02 15:04"), l.Format("2006-01-02 15:04"))
}

func categoryList(cs []evidence.Category) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// statusSummary lists status counts, most frequent first: "404×17 200×3".
func statusSummary(m map[string]int64, limit int) string {
	type kv struct {
		k string
		n int64
	}
	var xs []kv
	for k, n := range m {
		xs = append(xs, kv{k, n})
	}
	slices.SortFunc(xs, func(a, b kv) int {
		if a.n != b.n {
			if a.n > b.n {
				return -1
			}
			return 1
		}
		return strings.Compare(a.k, b.k)
	})
	var parts []string
	for i, x := range xs {
		if i == limit {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, clean(x.k, 8)+"×"+strconv.FormatInt(x.n, 10))
	}
	return strings.Join(parts, " ")
}

// samples picks up to n sample requests of a finding, one per hit first.
func samples(f *Finding, n int) []evidence.Sample {
	var out []evidence.Sample
	has := func(s evidence.Sample) bool {
		return slices.ContainsFunc(out, func(o evidence.Sample) bool { return o.Line == s.Line && o.Target == s.Target })
	}
	for round := 0; round < n && len(out) < n; round++ {
		for _, h := range f.Evidence.Hits {
			if round < len(h.Samples) && !has(h.Samples[round]) {
				out = append(out, h.Samples[round])
				if len(out) == n {
					return out
				}
			}
		}
	}
	return out
}

func sampleLine(s evidence.Sample) string {
	m := s.Method
	if m == "" {
		m = "-"
	}
	st := "-"
	if s.Status != 0 {
		st = strconv.Itoa(s.Status)
	}
	return fmt.Sprintf("line %d  %s  %s %s -> %s", s.Line, fmtTime(s.Time), clean(m, 16), clean(s.Target, fieldLimit), st)
}

func displaySource(r *Report) string {
	if r.Source.Name == "" {
		return "(unnamed input)"
	}
	return clean(r.Source.Name, 300)
}

func renderText(w io.Writer, r *Report) error {
	t := &tw{w: w}
	s := &r.Summary
	t.line("logsift security report: " + displaySource(r))
	meta := []string{"generated " + fmtTime(r.Generated) + " UTC"}
	if r.Source.Format != "" {
		meta = append(meta, clean(r.Source.Format, 20))
	}
	meta = append(meta, plural(r.Input.Parsed, "request", "requests"), window(r.Input.First, r.Input.Last))
	t.line(strings.Join(meta, " · "))
	t.line("")

	t.line("SUMMARY")
	t.printf("Severity: %s\n", strings.ToUpper(s.Severity.String()))
	t.wrap("", clean(s.Headline, 600))
	if s.Suspicious > 0 {
		t.printf("Suspicious: %s, %s\n", plural(int64(s.Suspicious), "address", "addresses"), plural(s.Requests, "request", "requests"))
		var parts []string
		for _, c := range s.Categories {
			parts = append(parts, fmt.Sprintf("%s %d", c.Category, c.Actors))
		}
		t.wrap("", "Actors per category: "+strings.Join(parts, ", "))
	}
	if len(s.DoNow) > 0 {
		t.line("Do now:")
		for i, d := range s.DoNow {
			t.wrap(fmt.Sprintf("  %d. ", i+1), clean(d, 300))
		}
	}
	if r.Analysis.ModelUnavailable {
		t.line("Note: the model was unavailable; findings and advice come from the rules alone.")
	}
	t.line("")

	if len(r.Findings) > 0 {
		t.line("TOP ACTORS")
		for i := range r.Findings {
			if i == detailActors {
				break
			}
			f := &r.Findings[i]
			t.printf("%d. %s  %s  [%s]  confidence %.2f (%s)\n", i+1, clean(f.Actor, 64), strings.ToUpper(f.Severity.String()),
				categoryList(f.Categories), f.Confidence, clean(f.VerdictSource, 10))
			e := &f.Evidence
			t.printf("   %s, %d distinct paths, %s to %s UTC; statuses %s\n", plural(e.Requests, "request", "requests"),
				e.DistinctPaths, fmtTime(e.FirstSeen), fmtTime(e.LastSeen), statusSummary(e.Statuses, 6))
			if f.Rationale != "" {
				t.wrap("   Why: ", clean(f.Rationale, rationaleLimit))
			}
			for j, h := range e.Hits {
				if j == maxHits {
					t.printf("   - and %d more rules\n", len(e.Hits)-maxHits)
					break
				}
				t.wrap("   - ", fmt.Sprintf("%s (%s, %s): %s", clean(h.Rule, 40), h.Severity, plural(h.Count, "request", "requests"), clean(h.Reason, 300)))
			}
			for _, sm := range samples(f, maxSamples) {
				t.line("     " + sampleLine(sm))
				if sm.UA != "" {
					t.line("       UA: " + clean(sm.UA, fieldLimit))
				}
			}
			if len(f.Campaigns) > 0 {
				var cs []string
				for _, c := range f.Campaigns {
					cs = append(cs, "#"+strconv.Itoa(c+1))
				}
				t.line("   Campaigns: " + strings.Join(cs, ", "))
			}
		}
		if len(r.Findings) > detailActors {
			t.line("")
			t.line("Other suspicious actors:")
			rest := r.Findings[detailActors:]
			for i := range rest {
				if i == listActors {
					t.printf("  … and %d more (see the JSON report)\n", len(rest)-listActors)
					break
				}
				f := &rest[i]
				t.printf("  %-40s %-8s %6d req  %s\n", clean(f.Actor, 64), f.Severity, f.Evidence.Requests, categoryList(f.Categories))
			}
		}
		t.line("")
	}

	if len(r.Campaigns) > 0 {
		t.line("CAMPAIGNS")
		for i, c := range r.Campaigns {
			if i == maxCampaigns {
				t.printf("  … and %d more\n", len(r.Campaigns)-maxCampaigns)
				break
			}
			t.wrap(fmt.Sprintf("#%d ", i+1), fmt.Sprintf("%s (%s): %s, %s; %s", clean(c.Kind, 40), c.Severity,
				plural(int64(len(c.Actors)), "address", "addresses"), plural(c.Requests, "request", "requests"), categoryList(c.Categories)))
			t.line("   key: " + clean(c.Key, fieldLimit))
			if c.Reason != "" {
				t.wrap("   ", clean(c.Reason, 400))
			}
			t.wrap("   addresses: ", clean(strings.Join(firstN(c.Actors, 20), " "), 2000)+more(len(c.Actors), 20))
		}
		for _, o := range r.Observations {
			t.wrap("   - ", clean(o.Summary, 600))
		}
		t.line("")
	}

	if len(r.Blocklist) > 0 {
		t.printf("BLOCKLIST (%d entries: severity %s and above)\n", len(r.Blocklist), BlockMinSeverity)
		for i, b := range r.Blocklist {
			if i == maxBlockLines {
				t.printf("  … and %d more (see the JSON report)\n", len(r.Blocklist)-maxBlockLines)
				break
			}
			t.printf("  %-22s %s\n", clean(b.CIDR, 64), clean(b.Reason, 300))
		}
		t.line("")
	}

	if len(r.Recommendations) > 0 {
		t.line("RECOMMENDATIONS")
		for i, rec := range r.Recommendations {
			if i == maxRecs {
				t.printf("  … and %d more\n", len(r.Recommendations)-maxRecs)
				break
			}
			t.wrap(fmt.Sprintf("%d. ", rec.Priority), fmt.Sprintf("[%s] %s", clean(rec.Kind, 20), clean(rec.Title, 300)))
			t.wrap("   ", clean(rec.Detail, 2000))
			var addr []string
			if len(rec.Categories) > 0 {
				addr = append(addr, "categories: "+categoryList(rec.Categories))
			}
			if len(rec.Actors) > 0 {
				addr = append(addr, "actors: "+clean(strings.Join(firstN(rec.Actors, 8), " "), 600)+more(len(rec.Actors), 8))
			}
			if len(addr) > 0 {
				t.wrap("   For ", strings.Join(addr, "; "))
			}
		}
		t.line("")
	}

	in := &r.Input
	t.line("INPUT")
	t.printf("  lines read %s, parsed %s, skipped %s (headers, blank), rejected %s, duplicates %s\n",
		thousands(in.Lines), thousands(in.Parsed), thousands(in.Skipped), thousands(in.Rejected), thousands(in.Duplicates))
	t.printf("  time window: %s; %s\n", window(in.First, in.Last), plural(in.Actors, "client", "clients"))
	if len(in.Reasons) > 0 {
		parts := reasonCounts(in.Reasons, clean)
		t.wrap("  rejected by reason: ", strings.Join(parts, ", "))
		for i, sm := range in.Samples {
			if i == maxRejectShown {
				break
			}
			t.printf("    line %d (%s): %s\n", sm.Line, clean(sm.Reason, 40), clean(sm.Text, fieldLimit))
		}
	}
	for _, e := range in.Errors {
		t.wrap("  stopped early: ", clean(e, 400))
	}
	t.line("")

	a := &r.Analysis
	t.line("ANALYSIS")
	name := clean(a.Analyzer, 120)
	if name == "" {
		name = "offline"
	}
	t.printf("  analyzer: %s\n", name)
	if a.ModelUnavailable {
		t.line("  model unavailable: verdicts and advice come from the rules")
	}
	if a.Usage.Calls > 0 || a.Usage.InputTokens > 0 {
		t.printf("  model calls %d, input tokens %s, output tokens %s, cost $%.4f\n",
			a.Usage.Calls, thousands(a.Usage.InputTokens), thousands(a.Usage.OutputTokens), a.Usage.CostUSD)
	}
	if a.Truncated {
		t.line("  some actors were over the token budget and were classified by the rules only")
	}
	for i, n := range a.Notes {
		if i == maxNotes {
			t.printf("  … and %d more notes\n", len(a.Notes)-maxNotes)
			break
		}
		t.wrap("  note: ", clean(n, 400))
	}
	return t.err
}

func firstN(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return xs[:n]
}

func more(total, shown int) string {
	if total <= shown {
		return ""
	}
	return fmt.Sprintf(" … and %d more", total-shown)
}

// reasonCounts lists rejection reasons with their counts, sorted, each reason
// quoted for the output format.
func reasonCounts(m map[string]int64, quote func(string, int) string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", quote(k, 40), m[k]))
	}
	return parts
}
