package awsenv

import (
	"context"
	"log/slog"
	"os"

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
