package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/logsift/logsift/internal/report"
)

// TestReportJSONDocumented checks docs/report-json.md against a real report:
// every field the JSON of the sample log has is documented, and every
// top-level field the page lists is written.
func TestReportJSONDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/report-json.md")
	if err != nil {
		t.Fatal(err)
	}
	st := newStages(t)
	st.AddressFile = filepath.Join(t.TempDir(), "addresses.csv") // written, so documented
	rep, err := st.AnalyzeFiles(context.Background(), []string{"../../examples/access-logs.csv"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, rep, "json"); err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllSubmatch(doc, -1) {
		documented[string(m[1])] = true
	}
	// Objects keyed by data (status codes, reason codes), not by field names.
	dataKeyed := map[string]bool{"statuses": true, "rejected_reasons": true}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !documented[k] {
					t.Errorf("%s.%s is written but not documented", path, k)
				}
				if !dataKeyed[k] {
					walk(path+"."+k, x)
				}
			}
		case []any:
			for _, x := range v {
				walk(path+"[]", x)
			}
		}
	}
	walk("report", top)

	section := regexp.MustCompile("(?s)## Top level\n(.*?)\n###").FindSubmatch(doc)
	if section == nil {
		t.Fatal("docs/report-json.md has no Top level table")
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)`").FindAllSubmatch(section[1], -1) {
		k := string(m[1])
		if _, ok := top[k]; !ok && !slices.Contains([]string{"observations"}, k) {
			t.Errorf("top-level field %q is documented but not written", k)
		}
	}
}
