package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/bedrock/answer"
	"github.com/logsift/logsift/internal/bedrocktest"
	"github.com/logsift/logsift/internal/pipeline"
	"github.com/logsift/logsift/internal/report"
)

// These tests run the real bootstrap binaries of functions/ through the real state machine, with
// the Bedrock test server standing in for the model.

const runTimeout = 90 * time.Second

func pipelineStack(t *testing.T, model *bedrocktest.Server) *stack {
	t.Cleanup(model.Close)
	return deploy(t, stackOptions{bedrockURL: model.URL})
}

// email is an SNS notification as an SQS subscriber without raw delivery receives it; the envelope
// keeps the subject, which raw delivery drops.
type email struct {
	Subject string `json:"Subject"`
	Message string `json:"Message"`
}

func (st *stack) emails(want int, d time.Duration) []email {
	st.t.Helper()
	var out []email
	for _, body := range st.receive(st.mailQueue, want, d) {
		var m email
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			st.t.Fatalf("SNS envelope: %v\n%s", err, body)
		}
		out = append(out, m)
	}
	return out
}

// executionState is the final state of a successful run, as the ASL shapes it.
type executionState struct {
	Source    pipeline.SourceRef       `json:"source"`
	Parse     pipeline.ParseOutput     `json:"parse"`
	Chunks    []pipeline.AnalyzeOutput `json:"chunks"`
	Aggregate pipeline.AggregateOutput `json:"aggregate"`
	Notify    pipeline.NotifyOutput    `json:"notify"`
}

func (st *stack) finalState(out string) executionState {
	st.t.Helper()
	var s executionState
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		st.t.Fatalf("execution output: %v\n%s", err, out)
	}
	return s
}

func (st *stack) report(key string) *report.Report {
	st.t.Helper()
	obj, err := st.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &st.bucket, Key: &key})
	if err != nil {
		st.t.Fatalf("report %s: %v", key, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	if err != nil {
		st.t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		st.t.Fatalf("report %s: %v", key, err)
	}
	return &r
}

// succeed runs the state machine on the event and fails the test unless the execution succeeds.
func (st *stack) succeed(event json.RawMessage) *sfn.DescribeExecutionOutput {
	st.t.Helper()
	out := st.execute(event, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		st.t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	return out
}

// checkSmallStates enforces the design rule that only keys and small summaries pass between
// states: Step Functions caps each at 256 KiB and the error cannot be caught.
func (st *stack) checkSmallStates(arn string) {
	st.t.Helper()
	const limit = 16 << 10
	for name, outs := range st.stateOutputs(arn) {
		for _, o := range outs {
			if len(o) > limit {
				st.t.Errorf("state %s output is %d bytes (> %d): %.300s", name, len(o), limit, o)
			}
		}
	}
}

// checkEmailNames checks that a report email names every attacker and no visitor who only browsed.
func checkEmailNames(t *testing.T, m email, fx fixture) {
	t.Helper()
	if m.Subject == "" || len(m.Subject) > 100 {
		t.Errorf("subject %q: want 1..100 characters", m.Subject)
	}
	for _, ip := range fx.attackers {
		if !strings.Contains(m.Message, ip) {
			t.Errorf("email does not name attacker %s:\n%s", ip, m.Message)
		}
	}
	for _, ip := range fx.benign {
		if strings.Contains(m.Message, ip) {
			t.Errorf("email names %s, who only browsed:\n%s", ip, m.Message)
		}
	}
}

// checkFindings checks that the report flags every attacker and no visitor who only browsed.
func checkFindings(t *testing.T, r *report.Report, fx fixture) {
	t.Helper()
	var actors []string
	for _, f := range r.Findings {
		actors = append(actors, strings.TrimSuffix(f.Actor, "/32"))
	}
	for _, ip := range fx.attackers {
		if !slices.Contains(actors, ip) {
			t.Errorf("report has no finding for attacker %s; findings: %v", ip, actors)
		}
	}
	for _, ip := range fx.benign {
		if slices.Contains(actors, ip) {
			t.Errorf("report flags %s, who only browsed", ip)
		}
	}
}

// TestPipelineReportsOnce uploads a log, expects one email naming its attackers and a report in
// S3 classified by the model, then delivers the same event again and expects no second email.
func TestPipelineReportsOnce(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	fx := makeFixture()
	ev := st.upload("uploads/access.log", fx.log)

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	st.checkSmallStates(*out.ExecutionArn)
	final := st.finalState(*out.Output)
	if final.Parse.Format != "combined" || final.Parse.Rows != int64(strings.Count(string(fx.log), "\n")) || final.Parse.Rejected != 0 {
		t.Errorf("parse: format %q rows %d rejected %d; want combined, %d, 0",
			final.Parse.Format, final.Parse.Rows, final.Parse.Rejected, strings.Count(string(fx.log), "\n"))
	}
	if !final.Notify.Sent {
		t.Errorf("notify: %+v", final.Notify)
	}
	if final.Aggregate.Suspicious < len(fx.attackers) {
		t.Errorf("aggregate: %d suspicious actors, the file has %d attackers", final.Aggregate.Suspicious, len(fx.attackers))
	}

	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
	t.Logf("email subject: %s", mails[0].Subject)

	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	modelID, err := st.cfn.globalEnv(st.tpl, "LOGSIFT_MODEL_ID")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Analysis.ModelUnavailable || rep.Analysis.Analyzer != modelID {
		t.Errorf("analysis: analyzer %q unavailable=%v; want %q available", rep.Analysis.Analyzer, rep.Analysis.ModelUnavailable, modelID)
	}
	reqs := model.Requests()
	if len(reqs) == 0 {
		t.Fatal("the model was never called")
	}
	for _, r := range reqs {
		if r.ModelID != modelID {
			t.Errorf("model called with %q, the template configures %q", r.ModelID, modelID)
		}
	}
	byModel := 0
	for _, f := range rep.Findings {
		if f.VerdictSource == "model" {
			byModel++
		}
	}
	if byModel == 0 {
		t.Errorf("no finding was classified by the model")
	}
	for _, k := range []string{final.Aggregate.Report.HTML, final.Aggregate.Report.MD, final.Aggregate.Report.Text} {
		if _, err := st.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &st.bucket, Key: &k}); err != nil {
			t.Errorf("report %q: %v", k, err)
		}
	}
	checkAddressFile(t, st, rep, final.Aggregate.Report.Addresses)

	// EventBridge delivers at least once: the same event again sends nothing.
	again := st.execute(ev, runTimeout)
	if again.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("second run: %s; history:\n%s", again.Status, st.history(*again.ExecutionArn))
	}
	if _, ok := st.stateOutputs(*again.ExecutionArn)["AlreadyReported"]; !ok {
		t.Errorf("second run did not stop at AlreadyReported; history:\n%s", st.history(*again.ExecutionArn))
	}
	if more := st.emails(1, 3*time.Second); len(more) != 0 {
		t.Errorf("second run sent %d more emails: %q", len(more), more[0].Subject)
	}
}

// checkAddressFile reads the report's address file from the bucket: a line
// per suspicious address, each finding's among them.
func checkAddressFile(t *testing.T, st *stack, rep *report.Report, key string) {
	t.Helper()
	if rep.AddressFile == nil || !strings.HasSuffix(rep.AddressFile.Name, "/"+key) || !strings.HasSuffix(key, ".addresses.csv") {
		t.Fatalf("address file %+v, stored at %q", rep.AddressFile, key)
	}
	lines := strings.Split(strings.TrimSpace(st.object(key)), "\n")
	if lines[0] != "address,severity,categories,finding,group" || int64(len(lines)-1) != rep.AddressFile.Addresses {
		t.Errorf("address file: header %q, %d addresses, the report says %d", lines[0], len(lines)-1, rep.AddressFile.Addresses)
	}
	listed := map[string]bool{}
	for _, l := range lines[1:] {
		a, _, _ := strings.Cut(l, ",")
		listed[a] = true
	}
	for _, f := range rep.Findings {
		if len(f.Evidence.Members) == 0 && !listed[f.Actor] {
			t.Errorf("finding %s is not in the address file", f.Actor)
		}
	}
}

// TestPipelineNotALog uploads something that is no log: the execution fails and the failure
// email names the file, the stage and the reason.
func TestPipelineNotALog(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	key := "uploads/meeting-notes.txt"
	ev := st.upload(key, []byte(strings.Repeat("Agenda: quarterly planning, hiring, the new office.\nAction items follow.\n", 40)))

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("status %s, want FAILED; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	if out.Error == nil || *out.Error == "" || out.Cause == nil || !strings.Contains(*out.Cause, "meeting-notes.txt") {
		t.Errorf("execution error %v cause %v: want the stage's error naming the file", deref(out.Error), deref(out.Cause))
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1 failure notice", len(mails))
	}
	m := mails[0]
	t.Logf("failure email: %s\n%s", m.Subject, m.Message)
	if !strings.Contains(m.Subject+m.Message, "Parse") {
		t.Errorf("failure email does not name the stage (Parse):\n%s\n%s", m.Subject, m.Message)
	}
	if !strings.Contains(m.Message, key) {
		t.Errorf("failure email does not name the file %s:\n%s", key, m.Message)
	}
	if !strings.Contains(m.Message, "not a log") {
		t.Errorf("failure email does not give the reason (not a log):\n%s", m.Message)
	}
	if got := len(model.Requests()); got != 0 {
		t.Errorf("the model was called %d times for a file that is no log", got)
	}
}

// TestPipelineModelThrottledThenAnswers throttles the model twice: the report is the model's as
// usual. The log is uploaded gzip-compressed.
func TestPipelineModelThrottledThenAnswers(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	model.Push(bedrocktest.Throttle(), bedrocktest.Throttle())
	st := pipelineStack(t, model)
	fx := makeFixture()
	ev := st.upload("uploads/access.log.gz", gzipped(fx.log))

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	final := st.finalState(*out.Output)
	if !final.Parse.Gzip {
		t.Errorf("parse did not see gzip: %+v", final.Parse)
	}
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	if rep.Analysis.ModelUnavailable {
		t.Errorf("model marked unavailable after two throttles: %v", rep.Analysis.Notes)
	}
	if model.Pending() != 0 {
		t.Errorf("%d scripted throttles left unused", model.Pending())
	}
	if n := len(model.Requests()); n < 3 {
		t.Errorf("model saw %d requests, want the 2 throttled ones and at least one answered", n)
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
}

// TestPipelineModelDown fails every model call: the report still goes out, from the rules, and
// says that the model was unavailable.
func TestPipelineModelDown(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AlwaysError("InternalServerException", "internal error"))
	st := pipelineStack(t, model)
	fx := makeFixture()
	ev := st.upload("uploads/access.csv.log", fx.log)

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	final := st.finalState(*out.Output)
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	if !rep.Analysis.ModelUnavailable {
		t.Errorf("report does not say the model was unavailable: %+v", rep.Analysis)
	}
	for _, f := range rep.Findings {
		if f.VerdictSource != "rules" {
			t.Errorf("finding %s classified by %q with the model down", f.Actor, f.VerdictSource)
		}
	}
	if len(model.Requests()) == 0 {
		t.Error("the model was never tried")
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
	if !strings.Contains(strings.ToLower(mails[0].Message), "unavailable") {
		t.Errorf("email does not say the model was unavailable:\n%s", mails[0].Message)
	}
	if !strings.Contains(mails[0].Message, "Why: the model call failed after retries: InternalServerException") {
		t.Errorf("email does not say why the model was unavailable:\n%s", mails[0].Message)
	}
}

// TestPipelineModelNotSubscribed answers every model call as Bedrock does before anyone started the
// model's AWS Marketplace subscription in the account (the Lambda roles may not start it): the
// report goes out from the rules, and the email says in one line why and what to do.
func TestPipelineModelNotSubscribed(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(func(bedrocktest.Request) bedrocktest.Reply { return bedrocktest.NoMarketplaceSubscription() })
	st := pipelineStack(t, model)
	fx := makeFixture()
	final := st.finalState(*st.succeed(st.upload("uploads/access.log", fx.log)).Output)
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	if why := rep.Analysis.Why; !rep.Analysis.ModelUnavailable || why == nil || why.Cause != analysis.CauseMarketplace {
		t.Errorf("report: unavailable %v, why %+v; want the Marketplace subscription", rep.Analysis.ModelUnavailable, why)
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	var why string
	for _, l := range strings.Split(mails[0].Message, "\n\n") {
		if strings.HasPrefix(l, "Why: ") || strings.Contains(l, "\nWhy: ") {
			why = strings.Join(strings.Fields(l[strings.Index(l, "Why: "):]), " ")
		}
	}
	for _, want := range []string{"no AWS Marketplace subscription", "playground as an administrator"} {
		if !strings.Contains(why, want) {
			t.Errorf("the email's Why line %q lacks %q:\n%s", why, want, mails[0].Message)
		}
	}
}

// TestPipelineModelTooSlow has a model slower than the Analyze function's timeout (shortened to
// 25 s here; the model would answer after a minute): Analyze cuts the call at its deadline less
// the margin it keeps for storing the verdicts, the rules judge the clients the model did not see,
// and the report, which names them, goes out instead of a failure email.
func TestPipelineModelTooSlow(t *testing.T) {
	t.Parallel()
	slow := bedrocktest.Slow(time.Minute, bedrocktest.AnswerFromEvidence)
	model := bedrocktest.NewServer(func(r bedrocktest.Request) bedrocktest.Reply {
		if r.Body.ForcedTool() == answer.ClassifyTool {
			return slow(r)
		}
		return bedrocktest.AnswerFromEvidence(r)
	})
	t.Cleanup(model.Close)
	st := deploy(t, stackOptions{bedrockURL: model.URL, timeouts: map[string]string{"AnalyzeFunction": "25"}})
	fx := makeFixture()
	out := st.succeed(st.upload("uploads/access.log", fx.log))
	analyze := st.fns["AnalyzeFunction"]
	if got, failed := analyze.invokes.Load(), analyze.errors.Load(); got != 1 || failed != 0 {
		t.Errorf("Analyze invoked %d times, %d failed; want 1 and 0 (it stops in time)", got, failed)
	}
	final := st.finalState(*out.Output)
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	for _, f := range rep.Findings {
		if f.VerdictSource != "rules" {
			t.Errorf("finding %s classified by %q though the model never answered in time", f.Actor, f.VerdictSource)
		}
	}
	note := ""
	for _, n := range rep.Analysis.Notes {
		if strings.Contains(n, "ran out of time") {
			note = n
		}
	}
	if note == "" {
		t.Fatalf("the report does not say the model ran out of time: %q", rep.Analysis.Notes)
	}
	for _, ip := range fx.attackers {
		if !strings.Contains(note, ip) {
			t.Errorf("the deadline note does not name %s, whom the model did not see: %q", ip, note)
		}
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
	if strings.Contains(mails[0].Subject, "FAILED") {
		t.Errorf("a failure email: %q", mails[0].Subject)
	}
}

// TestPipelineModelThrottledThroughout keeps the model throttled: Analyze fails with ModelThrottled,
// the state machine retries it (intervals shortened for the test), then goes on with the rules'
// verdicts, and the report says the model was unavailable.
func TestPipelineModelThrottledThroughout(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(func(bedrocktest.Request) bedrocktest.Reply { return bedrocktest.Throttle() })
	t.Cleanup(model.Close)
	st := deploy(t, stackOptions{bedrockURL: model.URL, fastRetries: true})
	fx := makeFixture()
	out := st.succeed(st.upload("uploads/access.log", fx.log))
	analyze := st.fns["AnalyzeFunction"]
	// One chunk: the first attempt and the three retries of the ModelThrottled Retry.
	if got, failed := analyze.invokes.Load(), analyze.errors.Load(); got != 4 || failed != 4 {
		t.Errorf("Analyze invoked %d times, %d failed; want 4 and 4 (ModelThrottled retried 3 times)", got, failed)
	}
	if _, ok := st.stateOutputs(*out.ExecutionArn)["ModelStillThrottled"]; !ok {
		t.Errorf("the run did not go through ModelStillThrottled; history:\n%s", st.history(*out.ExecutionArn))
	}
	final := st.finalState(*out.Output)
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	if !rep.Analysis.ModelUnavailable {
		t.Errorf("report does not say the model was unavailable: %+v", rep.Analysis)
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
}

// TestPipelineManyChunks uploads a log big enough for Parse to partition it into several chunks,
// so the Map runs Filter (and Analyze where needed) per chunk and Aggregate merges them.
func TestPipelineManyChunks(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	fx := makeFixtureSize(17 << 20)
	ev := st.upload("uploads/big.log", fx.log)

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	st.checkSmallStates(*out.ExecutionArn)
	final := st.finalState(*out.Output)
	n := len(final.Parse.Chunks)
	if n < 2 {
		t.Fatalf("Parse made %d chunk(s) of %d bytes; the test needs several", n, len(fx.log))
	}
	if got := st.fns["FilterFunction"].invokes.Load(); int(got) != n || len(final.Chunks) != n {
		t.Errorf("%d chunks, Filter invoked %d times, Map returned %d results", n, got, len(final.Chunks))
	}
	rows := int64(0)
	for _, c := range final.Parse.Chunks {
		rows += c.Rows
	}
	if lines := int64(strings.Count(string(fx.log), "\n")); final.Parse.Rows != lines || rows != lines {
		t.Errorf("parse: %d rows, chunks hold %d; the file has %d lines", final.Parse.Rows, rows, lines)
	}
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
	t.Logf("%d bytes, %d rows, %d chunks, %d suspicious", len(fx.log), final.Parse.Rows, n, final.Aggregate.Suspicious)
}

// TestPipelineManifest uploads a manifest naming a prefix under the template's log prefix (logs/),
// outside the upload prefix: both logs under it make one run, one report and one email, and
// Parse's role, which reads only the upload and log prefixes, must allow reading them.
func TestPipelineManifest(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	fx := makeFixture()
	// Half the lines in each file: every actor's requests are spread over both.
	lines := strings.SplitAfter(string(fx.log), "\n")
	var a, b strings.Builder
	for i, l := range lines {
		if i%2 == 0 {
			a.WriteString(l)
		} else {
			b.WriteString(l)
		}
	}
	for key, body := range map[string]string{"logs/site/part-1.log": a.String(), "logs/site/part-2.log": b.String()} {
		if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &st.bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	// Outside the upload prefix the parts start nothing; the manifest starts the one run.
	ev := st.upload("uploads/site-batch.txt", []byte("# logsift manifest\nlogs/site/\n"))
	if more := st.receive(st.eventQueue, 1, time.Second); len(more) != 0 {
		t.Fatalf("an extra event: %s", more[0])
	}

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	final := st.finalState(*out.Output)
	if want := int64(strings.Count(string(fx.log), "\n")); final.Parse.Objects != 2 || final.Parse.Rows != want {
		t.Errorf("parse: %d objects, %d rows; want 2 objects, %d rows", final.Parse.Objects, final.Parse.Rows, want)
	}
	rep := st.report(final.Aggregate.Report.JSON)
	checkFindings(t, rep, fx)
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
}

// TestPipelineManifestOutsideLogPrefix uploads a manifest naming a log outside the template's log
// prefix, which Parse's role cannot read: Parse refuses the line before reading, and the failure
// email names the file, the stage and the reason.
func TestPipelineManifestOutsideLogPrefix(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	key := "elsewhere/site.log"
	if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &st.bucket, Key: &key, Body: strings.NewReader(string(makeFixture().log))}); err != nil {
		t.Fatal(err)
	}
	ev := st.upload("uploads/elsewhere.txt", []byte("# logsift manifest\n"+key+"\n"))
	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("status %s, want FAILED; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1 failure notice", len(mails))
	}
	m := mails[0]
	for _, want := range []string{"Parse", "uploads/elsewhere.txt", "elsewhere/site.log", "outside the log prefix"} {
		if !strings.Contains(m.Subject+m.Message, want) {
			t.Errorf("failure email lacks %q:\n%s\n%s", want, m.Subject, m.Message)
		}
	}
}

// TestPipelineTokenBudgetPerRun runs the same log four times (as four uploads) against warm
// functions with a token budget that one run fits in easily but four do not: the budget is per
// run, so every run costs the same tokens and gets the model's verdicts.
func TestPipelineTokenBudgetPerRun(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	t.Cleanup(model.Close)
	st := deploy(t, stackOptions{bedrockURL: model.URL, env: []string{"LOGSIFT_TOKEN_BUDGET=12000"}})
	fx := makeFixture()
	var first int64
	for i, key := range []string{"uploads/run-1.log", "uploads/run-2.log", "uploads/run-3.log", "uploads/run-4.log"} {
		out := st.execute(st.upload(key, fx.log), runTimeout)
		if out.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("run %d: status %s; history:\n%s", i+1, out.Status, st.history(*out.ExecutionArn))
		}
		final := st.finalState(*out.Output)
		rep := st.report(final.Aggregate.Report.JSON)
		tokens := final.Aggregate.InputTokens + final.Aggregate.OutputTokens
		if i == 0 {
			first = tokens
			if tokens == 0 || tokens > 12000/2 {
				t.Fatalf("run 1 used %d tokens; the test needs a run well under the 12000 budget", tokens)
			}
		}
		if tokens != first || rep.Analysis.Truncated || rep.Analysis.ModelUnavailable {
			t.Errorf("run %d: %d tokens (run 1: %d), truncated %v, model unavailable %v, notes %q",
				i+1, tokens, first, rep.Analysis.Truncated, rep.Analysis.ModelUnavailable, rep.Analysis.Notes)
		}
		st.emails(1, 5*time.Second)
	}
	if got := st.fns["AnalyzeFunction"].invokes.Load(); got != 4 {
		t.Errorf("Analyze invoked %d times, want 4 (one warm function for every run)", got)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestPipelineExampleLog runs the sample Amplify log (examples/README.md): its attacks are planted
// from the documentation address ranges, so those are the actors the report must flag, and no
// other address of the file may appear in the email.
func TestPipelineExampleLog(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/access-logs.csv")
	if err != nil {
		t.Skipf("no sample log: %v", err)
	}
	planted, others := splitExampleActors(t, data)
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	st := pipelineStack(t, model)
	ev := st.upload("uploads/amplify/access-logs.csv", data)

	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	st.checkSmallStates(*out.ExecutionArn)
	final := st.finalState(*out.Output)
	if final.Parse.Format != "amplify" || final.Parse.Rows == 0 {
		t.Errorf("parse: format %q, %d rows", final.Parse.Format, final.Parse.Rows)
	}
	rep := st.report(final.Aggregate.Report.JSON)
	var flagged []string
	for _, f := range rep.Findings {
		flagged = append(flagged, f.Actor)
	}
	slices.Sort(flagged)
	if !slices.Equal(flagged, planted) {
		t.Errorf("findings %v\nwant the planted actors %v", flagged, planted)
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	for _, ip := range others {
		if regexp.MustCompile(`(^|[^0-9a-f:.])` + regexp.QuoteMeta(ip) + `($|[^0-9a-f:.])`).MatchString(mails[0].Message) {
			t.Errorf("email names %s, which is not one of the planted attackers", ip)
		}
	}
}

// splitExampleActors reads the c-ip column of an Amplify CSV and splits the actors into those in
// the documentation ranges (IPv6 as its /64, as the report names them) and all other addresses.
func splitExampleActors(t *testing.T, data []byte) (planted, others []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	header := strings.Split(strings.ReplaceAll(lines[0], `\`, ""), ",")
	col := slices.Index(header, "c-ip")
	if col < 0 {
		t.Fatalf("no c-ip column in %q", lines[0])
	}
	doc := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if len(fields) <= col || strings.HasPrefix(line, "date,") {
			continue
		}
		addr, err := netip.ParseAddr(fields[col])
		if err != nil {
			continue
		}
		actor := addr.String()
		if addr.Is6() {
			actor = netip.PrefixFrom(addr, 64).Masked().String()
		}
		if seen[actor] {
			continue
		}
		seen[actor] = true
		if slices.ContainsFunc(doc, func(p netip.Prefix) bool { return p.Contains(addr) }) {
			planted = append(planted, actor)
		} else if addr.Is4() {
			others = append(others, actor)
		}
	}
	slices.Sort(planted)
	if len(planted) == 0 || len(others) == 0 {
		t.Fatalf("sample log: %d planted and %d other actors", len(planted), len(others))
	}
	return planted, others
}

// TestPipelineRetriesTransientFailures makes S3 fail under Filter for every attempt the SDK makes
// (three 500s), and makes Parse and Notify crash once each after doing their work: the state
// machine retries each (intervals shortened for the test), the report goes out, and Notify's
// sent marker keeps the retried notification from sending a second email.
func TestPipelineRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	t.Cleanup(model.Close)
	st := deploy(t, stackOptions{bedrockURL: model.URL, fastRetries: true})
	st.proxies["FilterFunction"].failS3(3, func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/evidence/")
	})
	st.fns["ParseFunction"].crashes.Store(1)
	st.fns["NotifyFunction"].crashes.Store(1)
	fx := makeFixture()
	out := st.succeed(st.upload("uploads/access.log", fx.log))

	for _, c := range []struct{ id, errName string }{
		{"ParseFunction", "Runtime.ExitError"},
		{"FilterFunction", "TransientError"},
		{"NotifyFunction", "Runtime.ExitError"},
	} {
		if got, failed := st.fns[c.id].invokes.Load(), st.fns[c.id].errors.Load(); got != 2 || failed != 1 {
			t.Errorf("%s invoked %d times, %d failed; want 2 and 1 (one %s, retried)", c.id, got, failed, c.errName)
		}
	}
	history := st.history(*out.ExecutionArn)
	for _, want := range []string{"TransientError: ", "Runtime.ExitError: "} {
		if !strings.Contains(history, want) {
			t.Errorf("history has no %s failure:\n%s", strings.TrimSuffix(want, ": "), history)
		}
	}
	final := st.finalState(*out.Output)
	checkFindings(t, st.report(final.Aggregate.Report.JSON), fx)
	mails := st.emails(2, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1 (the retried Notify found its sent marker)", len(mails))
	}
	checkEmailNames(t, mails[0], fx)
	if final.Notify.Sent || !strings.Contains(final.Notify.Reason, "already sent") {
		t.Errorf("the retried Notify: %+v; want nothing sent, as the first attempt had", final.Notify)
	}
}
