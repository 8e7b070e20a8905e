// Command parse is the Parse stage Lambda: it streams the uploaded object, detects its format and partitions its rows by actor into chunk objects under work/.
// The stage itself is internal/pipeline; this is the Lambda's thin entry point.
package main

import (
	"github.com/logsift/logsift/internal/awsenv"
	"github.com/logsift/logsift/internal/pipeline"
)

func main() { awsenv.Start("parse", (*pipeline.Stages).Parse, awsenv.Parsing) }
