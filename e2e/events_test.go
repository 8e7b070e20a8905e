package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/logsift/logsift/internal/pipeline"
)

// decodeStrict reads an events/ file into v and fails on fields v does not have, so the sample
// inputs for `sam local invoke` keep up with the stage types.
func decodeStrict(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("events/%s: %v", name, err)
	}
}

func TestEventsMatchStageTypes(t *testing.T) {
	// The S3 event, as EventBridge delivers it; the state machine's Source state picks these fields.
	var ev struct {
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Detail     struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				ETag string `json:"etag"`
			} `json:"object"`
			Reason string `json:"reason"`
		} `json:"detail"`
	}
	b, err := os.ReadFile("../events/s3-object-created.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.s3" || ev.DetailType != "Object Created" || ev.Detail.Reason != "PutObject" {
		t.Errorf("s3-object-created.json: source %q detail-type %q reason %q", ev.Source, ev.DetailType, ev.Detail.Reason)
	}

	var parse pipeline.ParseInput
	decodeStrict(t, "parse.json", &parse)
	want := pipeline.SourceRef{Bucket: ev.Detail.Bucket.Name, Key: ev.Detail.Object.Key, ETag: ev.Detail.Object.ETag, Size: ev.Detail.Object.Size}
	if parse != want {
		t.Errorf("parse.json = %+v, want the object of s3-object-created.json %+v", parse, want)
	}
	run := pipeline.RunID(parse)

	var filter pipeline.FilterInput
	decodeStrict(t, "filter.json", &filter)
	var analyze pipeline.FilterOutput
	decodeStrict(t, "analyze.json", &analyze)
	var aggregate pipeline.AggregateInput
	decodeStrict(t, "aggregate.json", &aggregate)
	var report, failure pipeline.NotifyInput
	decodeStrict(t, "notify-report.json", &report)
	decodeStrict(t, "notify-failure.json", &failure)

	for name, r := range map[string]string{
		"filter.json":        filter.Run,
		"analyze.json":       analyze.Run,
		"aggregate.json":     aggregate.Parse.Run,
		"notify-report.json": report.Aggregate.Run,
	} {
		if r != run {
			t.Errorf("%s: run %q, want %q (pipeline.RunID of parse.json)", name, r, run)
		}
	}
	if aggregate.Parse.Source != parse || report.Source != parse || failure.Source != parse {
		t.Errorf("the events name different source objects")
	}
	if report.Mode != "report" || report.Aggregate == nil || failure.Mode != "failure" || failure.Failure == nil {
		t.Errorf("notify events: report mode %q, failure mode %q", report.Mode, failure.Mode)
	}
}
