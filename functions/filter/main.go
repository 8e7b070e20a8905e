// Command filter is the Filter stage Lambda: it runs the deterministic rules over one chunk and stores the evidence under work/.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() { awsenv.Start("filter", (*pipeline.Stages).Filter, awsenv.Rules) }
