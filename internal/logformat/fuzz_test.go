package logformat

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	amplifySample,
	"crowdsec-hub/tests/aws-cloudfront-logs/aws-cloudfront-logs.log",
	"crowdsec-hub/tests/aws-alb-logs/aws-alb-logs.log",
	"crowdsec-hub/tests/http-wordpress-scan/http-wordpress-scan.log",
	"crowdsec-hub/tests/ipv6-postoverflow/ipv6-postoverflow.log",
	"crowdsec-hub/tests/nginx-http-path-traversal/nginx-http-path-traversal.log",
}

var hints = []Format{"", Amplify, CloudFront, ALB, Combined, Common, IIS}

func addSeeds(f *testing.F, withHint bool) {
	for _, s := range fuzzSeeds {
		data := repoFile(f, s)
		if withHint {
			f.Add(data, uint8(0))
			f.Add(gzipBytes(f, data), uint8(0))
		} else {
			f.Add(data)
		}
	}
	extra := []string{"", "\xef\xbb\xbf", "#Version: 1.0\n#Fields: date time c-ip\n", "\x89PNG\r\n\x1a\n",
		"#Fields: date time c-ip cs-method cs-uri-stem sc-status\n2024-01-01\t00:00:00\t::1\tGET\t/\t200\n",
		`tls 2.0 2018-12-20T02:59:40 net/x 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 -`,
		// the line shapes of client_test.go and iis_test.go
		`203.0.113.9 - x [20/Nov/2026:10:00:00 +0000] 8.8.8.8 [20/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "sqlmap/1.7"` + "\n",
		`10.0.0.5 - - [1/Apr/2014:00:00:01] www.example.com "GET / HTTP/1.1" 200 34/38 "-" "ua"` + "\n" +
			`10.0.0.5 - - [29/sept./2021:10:37:05 GMT] "GET / HTTP/1.1" 200 1 "-" "ua"` + "\n",
		`<190>1 2021-09-29T10:37:05Z web01 nginx 811 ID47 [ex@32473 a="1\]"] 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] "GET / HTTP/1.1" 200 1` + "\n" +
			`Sep 29 10:37:05 web01 nginx: 10.0.0.5 - - - [29/Sep/2021:10:37:05 +0000] "GET / HTTP/1.1" 200 1` + "\n",
		`"8.8.8.8, 10.0.0.5" - - [29/Sep/2021:10:37:05 +02:00] "GET / HTTP/1.1" 200 1` + "\n" + `www.example.com:443 10.0.0.5 - - [29/Sep/2021:10:37:05.5 +0000] "GET / HTTP/1.1" 200 1` + "\n",
		iis6Header + "2026-11-20 10:00:13 W3SVC1 WEB01 10.0.0.1 GET / - 80 JOE BLOGGS 203.0.113.9 HTTP/1.1 curl/8.0 \"a=1; b=2\" - example.com 200 0 0 5 214 1687\n",
		iis10Header + "2026-11-20 10:00:13 10.0.0.1 GET /a q=1 443 x 8.8.8.8 203.0.113.9 Mozilla/5.0+(X11) - 404 0 2 3\n"}
	for _, e := range extra {
		if withHint {
			f.Add([]byte(e), uint8(4))
		} else {
			f.Add([]byte(e))
		}
	}
}

// FuzzReader feeds arbitrary bytes with every hint: nothing may panic,
// every line is accounted for, every record is valid.
func FuzzReader(f *testing.F) {
	addSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte, h uint8) {
		hint := hints[int(h)%len(hints)]
		r, err := NewReader(bytes.NewReader(data), Options{Hint: hint, MaxLineBytes: 4096, MaxSamples: 3})
		if err != nil {
			if !expectedNewReaderError(data, err) {
				t.Fatalf("unexpected NewReader error %v", err)
			}
			return
		}
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				// only a gzip stream can fail mid-way here
				if !r.Gzip() {
					t.Fatalf("Next: %v", err)
				}
				break
			}
			checkRecord(t, rec)
			if i > len(data) {
				t.Fatal("more records than bytes")
			}
		}
		st := r.Stats()
		checkStats(t, st)
		if len(st.Samples) > 3 {
			t.Fatalf("%d samples", len(st.Samples))
		}
		for _, s := range st.Samples {
			if len(s.Text) > sampleBytes {
				t.Fatalf("sample of %d bytes", len(s.Text))
			}
		}
		if st.BytesRead > int64(len(data)) && !r.Gzip() {
			t.Fatalf("BytesRead %d > %d", st.BytesRead, len(data))
		}
	})
}

// FuzzSniff checks that sniffing never panics and agrees with itself.
func FuzzSniff(f *testing.F) {
	addSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		r1, err1 := NewReader(bytes.NewReader(data), Options{})
		r2, err2 := NewReader(bytes.NewReader(data), Options{})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("nondeterministic: %v vs %v", err1, err2)
		}
		if err1 == nil && r1.Format() != r2.Format() {
			t.Fatalf("formats %q vs %q", r1.Format(), r2.Format())
		}
		if err1 != nil && !expectedNewReaderError(data, err1) {
			t.Fatalf("unexpected error %v", err1)
		}
	})
}

// FuzzAmplifyUnescape checks the decoders against each other and the
// standard library.
func FuzzAmplifyUnescape(f *testing.F) {
	for _, s := range []string{`Mozilla/5.0%20\(Macintosh;%20Intel)`, `a\=\=`, `%%32%65`, `%2520`, `\`, `%`, `%4`, `\%41`, `\x41\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		pd := appendPercentDecoded(nil, in)
		if len(pd) > len(in) {
			t.Fatalf("percent-decoding grew %q -> %q", in, pd)
		}
		if bytes.IndexByte(in, '%') < 0 && !bytes.Equal(pd, in) {
			t.Fatalf("changed without %%: %q -> %q", in, pd)
		}
		// agrees with net/url wherever the standard library accepts the input
		if u, err := url.PathUnescape(string(in)); err == nil && u != string(pd) {
			t.Fatalf("url.PathUnescape %q = %q, we give %q", in, u, pd)
		}
		// an escaped value decodes back to itself
		enc := []byte(url.PathEscape(string(in)))
		if got := appendPercentDecoded(nil, enc); !bytes.Equal(got, in) {
			t.Fatalf("round trip %q -> %q -> %q", in, enc, got)
		}
		bu := appendBackslashUnescaped(nil, in)
		if len(bu) > len(in) || (bytes.IndexByte(in, '\\') < 0 && !bytes.Equal(bu, in)) {
			t.Fatalf("backslash unescape %q -> %q", in, bu)
		}
		cu := appendCLFUnescaped(nil, in)
		if len(cu) > len(in) {
			t.Fatalf("clf unescape grew %q -> %q", in, cu)
		}
		var lb lineBuf
		lb.reset(in)
		sp := lb.amplify(span{0, len(in)})
		lb.uaDecode(sp)
		lb.clfUnescape(span{0, len(in)})
		lb.finish()
	})
}

// expectedNewReaderError: NewReader fails only with ErrNotALog,
// ErrInputTooLarge, or a gzip header error on gzip magic.
func expectedNewReaderError(data []byte, err error) bool {
	return errors.Is(err, ErrNotALog) || errors.Is(err, ErrInputTooLarge) ||
		(len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b)
}

// logEscape escapes v as nginx escapes a logged variable ('"', '\' and
// bytes below 0x20 or above 0x7e as \xHH), or as Apache escapes %u (\" and
// \\, control bytes as \xhh, other bytes kept).
func logEscape(v []byte, apache bool) string {
	var b strings.Builder
	for _, c := range v {
		switch {
		case apache && (c == '"' || c == '\\'):
			b.WriteByte('\\')
			b.WriteByte(c)
		case apache && (c < 0x20 || c == 0x7f):
			fmt.Fprintf(&b, `\x%02x`, c)
		case !apache && (c == '"' || c == '\\' || c < 0x20 || c > 0x7e):
			fmt.Fprintf(&b, `\x%02X`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzUserField checks the invariant of issue 9: whatever user name nginx
// or Apache logs, the line parses and is charged to its first field, at its
// time, for its request.
func FuzzUserField(f *testing.F) {
	users := append([]string{"x [20/Nov/2026:10:00:00 +0000] 8.8.8.8", "a, 8.8.8.8", "[1/Jan/2020:00:00:00] vhost", "-", " ",
		`x [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`}, nginxUsers...)
	for _, u := range users {
		f.Add([]byte(u), false)
		f.Add([]byte(u), true)
	}
	want := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, user []byte, apache bool) {
		u := logEscape(user, apache)
		if u == "" {
			u = "-"
		}
		line := `203.0.113.9 - ` + u + ` [20/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "sqlmap/1.7"` + "\n"
		r, err := NewReader(strings.NewReader(line), Options{Hint: Combined})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("%q: %v, %+v", line, err, r.Stats().Reasons)
		}
		if rec.Client.String() != "203.0.113.9" || !rec.Time.Equal(want) || rec.Path != "/.env" || rec.Status != 404 || rec.UA != "sqlmap/1.7" {
			t.Fatalf("%q: %+v", line, rec)
		}
	})
}
