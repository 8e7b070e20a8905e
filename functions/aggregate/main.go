// Command aggregate is the Aggregate stage Lambda: it merges evidence and verdicts into the report under reports/.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() { awsenv.Start("aggregate", (*pipeline.Stages).Aggregate, awsenv.Model) }
