package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// renderMarkdown writes GitHub-flavoured Markdown. Text from the log is either
// in code spans (paths, user agents, addresses) or escaped and defanged prose
// (rationales, reasons), so it cannot add links, images, HTML or structure.
func renderMarkdown(w io.Writer, r *Report) error {
	t := &tw{w: w}
	s := &r.Summary
	t.line("# logsift security report: " + mdCode(safeFileName(r.Source.Name, 120), 0))
	t.line("")
	t.printf("Generated %s UTC · %s · %s · %s\n", fmtTime(r.Generated), mdText(r.Source.Format, 20),
		plural(r.Input.Parsed, "request", "requests"), window(r.Input.First, r.Input.Last))
	t.line("")
	t.line("## Summary")
	t.line("")
	t.printf("**Severity: %s**\n\n", strings.ToUpper(s.Severity.String()))
	t.line(mdText(s.Headline, 600))
	t.line("")
	if len(s.Categories) > 0 {
		var parts []string
		for _, c := range s.Categories {
			parts = append(parts, fmt.Sprintf("%s %d", mdCode(string(c.Category), 40), c.Actors))
		}
		t.line("Actors per category: " + strings.Join(parts, ", "))
		t.line("")
	}
	if len(s.DoNow) > 0 {
		t.line("**Do now:**")
		t.line("")
		for i, d := range s.DoNow {
			t.printf("%d. %s\n", i+1, mdText(d, 300))
		}
		t.line("")
	}
	if r.Analysis.ModelUnavailable {
		t.line("> The model was unavailable; findings and advice come from the rules alone.")
		t.line("")
	}

	if len(r.Findings) > 0 {
		t.line("## Top actors")
		t.line("")
		for i := range r.Findings {
			if i == detailActors {
				break
			}
			f := &r.Findings[i]
			e := &f.Evidence
			t.printf("### %d. %s: %s\n\n", i+1, mdCode(f.Actor, 64), strings.ToUpper(f.Severity.String()))
			t.printf("- Categories: %s\n", mdCategories(f))
			t.printf("- Confidence %.2f (%s); %s, %d distinct paths; %s to %s UTC\n", f.Confidence, mdText(f.VerdictSource, 10),
				plural(e.Requests, "request", "requests"), e.DistinctPaths, fmtTime(e.FirstSeen), fmtTime(e.LastSeen))
			t.printf("- Statuses: %s\n", mdCode(statusSummary(e.Statuses, 6), 0))
			if f.Rationale != "" {
				t.printf("- Why: %s\n", mdText(f.Rationale, rationaleLimit))
			}
			for j, h := range e.Hits {
				if j == maxHits {
					t.printf("- and %d more rules\n", len(e.Hits)-maxHits)
					break
				}
				t.printf("- Rule %s (%s, %s): %s\n", mdCode(h.Rule, 40), h.Severity, plural(h.Count, "request", "requests"), mdText(h.Reason, 300))
			}
			if sm := samples(f, maxSamples); len(sm) > 0 {
				t.line("- Samples:")
				for _, x := range sm {
					t.printf("  - line %d, %s: %s %s → %s\n", x.Line, fmtTime(x.Time), mdCode(x.Method, 16), mdCode(x.Target, fieldLimit), strconv.Itoa(x.Status))
					if x.UA != "" {
						t.printf("    UA %s\n", mdCode(x.UA, fieldLimit))
					}
				}
			}
			if len(f.Campaigns) > 0 {
				var cs []string
				for _, c := range f.Campaigns {
					cs = append(cs, "#"+strconv.Itoa(c+1))
				}
				t.printf("- Campaigns: %s\n", strings.Join(cs, ", "))
			}
			t.line("")
		}
		if len(r.Findings) > detailActors {
			t.line("### Other suspicious actors")
			t.line("")
			rest := r.Findings[detailActors:]
			for i := range rest {
				if i == listActors {
					t.printf("- … and %d more (see the JSON report)\n", len(rest)-listActors)
					break
				}
				f := &rest[i]
				t.printf("- %s %s, %s: %s\n", mdCode(f.Actor, 64), f.Severity, plural(f.Evidence.Requests, "request", "requests"), mdCategories(f))
			}
			t.line("")
		}
	}

	if len(r.Campaigns) > 0 {
		t.line("## Campaigns")
		t.line("")
		for i, c := range r.Campaigns {
			if i == maxCampaigns {
				t.printf("- … and %d more\n", len(r.Campaigns)-maxCampaigns)
				break
			}
			t.printf("%d. %s (%s): %s, %s; key %s\n", i+1, mdCode(c.Kind, 40), c.Severity,
				plural(int64(len(c.Actors)), "address", "addresses"), plural(c.Requests, "request", "requests"), mdCode(c.Key, fieldLimit))
			if c.Reason != "" {
				t.printf("   %s\n", mdText(c.Reason, 400))
			}
			t.printf("   Addresses: %s%s\n", mdCode(strings.Join(firstN(c.Actors, 20), " "), 2000), more(len(c.Actors), 20))
		}
		t.line("")
		for _, o := range r.Observations {
			t.printf("- %s\n", mdText(o.Summary, 600))
		}
		if len(r.Observations) > 0 {
			t.line("")
		}
	}

	if len(r.Blocklist) > 0 {
		t.printf("## Blocklist (%d entries, severity %s and above)\n\n", len(r.Blocklist), BlockMinSeverity)
		t.line("```")
		for i, b := range r.Blocklist {
			if i == maxBlockLines {
				t.printf("# … and %d more (see the JSON report)\n", len(r.Blocklist)-maxBlockLines)
				break
			}
			// CIDRs are validated addresses, but the fence must hold whatever is in them.
			t.line(strings.ReplaceAll(clean(b.CIDR, 64), "`", ""))
		}
		t.line("```")
		t.line("")
		for i, b := range r.Blocklist {
			if i == 50 {
				t.printf("- … and %d more\n", len(r.Blocklist)-50)
				break
			}
			t.printf("- %s: %s\n", mdCode(b.CIDR, 64), mdText(b.Reason, 300))
		}
		t.line("")
	}

	if len(r.Recommendations) > 0 {
		t.line("## Recommendations")
		t.line("")
		for i, rec := range r.Recommendations {
			if i == maxRecs {
				t.printf("- … and %d more\n", len(r.Recommendations)-maxRecs)
				break
			}
			t.printf("%d. **%s** (%s)  \n   %s\n", rec.Priority, mdText(rec.Title, 300), mdCode(rec.Kind, 20), mdText(rec.Detail, 2000))
			if len(rec.Categories) > 0 || len(rec.Actors) > 0 {
				var cs []string
				for _, c := range rec.Categories {
					cs = append(cs, mdCode(string(c), 40))
				}
				var as []string
				for _, a := range firstN(rec.Actors, 8) {
					as = append(as, mdCode(a, 64))
				}
				t.printf("   For: %s%s%s\n", strings.Join(cs, ", "), sep(len(cs) > 0 && len(as) > 0), strings.Join(as, " ")+more(len(rec.Actors), 8))
			}
		}
		t.line("")
	}

	in := &r.Input
	t.line("## Input")
	t.line("")
	t.printf("- Lines read %s, parsed %s, skipped %s, rejected %s, duplicates %s\n",
		thousands(in.Lines), thousands(in.Parsed), thousands(in.Skipped), thousands(in.Rejected), thousands(in.Duplicates))
	t.printf("- Time window: %s; %s\n", window(in.First, in.Last), plural(in.Actors, "client", "clients"))
	if len(in.Reasons) > 0 {
		parts := reasonCounts(in.Reasons, mdCode)
		t.printf("- Rejected by reason: %s\n", strings.Join(parts, ", "))
		for i, sm := range in.Samples {
			if i == maxRejectShown {
				break
			}
			t.printf("  - line %d (%s): %s\n", sm.Line, mdCode(sm.Reason, 40), mdCode(sm.Text, fieldLimit))
		}
	}
	for _, e := range in.Errors {
		t.printf("- Stopped early: %s\n", mdText(e, 400))
	}
	t.line("")

	a := &r.Analysis
	t.line("## Analysis")
	t.line("")
	name := a.Analyzer
	if name == "" {
		name = "offline"
	}
	t.printf("- Analyzer: %s\n", mdCode(name, 120))
	if a.ModelUnavailable {
		t.line("- Model unavailable: verdicts and advice come from the rules")
	}
	if a.Usage.Calls > 0 || a.Usage.InputTokens > 0 {
		t.printf("- Model calls %d, input tokens %s, output tokens %s, cost $%.4f\n",
			a.Usage.Calls, thousands(a.Usage.InputTokens), thousands(a.Usage.OutputTokens), a.Usage.CostUSD)
	}
	if a.Truncated {
		t.line("- Some actors were over the token budget and were classified by the rules only")
	}
	for i, n := range a.Notes {
		if i == maxNotes {
			t.printf("- … and %d more notes\n", len(a.Notes)-maxNotes)
			break
		}
		t.printf("- Note: %s\n", mdText(n, 400))
	}
	return t.err
}

func mdCategories(f *Finding) string {
	cs := make([]string, len(f.Categories))
	for i, c := range f.Categories {
		cs[i] = mdCode(string(c), 40)
	}
	return strings.Join(cs, ", ")
}

func sep(b bool) string {
	if b {
		return "; "
	}
	return ""
}
