package logformat

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"testing"
)

var fuzzSeeds = []string{
	amplifySample,
	"crowdsec-hub/tests/aws-cloudfront-logs/aws-cloudfront-logs.log",
	"crowdsec-hub/tests/aws-alb-logs/aws-alb-logs.log",
	"crowdsec-hub/tests/http-wordpress-scan/http-wordpress-scan.log",
	"crowdsec-hub/tests/ipv6-postoverflow/ipv6-postoverflow.log",
	"crowdsec-hub/tests/nginx-http-path-traversal/nginx-http-path-traversal.log",
}

var hints = []Format{"", Amplify, CloudFront, ALB, Combined, Common}

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
		`tls 2.0 2018-12-20T02:59:40 net/x 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 -`}
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
