package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/steer"
)

// TestReportJSONDocumented checks docs/report-json.md against real reports:
// every field the JSON of the sample log (and of a log with a planted page)
// has is documented, and every top-level field the page lists is written.
func TestReportJSONDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/report-json.md")
	if err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(t.TempDir(), "planted.log")
	i := slices.IndexFunc(steer.Cases, func(c steer.Case) bool { return c.Name == "planted-payload-combined" })
	if err := steer.Cases[i].WriteFile(planted); err != nil {
		t.Fatal(err)
	}
	top := map[string]any{}
	var reports []any
	for _, path := range []string{"../../examples/access-logs.csv", planted} {
		st := newStages(t)
		st.AddressFile = filepath.Join(t.TempDir(), "addresses.csv") // written, so documented
		rep, err := st.AnalyzeFiles(context.Background(), []string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := report.Render(&buf, rep, "json"); err != nil {
			t.Fatal(err)
		}
		var r map[string]any
		if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		maps.Copy(top, r)
		reports = append(reports, r)
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
	walk("report", reports)

	section := regexp.MustCompile("(?s)## Top level\n(.*?)\n###").FindSubmatch(doc)
	if section == nil {
		t.Fatal("docs/report-json.md has no Top level table")
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)`").FindAllSubmatch(section[1], -1) {
		k := string(m[1])
		if _, ok := top[k]; !ok && !slices.Contains([]string{"observations", "planted_pages_more"}, k) {
			t.Errorf("top-level field %q is documented but not written", k)
		}
	}
}
