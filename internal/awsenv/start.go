package awsenv

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logsift/logsift/internal/pipeline"
)

// Stage is a pipeline stage as a method expression, e.g. (*pipeline.Stages).Parse.
type Stage[In, Out any] func(*pipeline.Stages, context.Context, In) (Out, error)

// Start runs a stage as the Lambda handler, with its configuration built once
// per execution environment from the environment and the parts it uses. One
// configuration serves every invoke: what belongs to a run (the model's token
// budget) is in the analyzer session each invoke begins. A broken
// configuration fails the function at init, where the console shows it. A
// stage's transient AWS failure is returned as *pipeline.TransientError, the
// error the state machine retries.
func Start[In, Out any](name string, stage Stage[In, Out], parts ...Part) {
	setMemoryLimit(os.Getenv)
	st, err := Stages(context.Background(), parts...)
	if err != nil {
		slog.Error("configuration", "stage", name, "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, in In) (Out, error) {
		out, err := stage(st, ctx, in)
		return out, stageError(err)
	})
}

// setMemoryLimit gives the Go runtime a soft memory limit below the
// function's memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, in MB), so that the
// collector works harder before Lambda would kill the function, as the CLI's
// limit does on a laptop: a stage's memory is bounded by design (engine
// budgets, bounded evidence), and the limit keeps the garbage collector's
// headroom inside the function. GOMEMLIMIT, when set, wins. It returns the
// limit set, 0 for none.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	mb, err := strconv.ParseInt(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), 10, 64)
	if err != nil || mb <= 0 {
		return 0
	}
	// The runtime, the SDK's buffers and the stack sit outside the Go
	// heap's accounting only in part: leave a fifth for them.
	limit := mb << 20 * 4 / 5
	debug.SetMemoryLimit(limit)
	return limit
}
