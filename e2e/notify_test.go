package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/logsift/logsift/internal/amplifytest"
	"github.com/logsift/logsift/internal/bedrocktest"
)

// TestPipelineUnconfirmedSubscription deploys a stack whose subscription nobody has confirmed and
// uploads a log and a file that is no log: each run fails at its notification with a message
// that says to confirm and redrive, and spends no sent or failed marker. After the subscription
// is confirmed, redriving each run sends exactly one email: the report, and the failure notice
// (that run then fails with Parse's error, as any failed run does).
func TestPipelineUnconfirmedSubscription(t *testing.T) {
	t.Parallel()
	model := bedrocktest.NewServer(bedrocktest.AnswerFromEvidence)
	t.Cleanup(model.Close)
	st := deploy(t, stackOptions{bedrockURL: model.URL, unconfirmed: true})
	fx := makeFixture()

	report := st.execute(st.upload("uploads/access.log", fx.log), runTimeout)
	notALog := st.execute(st.upload("uploads/notes.txt", []byte(strings.Repeat("Agenda: planning.\n", 50))), runTimeout)
	for _, c := range []struct {
		out   *sfn.DescribeExecutionOutput
		state string
	}{{report, "Notify"}, {notALog, "NotifyFailure"}} {
		out, arn := c.out, *c.out.ExecutionArn
		if out.Status != sfntypes.ExecutionStatusFailed || deref(out.Error) != "NoConfirmedSubscription" {
			t.Fatalf("%s: status %s error %q, want FAILED with NoConfirmedSubscription; history:\n%s", c.state, out.Status, deref(out.Error), st.history(arn))
		}
		for _, want := range []string{"Confirm the subscription", "aws stepfunctions redrive-execution --execution-arn " + arn} {
			if !strings.Contains(deref(out.Cause), want) {
				t.Errorf("%s: cause does not say %q: %s", c.state, want, deref(out.Cause))
			}
		}
		if got, _ := st.failedState(arn); got != c.state {
			t.Errorf("failed at %q, want %s (a redrive reruns the state the execution failed in)", got, c.state)
		}
	}
	for _, prefix := range []string{"reports/uploads/access.log/", "reports/uploads/notes.txt/"} {
		for _, k := range st.keys(prefix) {
			if strings.HasSuffix(k, ".sent") || strings.HasSuffix(k, ".failed") {
				t.Errorf("marker %s written although no email was sent", k)
			}
		}
	}

	st.confirmSubscription()
	out := st.redrive(*report.ExecutionArn, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("redriven report run: %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	if final := st.finalState(*out.Output); !final.Notify.Sent {
		t.Errorf("redriven Notify: %+v", final.Notify)
	}
	mails := st.emails(2, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("redrive sent %d emails, want 1", len(mails))
	}
	checkEmailNames(t, mails[0], fx)

	out = st.redrive(*notALog.ExecutionArn, runTimeout)
	if out.Status != sfntypes.ExecutionStatusFailed || !strings.Contains(deref(out.Cause), "notes.txt") {
		t.Fatalf("redriven failure run: %s %q, want FAILED with Parse's error; history:\n%s", out.Status, deref(out.Cause), st.history(*out.ExecutionArn))
	}
	mails = st.emails(2, 10*time.Second)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject+mails[0].Message, "Parse") {
		t.Fatalf("redrive of the failed run sent %d emails, want 1 failure notice naming Parse: %+v", len(mails), mails)
	}
}

// keys lists the bucket's keys under prefix.
func (st *stack) keys(prefix string) []string {
	st.t.Helper()
	out, err := st.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &st.bucket, Prefix: aws.String(prefix)})
	if err != nil {
		st.t.Fatalf("list %s: %v", prefix, err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// TestPipelineNotifyOn fetches two Amplify windows on the schedule, one where visitors only
// browse and one with a prober, and uploads the quiet window's log by hand too. With NotifyOn
// findings (the default) the quiet scheduled run emails no one and its Notify output says why; the
// prober's run and the upload by hand each email once, the first with a presigned link that opens
// the HTML report. With NotifyOn always the quiet scheduled run emails too.
func TestPipelineNotifyOn(t *testing.T) {
	t.Parallel()
	for _, notifyOn := range []string{"findings", "always"} {
		t.Run(notifyOn, func(t *testing.T) {
			t.Parallel()
			st, srv := fetchStack(t, map[string]string{"AmplifyApps": fetchApp + ":" + fetchDomain, "NotifyOn": notifyOn})
			srv.AddApp(fetchApp, fetchDomain)
			day1, day2 := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
			for h := day1; h.Before(day2); h = h.Add(time.Hour) {
				for i, ip := range []string{"192.0.2.10", "203.0.113.5"} {
					at := h.Add(time.Duration(10+i*10) * time.Minute)
					srv.AddRow(fetchApp, fetchDomain, at, amplifytest.Row(at, ip, "/", 200, "v"+at.Format("0102T1504")+ip, "www.example.com"))
				}
			}
			siteRows(srv, day2, day2.Add(24*time.Hour))
			st.put("state/fetch/"+fetchApp+"/"+fetchDomain+".json", `{"end":"2026-11-28T00:00:00Z"}`)
			res := st.runFetch("2026-11-30T00:20:00Z")
			quietKey := "uploads/amplify/d1e2e3a4b5/example.com/20261128T0000Z_20261129T0000Z.csv"
			probedKey := "uploads/amplify/d1e2e3a4b5/example.com/20261129T0000Z_20261130T0000Z.csv"
			if !slices.Equal(res.Uploaded, []string{quietKey, probedKey}) {
				t.Fatalf("fetch result %+v", res)
			}
			events := st.uploadEvents(2)

			quiet := st.execute(events[quietKey], runTimeout)
			if quiet.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("quiet window: %s; history:\n%s", quiet.Status, st.history(*quiet.ExecutionArn))
			}
			final := st.finalState(*quiet.Output)
			mails := st.emails(2, 3*time.Second)
			if notifyOn == "always" {
				if !final.Notify.Sent || len(mails) != 1 || !strings.Contains(mails[0].Subject, "no attacks found") {
					t.Fatalf("NotifyOn always, quiet window: notify %+v, %d emails", final.Notify, len(mails))
				}
				return
			}
			if final.Notify.Sent || len(mails) != 0 || !strings.Contains(final.Notify.Reason, "NotifyOn is findings") {
				t.Fatalf("quiet scheduled window: notify %+v, %d emails; want none, and the output saying why", final.Notify, len(mails))
			}

			probed := st.execute(events[probedKey], runTimeout)
			if probed.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("probed window: %s; history:\n%s", probed.Status, st.history(*probed.ExecutionArn))
			}
			mails = st.emails(2, 10*time.Second)
			if len(mails) != 1 || !strings.Contains(mails[0].Message, prober) {
				t.Fatalf("probed window: %d emails, want 1 naming %s", len(mails), prober)
			}
			st.checkReportLink(mails[0], probed)

			// The quiet log uploaded by hand: somebody is waiting for the answer.
			manual := st.execute(st.upload("uploads/by-hand.csv", []byte(st.object(quietKey))), runTimeout)
			if manual.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("upload by hand: %s; history:\n%s", manual.Status, st.history(*manual.ExecutionArn))
			}
			if mails := st.emails(2, 10*time.Second); len(mails) != 1 || !strings.Contains(mails[0].Subject, "no attacks found") {
				t.Errorf("upload by hand with nothing to report: %d emails, want 1 saying so", len(mails))
			}
		})
	}
}

// checkReportLink follows the email's presigned link, as a browser would: it opens the run's HTML
// report. The request goes through the Notify function's S3 endpoint (its recording proxy), so the
// least-privilege check holds the link to the Notify role's permissions, which it carries.
func (st *stack) checkReportLink(m email, out *sfn.DescribeExecutionOutput) {
	st.t.Helper()
	final := st.finalState(*out.Output)
	_, rest, ok := strings.Cut(m.Message, "no sign-in needed:\n")
	link, _, _ := strings.Cut(rest, "\n")
	if !ok || link == "" {
		st.t.Fatalf("email has no presigned link:\n%s", m.Message)
	}
	u, err := url.Parse(link)
	if err != nil {
		st.t.Fatal(err)
	}
	if q := u.Query(); q.Get("X-Amz-Expires") != "604800" || q.Get("X-Amz-Signature") == "" {
		st.t.Errorf("link query %v; want seven days, signed", q)
	}
	// The functions run with static test credentials, which do not say when they expire, as a
	// Lambda function's do not: the email gives the end as an upper bound.
	exp := final.Notify.LinkExpires
	if exp == nil || time.Until(*exp) < 7*24*time.Hour-5*time.Minute || time.Until(*exp) > 7*24*time.Hour {
		st.t.Errorf("Notify output: link expires %v, want in seven days", exp)
	} else if want := exp.UTC().Format("2006-01-02 15:04 UTC") + " at the latest"; !strings.Contains(m.Message, want) {
		st.t.Errorf("email does not say %q:\n%s", want, m.Message)
	}
	if strings.Contains(*out.Output, "X-Amz-Signature") {
		st.t.Error("the presigned link is in the execution's history")
	}
	resp, err := http.Get(link)
	if err != nil {
		st.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != st.object(final.Aggregate.Report.HTML) {
		st.t.Errorf("GET the link: %s, %d bytes; want the HTML report %s", resp.Status, len(body), final.Aggregate.Report.HTML)
	}
}
