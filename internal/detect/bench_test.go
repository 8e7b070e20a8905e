package detect

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"net/url"
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
// (and, for "all fields", in the user agent and referer too), a mix of
// every confirmed trigger, one trigger byte repeated (every-byte), the
// shapes that make one check's runs reach into others' (a union in every
// comment, update's table name, a URL to the next '&', nested lookups),
// the mix percent-encoded, and 60 KB of the mix in each field (lines are
// at most 64 KiB). MB/s counts the bytes of the hostile fields as logged;
// the bound to hold is 20 MB/s per core whatever the content (issue 9
// item 6).
func BenchmarkAdversarial(b *testing.B) {
	mix := "' union select ${jndi ; | ` $( && //localhost =http://x \n and 1=1 sleep(1) <x onerror=1> javascript: "
	fill := func(unit string, n int) string { return strings.Repeat(unit, n/len(unit)+1)[:n] }
	type fields struct{ path, query, ua, ref string }
	cases := []struct {
		name string
		f    fields
	}{}
	add := func(name string, f fields) {
		cases = append(cases, struct {
			name string
			f    fields
		}{name, f})
	}
	for _, c := range []struct {
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
		{"union-comments", "union#union\n", true, false},
		{"update-table", ";update/x", false, false},
		{"url-to-amp", "=http://a?=//[::1", false, false},
		{"jndi-deep", "${${${${${${${::-j}", true, false},
		{"jndi-closed", "${${${${${${${::-j}}}}}}}", true, false},
		{"select-blanks", "'select" + strings.Repeat(" ", 40), true, false},
	} {
		q := fill(c.unit, 1024)
		f := fields{path: "/x", query: q, ua: "Mozilla/5.0"}
		if c.all {
			f.ua, f.ref = q, q
		}
		if c.path {
			f.path = "/" + q
		}
		add(c.name, f)
	}
	for _, t := range []string{";", "'", "\n", "=", "$", "{", "|", "&", "/", "(", "`", "<", "\"", ")", "}"} {
		q := fill(t, 1024)
		add("every-byte/"+strings.TrimSpace(strconv.Quote(t)), fields{path: "/x", query: q, ua: q, ref: q})
	}
	enc := fill(url.QueryEscape(mix), 3072)
	add("mix-encoded", fields{path: "/x", query: enc, ua: "Mozilla/5.0", ref: enc})
	big := fill(mix, 60<<10)
	add("60k/path", fields{path: "/" + big, ua: "Mozilla/5.0"})
	add("60k/query", fields{path: "/x", query: big, ua: "Mozilla/5.0"})
	add("60k/user-agent", fields{path: "/x", ua: big})
	add("60k/referer", fields{path: "/x", ua: "Mozilla/5.0", ref: big})
	for _, c := range cases {
		f := c.f
		n := len(f.query) + len(f.ref)
		if f.path != "/x" {
			n += len(f.path)
		}
		// A hostile user agent differs from one request to the next, as
		// it can in a log: the engine classifies each one (it caches only
		// short ones, and the last one).
		recs := make([]record.Record, 1)
		if f.ua != "Mozilla/5.0" {
			n += len(f.ua)
			recs = make([]record.Record, 8)
		}
		for i := range recs {
			r := record.Record{Time: time.Unix(0, 0), Client: netip.MustParseAddr("192.0.2.1"), Method: "GET",
				Path: f.path, RawPath: f.path, RawQuery: f.query, UA: f.ua, Referer: f.ref, Status: 404}
			if len(recs) > 1 {
				r.UA = f.ua[:len(f.ua)-1] + string(rune('0'+i))
			}
			// The parser's decoded query, as logsift's readers give it.
			r.Query = f.query
			if dq, err := url.QueryUnescape(f.query); err == nil {
				r.Query = dq
			}
			recs[i] = r
		}
		b.Run(c.name, func(b *testing.B) {
			e, _ := NewEngine(Config{})
			b.SetBytes(int64(n))
			i := 0
			for b.Loop() {
				e.Observe(&recs[i%len(recs)])
				i++
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
