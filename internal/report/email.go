package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Email: the Notify stage sends a plain-text message through SNS. The subject
// never carries attacker text (only a sanitised file name), the body is
// bounded far below SNS's 256 KB message limit.

const (
	maxSubjectLen  = 100
	maxEmailBytes  = 64 << 10
	emailActors    = 10
	emailRecs      = 5
	maxErrorInMail = 4000
)

// Subject is the email subject for a report: at most 100 characters, printable
// ASCII only, no newline. source is the object key or file path.
func Subject(r *Report, source string) string {
	var head string
	switch {
	case r == nil:
		head = "logsift: report"
	case len(r.Findings) == 0:
		head = "logsift: no attacks found"
	default:
		head = fmt.Sprintf("logsift: %s, %s", strings.ToUpper(r.Summary.Severity.String()),
			plural(int64(len(r.Findings)), "suspicious address", "suspicious addresses"))
	}
	return subjectWithFile(head, " in ", source)
}

// FailureSubject is the email subject for a failed run.
func FailureSubject(source, stage string) string {
	return subjectWithFile("logsift: FAILED at "+safeFileName(stage, 20), " for ", source)
}

// subjectWithFile appends the sanitised file name as far as it fits.
func subjectWithFile(head, join, source string) string {
	if len(head) > maxSubjectLen {
		head = head[:maxSubjectLen]
	}
	room := maxSubjectLen - len(head) - len(join)
	if room < 8 || source == "" {
		return head
	}
	return head + join + safeFileName(source, room)
}

// EmailText writes the plain-text email for a report: the summary, the top
// findings, what to do, and a link to the full report.
func EmailText(w io.Writer, r *Report, reportURL string) error {
	var b bytes.Buffer
	t := &tw{w: &b}
	if r == nil {
		return fmt.Errorf("email: no report")
	}
	s := &r.Summary
	t.line("logsift analysed " + displaySource(r))
	t.printf("%s, %s\n\n", plural(r.Input.Parsed, "request", "requests"), window(r.Input.First, r.Input.Last))
	t.printf("Severity: %s\n", strings.ToUpper(s.Severity.String()))
	t.wrap("", clean(s.Headline, 600))
	t.line("")
	if len(s.DoNow) > 0 {
		t.line("Do now:")
		for i, d := range s.DoNow {
			t.wrap(fmt.Sprintf("  %d. ", i+1), clean(d, 300))
		}
		t.line("")
	}
	if reportURL != "" {
		t.line("Full report (findings, evidence, blocklist, recommendations):")
		t.line(clean(reportURL, 2000))
		t.line("")
	}
	if len(r.Findings) > 0 {
		t.line("Top findings:")
		for i := range r.Findings {
			if i == emailActors {
				t.printf("  … and %d more in the full report\n", len(r.Findings)-emailActors)
				break
			}
			f := &r.Findings[i]
			t.printf("%2d. %s  %s  [%s]  %s\n", i+1, clean(f.Actor, 64), strings.ToUpper(f.Severity.String()),
				categoryList(f.Categories), plural(f.Evidence.Requests, "request", "requests"))
			if f.Rationale != "" {
				t.wrap("    ", clean(f.Rationale, 400))
			}
		}
		t.line("")
	}
	if len(r.Campaigns) > 0 {
		var n int
		for _, c := range r.Campaigns {
			n += len(c.Actors)
		}
		t.printf("Campaigns: %s (%s acting together; details in the full report).\n\n",
			plural(int64(len(r.Campaigns)), "campaign", "campaigns"), plural(int64(n), "address", "addresses"))
	}
	if len(r.Blocklist) > 0 {
		t.printf("Blocklist: %s at severity %s and above (in the full report, ready for an AWS WAF IP set).\n\n",
			plural(int64(len(r.Blocklist)), "entry", "entries"), BlockMinSeverity)
	}
	if len(r.Recommendations) > 0 {
		t.line("Recommendations:")
		for i, rec := range r.Recommendations {
			if i == emailRecs {
				t.printf("  … and %d more in the full report\n", len(r.Recommendations)-emailRecs)
				break
			}
			t.wrap(fmt.Sprintf("  %d. ", rec.Priority), clean(rec.Title, 300))
		}
		t.line("")
	}
	a := &r.Analysis
	name := clean(a.Analyzer, 120)
	if name == "" {
		name = "offline"
	}
	t.printf("Analysis: %s", name)
	if a.Usage.Calls > 0 {
		t.printf(", %d model calls, %s tokens, $%.4f", a.Usage.Calls, thousands(a.Usage.InputTokens+a.Usage.OutputTokens), a.Usage.CostUSD)
	}
	t.line("")
	if a.ModelUnavailable {
		t.line("The model was unavailable: findings and advice come from the rules alone.")
	}
	if r.Input.Rejected > 0 || len(r.Input.Errors) > 0 {
		t.printf("Input: %s rejected", plural(r.Input.Rejected, "line", "lines"))
		for _, e := range r.Input.Errors {
			t.printf("; stopped early: %s", clean(e, 300))
		}
		t.line("")
	}
	if t.err != nil {
		return t.err
	}
	out := b.Bytes()
	if len(out) > maxEmailBytes {
		out = append(out[:maxEmailBytes:maxEmailBytes], "\n[message truncated; see the full report]\n"...)
	}
	_, err := w.Write(out)
	return err
}

// FailureText writes the email for a run that failed: which file, which
// stage, the error, and what to do.
func FailureText(w io.Writer, source, stage, errMsg string) error {
	t := &tw{w: w}
	t.line("logsift could not finish analysing a log file.")
	t.line("")
	t.line("File:  " + clean(source, 1000))
	t.line("Stage: " + clean(stage, 40))
	t.line("Error:")
	t.wrap("  ", clean(errMsg, maxErrorInMail))
	t.line("")
	t.line("What to do:")
	for _, s := range failureAdvice(stage) {
		t.wrap("  - ", s)
	}
	return t.err
}

func failureAdvice(stage string) []string {
	common := []string{
		"Open the execution in the Step Functions console: the failed state shows its input and the full error.",
		"The Lambda's CloudWatch log group has the stage's log lines for this run.",
		"To run again after fixing the cause, upload the file again (a new object version starts a new run).",
	}
	var specific []string
	switch strings.ToLower(stage) {
	case "parse":
		specific = []string{"Check that the file is an access log logsift reads (Amplify console CSV, CloudFront standard log, ALB, Apache/nginx combined or common), plain or gzip, and that it is complete (not a truncated download).",
			"To see what logsift makes of it, run it locally: logsift analyze FILE.",
			"If the file is a manifest (first line # logsift manifest), check that every line names a key or prefix under the log prefix (the template's LogPrefix) that holds at least one log."}
	case "filter":
		specific = []string{"The rules stage failed on a chunk of the parsed log; the error names the chunk."}
	case "analyze":
		specific = []string{"The model call failed. If the error says access is denied or the model is not enabled, enable the model in the Bedrock console (model access) in this region and check that the function's role may invoke the inference profile; if it says throttled, try again later or raise the Bedrock quota."}
	case "aggregate":
		specific = []string{"Building the report failed after the analysis; the evidence and verdicts are still in the bucket's work/ prefix for this run."}
	case "notify":
		specific = []string{"The report was written but the email could not be sent: check the SNS topic, its subscription and the function's permission to publish."}
	}
	return append(specific, common...)
}
