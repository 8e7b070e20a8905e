package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkManyClients is issue 9 item 5's shape through the whole local
// run: every line a new suspicious client (a failing /.env probe from a new
// IPv6 /64, 65,536 to a /48), so that the engines go over budget and
// partition, then detail, group and list the addresses. Besides rows/s it
// reports the largest heap in use, sampled; peak RSS of whole runs at a
// million clients: scripts/bench-clients.sh (make bench-clients).
func BenchmarkManyClients(b *testing.B) {
	const n = 200_000
	var buf bytes.Buffer
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := range n {
		ip := fmt.Sprintf("2001:db8:%x:%x::1", i/65536, i%65536)
		buf.WriteString(combinedLine(ip, start.Add(time.Duration(i)*time.Millisecond), "GET", "/.env", 404, "curl/8.5.0"))
	}
	path := filepath.Join(b.TempDir(), "clients.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	defer close(done)
	for b.Loop() {
		st := &Stages{Detect: detect.DefaultConfig(), TempDir: b.TempDir(), AddressFile: filepath.Join(b.TempDir(), "a.csv")}
		rep, err := st.AnalyzeFiles(context.Background(), []string{path}, nil)
		if err != nil || rep.Summary.Clients.Suspicious != n {
			b.Fatalf("%v, clients %+v", err, rep.Summary.Clients)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "MB-heap-peak")
}
