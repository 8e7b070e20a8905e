package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

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
