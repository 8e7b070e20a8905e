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

// Start runs a stage as the Lambda handler, with the configuration and
// clients built once per execution environment. A broken configuration fails
// the function at init, where the console shows it.
func Start[In, Out any](name string, stage Stage[In, Out]) {
	st := mustStages(name)
	lambda.Start(func(ctx context.Context, in In) (Out, error) { return stage(st, ctx, in) })
}

// StartPerInvoke is Start for the stages that call the model: they get fresh
// stages on every invoke, because the model's token budget is per run and one
// execution environment serves many runs (an analyzer kept between invokes
// would spend later runs' budget on earlier ones). Building them makes no
// network call.
func StartPerInvoke[In, Out any](name string, stage Stage[In, Out]) {
	mustStages(name)
	lambda.Start(func(ctx context.Context, in In) (Out, error) {
		st, err := Stages(ctx)
		if err != nil {
			var zero Out
			return zero, err
		}
		return stage(st, ctx, in)
	})
}

func mustStages(name string) *pipeline.Stages {
	st, err := Stages(context.Background())
	if err != nil {
		slog.Error("configuration", "stage", name, "err", err)
		os.Exit(1)
	}
	return st
}
