// Command analyze is the Analyze stage Lambda: it has the model (or the offline analyzer) classify one chunk's suspicious actors.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() { awsenv.Start("analyze", (*pipeline.Stages).Analyze, awsenv.Model) }
