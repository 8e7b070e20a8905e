package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// stubStack deploys the template with the stub standing in for every function, so these tests
// check the state machine's control flow (Map, Choice, Catch, the failure path) on their own.
func stubStack(t *testing.T, failStage string) *stack {
	stub := filepath.Join(binaries(t), "stub")
	bins := map[string]string{}
	for _, id := range functionIDs {
		bins[id] = stub
	}
	return deploy(t, stackOptions{binaries: bins, env: []string{"STUB_FAIL_STAGE=" + failStage}})
}

func TestFlowStubs(t *testing.T) {
	t.Parallel()
	st := stubStack(t, "")
	ev := st.upload("uploads/stub.csv", []byte("x\n"))
	out := st.execute(ev, 60*time.Second)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	// The stub's chunk i has i suspicious actors: chunk 0 skips Analyze.
	if got := st.fns["FilterFunction"].invokes.Load(); got != 3 {
		t.Errorf("Filter invoked %d times, want 3 (one per chunk)", got)
	}
	if got := st.fns["AnalyzeFunction"].invokes.Load(); got != 2 {
		t.Errorf("Analyze invoked %d times, want 2 (chunks with suspicious actors)", got)
	}
	t.Logf("output: %s", *out.Output)
}

// TestFlowFailureNotifies fails each stage in turn: the execution fails with the stage's error,
// after NotifyFailure was told which stage failed. A failing Notify is not caught: the execution
// fails at Notify, where a redrive reruns it (the failure email would go through the same topic).
func TestFlowFailureNotifies(t *testing.T) {
	t.Parallel()
	for _, stage := range []string{"Parse", "Filter", "Analyze", "Aggregate", "Notify"} {
		t.Run(stage, func(t *testing.T) {
			t.Parallel()
			st := stubStack(t, strings.ToLower(stage))
			out := st.execute(st.upload("uploads/stub.csv", []byte("x\n")), 60*time.Second)
			if out.Status != sfntypes.ExecutionStatusFailed {
				t.Fatalf("status %s, want FAILED; history:\n%s", out.Status, st.history(*out.ExecutionArn))
			}
			if deref(out.Error) != "stageError" || !strings.Contains(deref(out.Cause), "failed on purpose") {
				t.Errorf("execution error %q cause %q; want the stage's error", deref(out.Error), deref(out.Cause))
			}
			if stage == "Notify" {
				if nf := st.stateOutputs(*out.ExecutionArn)["NotifyFailure"]; len(nf) != 0 {
					t.Errorf("NotifyFailure ran after Notify failed; history:\n%s", st.history(*out.ExecutionArn))
				}
				if got, _ := st.failedState(*out.ExecutionArn); got != "Notify" {
					t.Errorf("the execution failed at %q, want Notify (what a redrive reruns)", got)
				}
				return
			}
			in := st.failureNotice(*out.ExecutionArn)
			if in.Mode != "failure" || in.Failure["stage"] != stage || in.Failure["error"] != "stageError" ||
				!strings.Contains(in.Failure["cause"], "failed on purpose") || in.Source["key"] != "uploads/stub.csv" ||
				!strings.HasPrefix(in.Execution, "arn:aws:states:") {
				t.Errorf("failure notice input = %+v", in)
			}
		})
	}
}

// TestFlowMapFailsOutsideAChunk makes the Map fail by itself, not in a chunk's Filter or Analyze
// (the stub's Parse returns chunks that are no list; moto fails the Map with
// States.QueryEvaluationError and a cause of its own): the failure email names the Map's stage,
// Chunks, not the first word of that cause.
func TestFlowMapFailsOutsideAChunk(t *testing.T) {
	t.Parallel()
	st := stubStack(t, "chunks")
	out := st.execute(st.upload("uploads/stub.csv", []byte("x\n")), 60*time.Second)
	if out.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("status %s, want FAILED; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	if got := st.fns["FilterFunction"].invokes.Load(); got != 0 {
		t.Errorf("Filter invoked %d times; the Map was to fail before any chunk", got)
	}
	in := st.failureNotice(*out.ExecutionArn)
	if in.Failure["stage"] != "Chunks" || in.Failure["cause"] == "" {
		t.Errorf("failure notice input = %+v; want stage Chunks with the Map's cause", in)
	}
}

// failureNotice is the input NotifyFailure was given, as the stub echoes it.
type failureNotice struct {
	Mode      string            `json:"mode"`
	Source    map[string]any    `json:"source"`
	Execution string            `json:"execution"`
	Failure   map[string]string `json:"failure"`
}

func (st *stack) failureNotice(arn string) failureNotice {
	st.t.Helper()
	nf := st.stateOutputs(arn)["NotifyFailure"]
	if len(nf) != 1 {
		st.t.Fatalf("NotifyFailure ran %d times; history:\n%s", len(nf), st.history(arn))
	}
	var state struct {
		Notify struct {
			Input string `json:"input"`
		} `json:"notify"`
	}
	if err := json.Unmarshal([]byte(nf[0]), &state); err != nil {
		st.t.Fatal(err)
	}
	var in failureNotice
	if err := json.Unmarshal([]byte(state.Notify.Input), &in); err != nil {
		st.t.Fatal(err)
	}
	return in
}

// TestFlowAlreadyReported checks the Choice after Parse: a run whose report exists ends there.
// Two executions on one moto server also prove the harness can run the idempotency scenario.
func TestFlowAlreadyReported(t *testing.T) {
	t.Parallel()
	st := stubStack(t, "")
	first := st.execute(st.upload("uploads/stub.csv", []byte("x\n")), 60*time.Second)
	if first.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("first run: %s; history:\n%s", first.Status, st.history(*first.ExecutionArn))
	}
	filters := st.fns["FilterFunction"].invokes.Load()
	again := st.execute(st.upload("uploads/again.csv", []byte("x\n")), 60*time.Second)
	if again.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("second run: %s; history:\n%s", again.Status, st.history(*again.ExecutionArn))
	}
	if got := st.fns["FilterFunction"].invokes.Load(); got != filters {
		t.Errorf("an already reported run invoked Filter %d more times", got-filters)
	}
	if _, ok := st.stateOutputs(*again.ExecutionArn)["AlreadyReported"]; !ok {
		t.Errorf("second run did not end in AlreadyReported; history:\n%s", st.history(*again.ExecutionArn))
	}
}

// TestRuleMatchesUploadsOnly checks the template's EventBridge pattern on moto: uploads of log files
// start a run; the pipeline's own writes (work/, reports/) and other files do not, so it never
// triggers itself.
func TestRuleMatchesUploadsOnly(t *testing.T) {
	t.Parallel()
	st := stubStack(t, "")
	keys := map[string]bool{
		"uploads/access.csv":              true,
		"uploads/2026/11/cf.log.gz":       true,
		"uploads/alb.log":                 true,
		"uploads/nginx.txt":               true,
		"uploads/photo.png":               false,
		"uploads/access.csv.bak":          false,
		"work/0123/chunks/000.ndjson.gz":  false,
		"reports/uploads/access.csv/x.gz": false,
		"access.csv":                      false,
	}
	var want []string
	for key, match := range keys {
		if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &st.bucket, Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		if match {
			want = append(want, key)
		}
	}
	var got []string
	for _, body := range st.receive(st.eventQueue, len(keys), 3*time.Second) {
		var ev struct {
			Detail struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Detail.Object.Key)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the rule matched %q, want %q", got, want)
	}
}
