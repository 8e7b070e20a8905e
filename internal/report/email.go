package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/analysis"
)

// Email: the Notify stage sends a plain-text message through SNS. The subject
// never carries attacker text (only a sanitised file name), the body is
// bounded far below SNS's 256 KB message limit.

const (
	maxSubjectLen  = 100
	maxEmailBytes  = 64 << 10
	maxErrorInMail = 4000
)

// Subject is the email subject for a report: at most 100 characters, printable
// ASCII only, no newline. source is the object key or file path.
func Subject(r *Report, source string) string {
	var head string
	switch {
	case r == nil:
		head = "logsift: report"
	case len(r.Findings) == 0 && len(r.Planted) == 0:
		head = "logsift: no attacks found"
	default:
		var found []string
		if n := len(r.Findings); n > 0 {
			found = append(found, plural(int64(n), "suspicious address", "suspicious addresses"))
		}
		if n := len(r.Planted) + r.PlantedMore; n > 0 {
			found = append(found, plural(int64(n), "planted page", "planted pages"))
		}
		head = fmt.Sprintf("logsift: %s, %s", strings.ToUpper(r.Summary.Severity.String()), strings.Join(found, ", "))
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

// EmailLinks are where an email points to the full report.
type EmailLinks struct {
	Console string // the object in the S3 console (signing in needed)
	// Presigned opens the HTML report without signing in, until Expires at
	// the latest; ExpiresExact is false when the credentials that signed it
	// may expire sooner.
	Presigned    string
	Expires      time.Time
	ExpiresExact bool
}

// maxLinkInMail: a longer link is left out rather than cut (a cut link is
// broken); a presigned URL with a session token is 1-2 KB.
const maxLinkInMail = 8 << 10

// emailLink is a link as the template shows it.
type emailLink struct {
	URL, Until string
	Exact      bool
}

// emailView is what the email template reads: the report's view within the
// email's bounds, and the links the email carries.
type emailView struct {
	*view
	Console   string     // the full report in the S3 console
	Presigned *emailLink // the HTML report without signing in; nil for none
	ModelWhy  string     // why the model was unavailable and what to do, one line
}

// EmailText writes the plain-text email for a report: the summary, the top
// findings, what to do, and links to the full report. The body is cut at
// maxEmailBytes.
func EmailText(w io.Writer, r *Report, links EmailLinks) error {
	if r == nil {
		return fmt.Errorf("email: no report")
	}
	v := emailView{view: newView(r, emailBounds), ModelWhy: modelWhy(r.Analysis)}
	if len(links.Console) <= maxLinkInMail {
		v.Console = clean(links.Console, 0)
	}
	if links.Presigned != "" && len(links.Presigned) <= maxLinkInMail {
		v.Presigned = &emailLink{URL: clean(links.Presigned, 0), Until: links.Expires.UTC().Format("2006-01-02 15:04 UTC"), Exact: links.ExpiresExact}
	}
	var b bytes.Buffer
	if err := emailTmpl.Execute(&b, v); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	out := b.Bytes()
	if len(out) > maxEmailBytes {
		out = append(out[:maxEmailBytes:maxEmailBytes], "\n[message truncated; see the full report]\n"...)
	}
	_, err := w.Write(out)
	return err
}

// modelAdvice is what to do on AWS about each reason the model could not be
// used (the CLI says its own).
var modelAdvice = map[analysis.Cause]string{
	analysis.CauseModelAccess: "Enable access to the model in the Bedrock console of the stack's region.",
	analysis.CauseMarketplace: "Invoke the model once from the Bedrock console's playground as an administrator (or a user allowed aws-marketplace:Subscribe): that starts the account's subscription, and later runs use the model.",
	analysis.CauseUseCaseForm: "Submit Anthropic's one-time use-case form in the Bedrock console (Model catalog, the model's page).",
	analysis.CausePermission:  "The functions' roles do not allow the inference profile: deploy the stack again, so that the roles follow BedrockModelId.",
	analysis.CauseModelID:     "The inference profile cannot be used from the stack's region: deploy with BedrockModelId empty (the profile for the region) or the model's eu., apac. or global. profile.",
	analysis.CauseCredentials: "Check the functions' execution roles.",
	analysis.CauseThrottled:   "Try again later, or ask for a higher Bedrock quota.",
	analysis.CauseDeadline:    "The model answered too slowly for the function's timeout.",
	analysis.CauseBudget:      "Raise the run's token budget.",
}

// modelWhy is the email's line on why the model was unavailable: what
// happened and, on AWS, what to do.
func modelWhy(a AnalysisInfo) string {
	if !a.ModelUnavailable || a.Why == nil {
		return ""
	}
	line := strings.TrimSuffix(clean(a.Why.Reason, detailLimit), ".") + "."
	if advice := modelAdvice[a.Why.Cause]; advice != "" {
		line += " " + advice
	}
	return line
}

// FailureText writes the email for a run that failed: which file, which
// stage, the error, and what to do.
func FailureText(w io.Writer, source, stage, errMsg string) error {
	return failureTmpl.Execute(w, struct {
		File, Stage, Error string
		Advice             []string
	}{
		File: clean(source, 1000), Stage: clean(stage, 40), Error: clean(errMsg, maxErrorInMail), Advice: failureAdvice(stage)})
}

func failureAdvice(stage string) []string {
	common := []string{
		"Open the execution in the Step Functions console: the failed state shows its input and the full error.",
		"The Lambda's CloudWatch log group has the stage's log lines for this run.",
		"To run again once a passing cause is gone (a throttled or unavailable service), redrive the execution: Redrive in the console, or aws stepfunctions redrive-execution, within 14 days.",
		"If the file itself was at fault, upload the corrected file: changed content is a new run (the same bytes again are the same object version, whose failure was already reported).",
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
		specific = []string{"Analyzing the chunk failed outside the model call (a model that cannot be used only makes the report come from the rules, and its email says why); the error says what went wrong."}
	case "chunks":
		specific = []string{"The Map over the chunks failed by itself, not in a chunk's Filter or Analyze; the error says why."}
	case "aggregate":
		specific = []string{"Building the report failed after the analysis; the evidence and verdicts are still in the bucket's work/ prefix for this run."}
	}
	return append(specific, common...)
}
