package detect

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/record"
)

// benchLog generates an Amplify log of mostly ordinary traffic with the
// generator's planted attacks (one round per 300,000 rows).
func benchLog(b *testing.B, rows int64) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := loggen.Generate(&buf, loggen.Options{Format: "amplify", Rows: rows, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func parseAll(b *testing.B, data []byte) []record.Record {
	b.Helper()
	rd, err := logformat.NewReader(bytes.NewReader(data), logformat.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var out []record.Record
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, *r)
	}
}

// BenchmarkEngineObserve measures the rules alone over pre-parsed records.
func BenchmarkEngineObserve(b *testing.B) {
	recs := parseAll(b, benchLog(b, 200_000))
	b.ResetTimer()
	var e *Engine
	n := 0
	for b.Loop() {
		if n%len(recs) == 0 {
			e, _ = NewEngine(Config{})
		}
		e.Observe(&recs[n%len(recs)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParseAndDetect measures parse + rules + Result over an Amplify
// file in memory, as the Filter stage and the local run do.
func BenchmarkParseAndDetect(b *testing.B) {
	data := benchLog(b, 200_000)
	b.SetBytes(int64(len(data)))
	rows := 0
	for b.Loop() {
		rd, err := logformat.NewReader(bytes.NewReader(data), logformat.Options{})
		if err != nil {
			b.Fatal(err)
		}
		e, _ := NewEngine(Config{})
		for {
			r, err := rd.Next()
			if err != nil {
				break
			}
			e.Observe(r)
			rows++
		}
		e.Result(0)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHostileTriggers measures requests whose query and referer are
// 60 KiB of one confirmed pattern's trigger text: the confirm checks must
// stay bounded per field however many matches there are.
func BenchmarkHostileTriggers(b *testing.B) {
	for _, unit := range []string{"union ", "'or ", "${a:-", ";id ", "select ", "onload ", "|sh "} {
		q := strings.Repeat(unit, (60<<10)/len(unit))
		r := &record.Record{Time: time.Unix(0, 0), Client: netip.MustParseAddr("192.0.2.1"), Method: "GET",
			Path: "/x", RawPath: "/x", Query: q, RawQuery: q, Referer: q, UA: "x", Status: 404}
		b.Run(strings.TrimSpace(unit), func(b *testing.B) {
			e, _ := NewEngine(Config{})
			for b.Loop() {
				e.Observe(r)
			}
		})
	}
}
