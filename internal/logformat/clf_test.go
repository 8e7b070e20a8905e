package logformat

import (
	"net/netip"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/record"
)

func TestCombinedLines(t *testing.T) {
	ts := time.Date(2021, 9, 29, 10, 37, 5, 0, time.UTC)
	tests := []struct {
		name string
		line string
		want record.Record
	}{
		{
			name: "combined",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET /a%20b?x=%27y HTTP/1.1" 404 196 "http://ref/" "curl/7.68.0"`,
			want: record.Record{Method: "GET", Path: "/a b", RawPath: "/a%20b", Query: "x='y", RawQuery: "x=%27y", Proto: "HTTP/1.1", Status: 404, Bytes: 196, Referer: "http://ref/", UA: "curl/7.68.0"},
		},
		{
			name: "common, negative offset",
			line: `1.2.3.4 - frank [29/Sep/2021:05:37:05 -0500] "POST /login HTTP/1.0" 401 -`,
			want: record.Record{Method: "POST", Path: "/login", RawPath: "/login", Proto: "HTTP/1.0", Status: 401},
		},
		{
			name: "escaped quote and backslash and hex byte",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET /q?a=\"x\\y\x41 HTTP/1.1" 200 5 "-" "Mozilla \"quoted\""`,
			want: record.Record{Method: "GET", Path: "/q", RawPath: "/q", Query: `a="x\yA`, RawQuery: `a="x\yA`, Proto: "HTTP/1.1", Status: 200, Bytes: 5, UA: `Mozilla "quoted"`},
		},
		{
			name: "dash request",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "-" 400 0 "-" "-"`,
			want: record.Record{Status: 400, Malformed: true},
		},
		{
			name: "empty request",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "" 400 0 "-" "-"`,
			want: record.Record{Status: 400, Malformed: true},
		},
		{
			name: "binary request",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "\x16\x03\x01\x00\xa5\x01" 400 157 "-" "-"`,
			want: record.Record{Status: 400, Bytes: 157, Malformed: true, Path: "\x16\x03\x01\x00\xa5\x01", RawPath: "\x16\x03\x01\x00\xa5\x01"},
		},
		{
			name: "vhost prefix",
			line: `www.example.com:443 1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 10 "-" "ua"`,
			want: record.Record{Method: "GET", Host: "www.example.com", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Status: 200, Bytes: 10, UA: "ua"},
		},
		{
			name: "syslog prefix",
			line: `Sep 29 10:37:05 web01 nginx: 1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 10 "-" "ua"`,
			want: record.Record{Method: "GET", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Status: 200, Bytes: 10, UA: "ua"},
		},
		{
			name: "extra trailing fields",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/2.0" 200 10 "-" "ua" "1.1.1.1" rt=0.003 "x y"`,
			want: record.Record{Method: "GET", Path: "/", RawPath: "/", Proto: "HTTP/2.0", Status: 200, Bytes: 10, UA: "ua"},
		},
		{
			name: "raw space in target",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET /a b HTTP/1.1" 400 0 "-" "-"`,
			want: record.Record{Method: "GET", Path: "/a b", RawPath: "/a b", Proto: "HTTP/1.1", Status: 400},
		},
		{
			name: "CONNECT",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "CONNECT example.com:443 HTTP/1.1" 405 0 "-" "-"`,
			want: record.Record{Method: "CONNECT", Path: "example.com:443", RawPath: "example.com:443", Proto: "HTTP/1.1", Status: 405},
		},
		{
			name: "user with spaces",
			line: `1.2.3.4 - bob smith [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1 "-" "-"`,
			want: record.Record{Method: "GET", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Status: 200, Bytes: 1},
		},
		{
			name: "invalid percent escape kept",
			line: `1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET /%zz%2 HTTP/1.1" 404 1 "-" "-"`,
			want: record.Record{Method: "GET", Path: "/%zz%2", RawPath: "/%zz%2", Proto: "HTTP/1.1", Status: 404, Bytes: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _ := readString(t, tt.line+"\n", Options{Hint: Combined})
			if len(recs) != 1 {
				t.Fatalf("got %d records", len(recs))
			}
			got := recs[0]
			want := tt.want
			want.Line = 1
			want.Time = ts
			want.Client = netip.MustParseAddr("1.2.3.4")
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestCombinedIPv6(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, "crowdsec-hub/tests/ipv6-postoverflow/ipv6-postoverflow.log")), Options{})
	if r.Format() != Combined {
		t.Errorf("format %q", r.Format())
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	if got := recs[0].Client.String(); got != "2001:db8:85a3::8a2e:370:7334" {
		t.Errorf("client %s", got)
	}
	if want := time.Date(2021, 9, 29, 12, 11, 34, 0, time.UTC); !recs[0].Time.Equal(want) {
		t.Errorf("time %v, want %v", recs[0].Time, want)
	}
	if recs[0].Method != "HEAD" || recs[1].Bytes != 10918 || recs[1].UA != "Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:getinfo)" {
		t.Errorf("fields %+v", recs[1])
	}
}

func TestCombinedRejects(t *testing.T) {
	tests := []struct{ line, reason string }{
		{`1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" abc 1`, ReasonBadStatus},
		{`1.2.3.4 - - [29/Sep/2021:12:37:05 +9900] "GET / HTTP/1.1" 200 1`, ReasonBadTime},
		{`1.2.3.4 - - [32/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1`, ReasonBadTime},
		{`1.2.3.4 - - [31/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1`, ReasonBadTime},
		{`1.2.3.4 - - [31/Feb/2021:12:37:60 +0200] "GET / HTTP/1.1" 200 1`, ReasonBadTime},
		{`nothost - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1`, ReasonBadClientIP},
		{`999.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1`, ReasonBadClientIP},
		{`1.2.3.4 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1 200 1`, ReasonBadRequest},
	}
	good := `5.6.7.8 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1 "-" "-"` + "\n"
	for _, tt := range tests {
		recs, r := readString(t, good+tt.line+"\n", Options{})
		st := r.Stats()
		if len(recs) != 1 || st.Rejected != 1 || st.Reasons[tt.reason] != 1 {
			t.Errorf("%s: records %d, reasons %v, want one %q", tt.line, len(recs), st.Reasons, tt.reason)
		}
		if len(st.Samples) != 1 || st.Samples[0].Line != 2 || st.Samples[0].Text != tt.line {
			t.Errorf("samples %+v", st.Samples)
		}
	}
}

func TestApacheLogs(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, "elastic-examples/apache_logs")), Options{})
	st := r.Stats()
	if r.Format() != Combined || len(recs) != 10000 || st.Rejected != 0 {
		t.Fatalf("format %q, %d records, stats %+v", r.Format(), len(recs), st.Reasons)
	}
	wantFirst := time.Date(2015, 5, 17, 10, 5, 0, 0, time.UTC)
	if !st.First.Equal(wantFirst) || st.Last.Before(st.First) {
		t.Errorf("window %v - %v", st.First, st.Last)
	}
	ips := map[netip.Addr]bool{}
	for _, rec := range recs {
		ips[rec.Client] = true
	}
	if len(ips) != 1753 {
		t.Errorf("%d distinct clients, want 1753", len(ips))
	}
}

func TestCommonFixture(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, "crowdsec-hub/tests/apache-http-probing/apache-http-probing.log")), Options{})
	if r.Format() != Common || len(recs) != 77 {
		t.Fatalf("format %q, %d records", r.Format(), len(recs))
	}
	n404 := 0
	for _, rec := range recs {
		if rec.Status == 404 {
			n404++
		}
		if rec.Client.String() != "172.17.0.1" || rec.UA != "" {
			t.Errorf("line %d: %+v", rec.Line, rec)
		}
	}
	if n404 != 75 {
		t.Errorf("%d 404s, want 75", n404)
	}
	if recs[0].Query != "pageHeaderFile=http://cirt.net/rfiinc.txt??" || recs[0].Path != "/src/scripture.php" {
		t.Errorf("first %+v", recs[0])
	}
}

func TestNginxTraversalFixture(t *testing.T) {
	recs, _ := readString(t, string(repoFile(t, "crowdsec-hub/tests/nginx-http-path-traversal/nginx-http-path-traversal.log")), Options{})
	if len(recs) != 9 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].RawPath != "/%2fetc%2fpasswd" || recs[0].Path != "//etc/passwd" {
		t.Errorf("first %q %q", recs[0].RawPath, recs[0].Path)
	}
	// decoded once only: %252E stays %2E
	if recs[2].RawPath != "/%252E%252E%252Ffoo1" || recs[2].Path != "/%2E%2E%2Ffoo1" {
		t.Errorf("third %q %q", recs[2].RawPath, recs[2].Path)
	}
}

// A leap second is a real time: it reads as the next minute's first second,
// across a day and a year boundary too.
func TestLeapSecond(t *testing.T) {
	recs, _ := readString(t, `1.2.3.4 - - [31/Dec/2016:23:59:60 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`+"\n", Options{})
	if want := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC); len(recs) != 1 || !recs[0].Time.Equal(want) {
		t.Errorf("records %+v, want one at %v", recs, want)
	}
}

func TestCLFUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a\"b\\c`, `a"b\c`},
		{`\n\r\t\b\v\f`, "\n\r\t\b\v\f"},
		{`\x41\x7e\xff\x00`, "A~\xff\x00"},
		{`\q \x4 \xzz end\`, `\q \x4 \xzz end\`}, // unknown, short and invalid escapes are kept
		{`\\x41`, `\x41`},
	}
	for _, tt := range tests {
		if got := string(appendCLFUnescaped(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendCLFUnescaped(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
