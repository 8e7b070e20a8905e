package pipeline

import (
	"bytes"
	"context"
	"testing"

	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/record"
)

// BenchmarkParseAndRules measures the hot path of a run, parse plus rules, on
// generated logs of each format: MB/s (uncompressed) and rows/s on one core.
func BenchmarkParseAndRules(b *testing.B) {
	for _, format := range []string{"amplify", "cloudfront", "combined", "alb"} {
		var buf bytes.Buffer
		if err := loggen.Generate(&buf, loggen.Options{Format: format, Size: 32 << 20, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(format, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var rows int64
			for b.Loop() {
				eng, err := detect.NewEngine(detect.DefaultConfig())
				if err != nil {
					b.Fatal(err)
				}
				res, err := scan(context.Background(), bytes.NewReader(data), logformat.Options{},
					func(r *record.Record) error { eng.Observe(r); return nil })
				if err != nil || res.Err != nil {
					b.Fatal(err, res.Err)
				}
				rows += res.Stats.Parsed
				eng.Result(0)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
