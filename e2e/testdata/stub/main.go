// Command stub is a stand-in for the five stage Lambdas that answers with the stage outputs' shape
// and no logic, so the e2e harness can check the state machine's control flow on its own
// (STUB_FAIL_STAGE makes one stage fail with an error type; "chunks" makes the Map fail outside its
// chunks).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type stageError struct{ typ, msg string }

func (e stageError) Error() string     { return e.msg }
func (e stageError) ErrorType() string { return e.typ }

func handle(_ context.Context, in map[string]any) (map[string]any, error) {
	stage := strings.ToLower(strings.TrimSuffix(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "Function"))
	if stage == os.Getenv("STUB_FAIL_STAGE") && in["mode"] != "failure" {
		return nil, stageError{"StubFailure", stage + " failed on purpose"}
	}
	switch stage {
	case "parse":
		var chunks []any
		for i := range 3 {
			chunks = append(chunks, map[string]any{"index": i, "key": "work/r/chunks/" + string(rune('0'+i)), "rows": 10, "actors": 2})
		}
		if os.Getenv("STUB_FAIL_STAGE") == "chunks" {
			// The Map then fails by itself, outside any chunk (moto: States.QueryEvaluationError).
			return map[string]any{"run": "r", "source": in, "rows": 30, "chunks": "not a list"}, nil
		}
		return map[string]any{"run": "r", "source": in, "rows": 30, "chunks": chunks, "already_reported": in["key"] == "uploads/again.csv"}, nil
	case "filter":
		chunk := in["chunk"].(map[string]any)
		return map[string]any{"run": in["run"], "chunk": chunk["index"], "evidence_key": "work/r/evidence", "suspicious": chunk["index"]}, nil
	case "analyze":
		out := map[string]any{"verdicts_key": "work/r/verdicts", "input_tokens": 100, "output_tokens": 10, "model_unavailable": false}
		for k, v := range in {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
		return out, nil
	case "aggregate":
		return map[string]any{"chunks": len(in["chunks"].([]any)), "report": map[string]any{"json": "reports/x.json"}}, nil
	case "notify":
		b, _ := json.Marshal(in)
		return map[string]any{"sent": true, "input": string(b)}, nil
	}
	return nil, errors.New("unknown stage " + stage)
}

func main() { lambda.Start(handle) }
