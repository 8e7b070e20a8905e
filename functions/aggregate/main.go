// Command aggregate is the Aggregate stage Lambda: it merges evidence and verdicts into the report under reports/.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() {
	// Check the configuration at start-up, so that a broken deployment fails at init.
	if _, err := awsenv.Stages(context.Background()); err != nil {
		slog.Error("configuration", "stage", "aggregate", "err", err)
		os.Exit(1)
	}
	lambda.Start(handle)
}

// handle builds the stages for every invoke: the model's token budget is per run, and one
// execution environment serves many runs, so an analyzer kept from one invoke to the next would
// spend later runs' budget on earlier ones. Building them costs no network call.
func handle(ctx context.Context, in pipeline.AggregateInput) (pipeline.AggregateOutput, error) {
	stages, err := awsenv.Stages(ctx)
	if err != nil {
		return pipeline.AggregateOutput{}, err
	}
	return stages.Aggregate(ctx, in)
}
