package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/analysis"
)

var update = flag.Bool("update", false, "rewrite testdata/advice/*.golden.json from today's output")

// TestAdviceGolden pins the offline advice, text and order, for recorded
// inputs. NAME.input.json is the RecommendInput a real run handed the analyzer
// (the sample examples/access-logs.csv, the apache_logs fixture, the CrowdSec
// hub's scenario logs merged) or a hand-made one that reaches the branches no
// fixture does (files that answered 2xx, payloads that broke a handler, a site
// that serves PHP and WordPress). The inputs are frozen on purpose: they pin
// the advice, not the rules, so a new rule does not move them. NAME.golden.json
// holds the recommendations for each log format: unknown (""), "amplify", and
// any other ("cloudfront"). A change to the advice shows here as a diff to
// review; rewrite the goldens with -update.
func TestAdviceGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "advice", "*.input.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs (%v)", err)
	}
	for _, path := range inputs {
		name := strings.TrimSuffix(filepath.Base(path), ".input.json")
		t.Run(name, func(t *testing.T) {
			in := readInput(t, path)
			got := map[string][]analysis.Recommendation{}
			for _, format := range []string{"", "amplify", "cloudfront"} {
				res, err := Session{Format: format}.Recommend(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				got[format] = res.Recommendations
			}
			out, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, '\n')
			golden := filepath.Join("testdata", "advice", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("advice for %s differs from %s (rerun with -update and review the diff):\n%s", name, golden, firstDiff(string(want), string(out)))
			}
		})
	}
}

// firstDiff shows the first line where want and got part, with its neighbours.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		if i < len(w) && i < len(g) && w[i] == g[i] {
			continue
		}
		line := func(xs []string) string {
			if i < len(xs) {
				return xs[i]
			}
			return "(end)"
		}
		return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, line(w), line(g))
	}
	return ""
}

func readInput(tb testing.TB, path string) analysis.RecommendInput {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var in analysis.RecommendInput
	if err := json.Unmarshal(b, &in); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return in
}

// BenchmarkAdvice measures the advice for the sample run.
func BenchmarkAdvice(b *testing.B) {
	in := readInput(b, filepath.Join("testdata", "advice", "access-logs.input.json"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Session{Format: "amplify"}).Recommend(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
