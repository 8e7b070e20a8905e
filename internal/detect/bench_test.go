package detect

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strconv"
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

// BenchmarkAdversarial measures the rules on requests built to make the
// confirm checks expensive: about 1 KB of one trigger repeated in the query
// (and, for "all fields", in the user agent and referer too), and a mix of
// every confirmed trigger. MB/s counts the bytes of the hostile fields; the
// bound to hold is 20 MB/s per core whatever the content (issue 9 item 6).
func BenchmarkAdversarial(b *testing.B) {
	mix := "' union select ${jndi ; | ` $( && //localhost =http://x \n and 1=1 sleep(1) <x onerror=1> javascript: "
	cases := []struct {
		name, unit string
		all        bool // also in the user agent and referer
		path       bool // also in the path
	}{
		{"select", "'select ", false, false},
		{"select/all-fields", "'select ", true, false},
		{"union", "union ", false, false},
		{"union/all-fields", "union ", true, false},
		{"jndi", "${jndi", true, false},
		{"jndi-nested", "${${lower:j}${::-n}", true, false},
		{"dotdot", "../", false, true},
		{"shell", ";id|sh`", false, false},
		{"boolean", " and 1=", false, false},
		{"mix", mix, true, true},
	}
	for _, c := range cases {
		f := strings.Repeat(c.unit, 1024/len(c.unit)+1)[:1024]
		r := &record.Record{Time: time.Unix(0, 0), Client: netip.MustParseAddr("192.0.2.1"), Method: "GET",
			Path: "/x", RawPath: "/x", Query: f, RawQuery: f, UA: "Mozilla/5.0", Status: 404}
		n := len(f)
		if c.all {
			r.UA, r.Referer = f, f
			n += 2 * len(f)
		}
		if c.path {
			r.Path, r.RawPath = "/"+f, "/"+f
			n += len(f)
		}
		b.Run(c.name, func(b *testing.B) {
			e, _ := NewEngine(Config{})
			b.SetBytes(int64(n))
			for b.Loop() {
				e.Observe(r)
			}
		})
	}
	// Long but ordinary user agents and referers, distinct each time so that
	// the user agent cache does not help.
	b.Run("long-ua-referer", func(b *testing.B) {
		ua := strings.Repeat("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ", 12)
		ref := "https://www.example.com/search?q=" + strings.Repeat("long+ordinary+search+words+", 36)
		uas := make([]string, 64)
		for i := range uas {
			uas[i] = ua + strconv.Itoa(i)
		}
		e, _ := NewEngine(Config{})
		b.SetBytes(int64(len(ua) + len(ref)))
		i := 0
		for b.Loop() {
			r := record.Record{Time: time.Unix(0, 0), Client: netip.MustParseAddr("192.0.2.1"), Method: "GET",
				Path: "/x", RawPath: "/x", UA: uas[i%len(uas)], Referer: ref, Status: 200}
			e.Observe(&r)
			i++
		}
	})
}
