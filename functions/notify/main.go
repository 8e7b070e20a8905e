// Command notify is the Notify stage Lambda: it emails the report or the failure, once per object version.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() { awsenv.Start("notify", (*pipeline.Stages).Notify, awsenv.Email) }
