package logformat

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The user field is written by the client (nginx logs $remote_user raw from
// the Authorization header; Apache escapes only quotes, backslashes and
// control bytes). Whatever it holds, the line is charged to the first field,
// at the time that precedes the request, for the request that was made.
func TestUserFieldCannotSteer(t *testing.T) {
	users := []string{
		"8.8.8.8 x y",
		"10.1.2.3 x y",
		"bad.cafe x y",
		"a b c d e f g h i j k l m n o p q r s t",
		"- - 8.8.8.8",
		`\x22quoted\x22 user`,
		`\"quoted\" user`,
		"[x] [y",
		"[20/Nov/2026:10:00:00 +0000]",
		"x [20/Nov/2026:10:00:00 +0000] 8.8.8.8",
		"x [1/Jan/2020:00:00:00 +0000] - 200 0",
		"x [1/Jan/2020:00:00:00] evil.example",
		"2001:db8::1 - -",
		"Sep 29 10:37:05 web01 nginx: 8.8.8.8",
		"8.8.8.8, 9.9.9.9",
		"www.example.com 8.8.8.8",
	}
	want := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for _, u := range users {
		line := `203.0.113.9 - ` + u + ` [20/Nov/2026:11:00:00 +0100] "GET /.env HTTP/1.1" 404 153 "-" "sqlmap/1.7"`
		recs, r := readString(t, line+"\n", Options{Hint: Combined})
		if len(recs) != 1 {
			t.Errorf("user %q: %d records, %+v", u, len(recs), r.Stats().Reasons)
			continue
		}
		got := recs[0]
		if got.Client != netip.MustParseAddr("203.0.113.9") || got.Path != "/.env" || got.Status != 404 || !got.Time.Equal(want) || got.UA != "sqlmap/1.7" {
			t.Errorf("user %q: %+v", u, got)
		}
	}
}

// The same holds for sniffing: a file of such lines is combined, every line
// parses, and all are charged to their first field.
func TestUserFieldSniffed(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString(`203.0.113.9 - 10.1.` + string(rune('0'+i%10)) + `.3 x y [20/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 153 "-" "sqlmap/1.7"` + "\n")
	}
	recs, r := readString(t, b.String(), Options{})
	if r.Format() != Combined || len(recs) != 300 || r.Stats().Rejected != 0 {
		t.Fatalf("format %q, %d records, %+v", r.Format(), len(recs), r.Stats().Reasons)
	}
	for _, rec := range recs {
		if rec.Client.String() != "203.0.113.9" {
			t.Fatalf("line %d charged to %s", rec.Line, rec.Client)
		}
	}
}

// Every line shape real servers and log shippers write: the right client,
// time, request and status, or a rejection with its reason.
func TestLineShapes(t *testing.T) {
	const req = `"GET /x HTTP/1.1" 200 34 "-" "ua"`
	at := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	std := at(2021, 9, 29, 10, 37, 5)
	tests := []struct {
		name, line, client, host string
		time                     time.Time
		bytes                    int64
	}{
		{"one-digit day", `10.0.0.5 - - [1/Apr/2014:00:00:01 -0500] ` + req, "10.0.0.5", "", at(2014, 4, 1, 5, 0, 1), 34},
		{"no zone, vhost after the time (Apache 2.2)", `10.0.0.5 - - [29/Sep/2021:10:37:05] www.example.com ` + req, "10.0.0.5", "www.example.com", std, 34},
		{"GMT", `10.0.0.5 - - [29/Sep/2021:10:37:05 GMT] ` + req, "10.0.0.5", "", std, 34},
		{"UTC", `10.0.0.5 - - [29/Sep/2021:10:37:05 UTC] ` + req, "10.0.0.5", "", std, 34},
		{"zone with colon", `10.0.0.5 - - [29/Sep/2021:12:37:05 +02:00] ` + req, "10.0.0.5", "", std, 34},
		{"fraction", `10.0.0.5 - - [29/Sep/2021:10:37:05.250 +0000] ` + req, "10.0.0.5", "", std.Add(250 * time.Millisecond), 34},
		{"French sept.", `10.0.0.5 - - [29/sept./2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"French oct.", `10.0.0.5 - - [29/oct./2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 10, 29, 10, 37, 5), 34},
		{"French déc.", `10.0.0.5 - - [29/déc./2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 12, 29, 10, 37, 5), 34},
		{"German Okt", `10.0.0.5 - - [29/Okt/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 10, 29, 10, 37, 5), 34},
		{"German Mär", `10.0.0.5 - - [29/Mär/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 3, 29, 10, 37, 5), 34},
		{"Spanish ene", `10.0.0.5 - - [29/ene/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 1, 29, 10, 37, 5), 34},
		{"Italian Dic", `10.0.0.5 - - [29/Dic/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 12, 29, 10, 37, 5), 34},
		{"Portuguese out", `10.0.0.5 - - [29/out/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 10, 29, 10, 37, 5), 34},
		{"Dutch mrt", `10.0.0.5 - - [29/mrt/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", at(2021, 3, 29, 10, 37, 5), 34},
		{"Russian сент.", `10.0.0.5 - - [29/сент./2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"upper case SEP", `10.0.0.5 - - [29/SEP/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"size sent/body", `10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] "GET /x HTTP/1.1" 200 34/38 "-" "ua"`, "10.0.0.5", "", std, 34},
		{"syslog", `Sep 29 10:37:05 web01 nginx: 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"syslog, extra - field", `Sep 29 10:37:05 web01 nginx: 10.0.0.5 - - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"syslog, padded day, pid, PRI", `<190>Sep  9 10:37:05 web01 nginx[811]: 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"syslog, no tag", `Sep 29 10:37:05 web01 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"syslog, IP as host", `Sep 29 10:37:05 192.0.2.1 nginx: 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"RFC 5424", `<190>1 2021-09-29T10:37:05.003Z web01 nginx 811 - - 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"RFC 5424 with structured data", `<190>1 2021-09-29T10:37:05Z web01 nginx 811 ID47 [ex@32473 a="1\]"][b@1 c="2"] 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"rsyslog precise", `2021-09-29T10:37:05.123456+00:00 web01 nginx: 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"docker logs -t", `2021-09-29T10:37:05.123456789Z 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"Kubernetes CRI", `2021-09-29T10:37:05.123456789Z stdout F 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"vhost_combined", `www.example.com:443 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "www.example.com", std, 34},
		{"vhost given as address:port", `192.0.2.1:443 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "192.0.2.1", std, 34},
		{"vhost with hex letters", `cafe.be 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "cafe.be", std, 34},
		{"vhost that is an address ($host first)", `8.8.8.8 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "8.8.8.8", std, 34},
		{"vhost that is an address, user posing as another", `8.8.8.8 10.0.0.5 - 9.9.9.9 - x [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "8.8.8.8", std, 34},
		{"address vhost after the client (OVH)", `10.0.0.5 192.0.2.1 - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"vhost after the client (OVH)", `10.0.0.5 www.example.com theuser [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"X-Forwarded-For list: the address the proxy added", `8.8.8.8, 10.0.0.1, 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"quoted X-Forwarded-For list", `"8.8.8.8, 10.0.0.5" - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
		{"IPv6", `2001:db8::5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "2001:db8::5", "", std, 34},
		{"IPv4-mapped IPv6", `::ffff:10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] ` + req, "10.0.0.5", "", std, 34},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, r := readString(t, tt.line+"\n", Options{Hint: Combined})
			if len(recs) != 1 {
				t.Fatalf("%d records, %+v", len(recs), r.Stats().Samples)
			}
			got := recs[0]
			if got.Client.String() != tt.client || got.Host != tt.host || !got.Time.Equal(tt.time) || got.Bytes != tt.bytes ||
				got.Path != "/x" || got.Method != "GET" || got.Status != 200 || got.UA != "ua" {
				t.Errorf("got %+v\nwant client %s host %q time %v bytes %d", got, tt.client, tt.host, tt.time, tt.bytes)
			}
			// sniffing finds the format for a file of such lines
			if _, r := readString(t, strings.Repeat(tt.line+"\n", 3), Options{}); r.Format() != Combined || r.Stats().Parsed != 3 {
				t.Errorf("sniffed %q, %+v", r.Format(), r.Stats())
			}
		})
	}
}

// Lines that cannot be charged to a client are rejected with the reason,
// never charged to another field.
func TestLineShapeRejects(t *testing.T) {
	const rest = ` [29/Sep/2021:10:37:05 +0000] "GET /x HTTP/1.1" 200 34 "-" "ua"`
	tests := []struct{ line, reason string }{
		{`crawl-66-249-66-1.googlebot.com - -` + rest, ReasonBadClientIP},
		{`unix: - -` + rest, ReasonBadClientIP},
		{`- - 8.8.8.8` + rest, ReasonBadClientIP},
		{`8.8.8.8, unknown - -` + rest, ReasonBadClientIP},
		{`"8.8.8.8, 10.0.0.5 - -` + rest, ReasonBadClientIP},
		{`Sep 29 10:37:05 web01 nginx: - - 8.8.8.8` + rest, ReasonBadClientIP},
		{`10.0.0.5` + rest, ReasonFieldCount},
		// a raw Host header with a space, answered 400
		{`evil 8.8.8.8 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] "GET / HTTP/1.1" 400 157 "-" "-"`, ReasonBadClientIP},
		{`8.8.8.8 9.9.9.9 10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] "GET / HTTP/1.1" 400 157 "-" "-"`, ReasonBadClientIP},
		{`10.0.0.5 - - [29/Foo/2021:10:37:05 +0000] "GET /x HTTP/1.1" 200 34 "-" "ua"`, ReasonBadTime},
		{`10.0.0.5 - - [29/Sep/2021:10:37:05 CET] "GET /x HTTP/1.1" 200 34 "-" "ua"`, ReasonBadTime},
		{`10.0.0.5 - - [29/Sep/2021:10:37:05 +0000] "GET /x HTTP/1.1" 200 34/x "-" "ua"`, ReasonBadBytes},
	}
	good := `5.6.7.8 - - [29/Sep/2021:12:37:05 +0200] "GET / HTTP/1.1" 200 1 "-" "-"` + "\n"
	for _, tt := range tests {
		recs, r := readString(t, good+tt.line+"\n", Options{Hint: Combined})
		if st := r.Stats(); len(recs) != 1 || st.Reasons[tt.reason] != 1 {
			t.Errorf("%s: %d records, reasons %v, want one %q", tt.line, len(recs), st.Reasons, tt.reason)
		}
	}
}

// A month name maps to one month in every language it is listed for.
func TestMonthNamesUnambiguous(t *testing.T) {
	seen := map[string]int{}
	for i, names := range monthNames {
		for _, n := range names {
			if m, ok := seen[n]; ok && m != i {
				t.Errorf("%q is month %d and month %d", n, m+1, i+1)
			}
			seen[n] = i
			if n != strings.ToLower(n) || strings.HasSuffix(n, ".") {
				t.Errorf("%q: names are lower case without a period", n)
			}
			if got := monthNumber([]byte(strings.ToUpper(n) + ".")); got != i+1 {
				t.Errorf("monthNumber(%q.) = %d, want %d", strings.ToUpper(n), got, i+1)
			}
		}
	}
}
