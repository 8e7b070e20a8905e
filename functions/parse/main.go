// Command parse is the Parse stage Lambda: it streams the uploaded object, detects its format and partitions its rows by actor into chunk objects under work/.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logsift/logsift/internal/awsenv"
)

func main() {
	// Configuration and clients are built once per execution environment, not per invoke.
	stages, err := awsenv.Stages(context.Background())
	if err != nil {
		slog.Error("configuration", "stage", "parse", "err", err)
		os.Exit(1)
	}
	lambda.Start(stages.Parse)
}
