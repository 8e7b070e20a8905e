package logformat

import (
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/record"
)

const (
	iis10Header = "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-20 10:00:00\n" +
		"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
	// IIS 6 logged more fields, a cookie among them, after c-ip
	iis6Header = "#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n#Date: 2026-11-20 10:00:00\n" +
		"#Fields: date time s-sitename s-computername s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken\n"
)

func TestIISLines(t *testing.T) {
	ts := time.Date(2026, 11, 20, 10, 0, 13, 0, time.UTC)
	ua := "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+Chrome/120.0"
	tests := []struct {
		name, in string
		want     record.Record
	}{
		{
			"IIS 10 defaults",
			iis10Header + "2026-11-20 10:00:13 10.0.0.1 GET /default.aspx id=1%27 443 - 203.0.113.9 " + ua + " https://example.com/a+b 200 0 0 15\n",
			record.Record{Method: "GET", Path: "/default.aspx", RawPath: "/default.aspx", Query: "id=1'", RawQuery: "id=1%27", Status: 200,
				UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0", Referer: "https://example.com/a+b"},
		},
		{
			"user name with a space (IIS does not quote it)",
			iis10Header + "2026-11-20 10:00:13 10.0.0.1 POST /login.aspx - 443 JOE BLOGGS 203.0.113.9 " + ua + " - 401 1 2148074254 3\n",
			record.Record{Method: "POST", Path: "/login.aspx", RawPath: "/login.aspx", Status: 401, UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"},
		},
		{
			"user name posing as the client",
			iis10Header + "2026-11-20 10:00:13 10.0.0.1 GET /.env - 443 x 8.8.8.8 10.1.2.3 203.0.113.9 sqlmap/1.7 - 404 0 2 3\n",
			record.Record{Method: "GET", Path: "/.env", RawPath: "/.env", Status: 404, UA: "sqlmap/1.7"},
		},
		{
			"IIS 6 with a quoted cookie",
			iis6Header + "2026-11-20 10:00:13 W3SVC1 WEB01 10.0.0.1 GET /foo/bar q=a+b 80 theuser 203.0.113.9 HTTP/1.1 " + ua +
				` "ASP.NET_SessionId=abc; __utma=1.2.3; utmccn=(direct)" - example.com 200 0 0 27028 214 1687` + "\n",
			record.Record{Method: "GET", Host: "example.com", Path: "/foo/bar", RawPath: "/foo/bar", Query: "q=a+b", RawQuery: "q=a+b", Proto: "HTTP/1.1",
				Status: 200, Bytes: 27028, UA: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"},
		},
		{
			"IIS 6, user name with spaces and a quoted cookie",
			iis6Header + "2026-11-20 10:00:13 W3SVC1 WEB01 10.0.0.1 GET / - 80 JOE BLOGGS 203.0.113.9 HTTP/1.1 curl/8.0" +
				` "a=1; b=2" - example.com 200 0 0 5 214 1687` + "\n",
			record.Record{Method: "GET", Host: "example.com", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Status: 200, Bytes: 5, UA: "curl/8.0"},
		},
		{
			"IIS 6, an address in the user name, spaces in the cookie",
			iis6Header + "2026-11-20 10:00:13 W3SVC1 WEB01 10.0.0.1 GET / - 80 x 8.8.8.8 203.0.113.9 HTTP/1.1 curl/8.0" +
				` "x y" - example.com 200 0 0 5 214 1687` + "\n",
			record.Record{Method: "GET", Host: "example.com", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Status: 200, Bytes: 5, UA: "curl/8.0"},
		},
		{
			"IPv6 client",
			iis10Header + "2026-11-20 10:00:13 ::1 GET / - 80 - 2001:db8::9 - - 200 0 0 1\n",
			record.Record{Method: "GET", Path: "/", RawPath: "/", Status: 200},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, r := readString(t, tt.in, Options{})
			if r.Format() != IIS || len(recs) != 1 {
				t.Fatalf("format %q, %d records, %+v", r.Format(), len(recs), r.Stats())
			}
			want := tt.want
			want.Line, want.Time = int64(strings.Count(tt.in, "\n")), ts
			want.Client = recs[0].Client
			if c := recs[0].Client.String(); c != "203.0.113.9" && c != "2001:db8::9" {
				t.Errorf("client %s", c)
			}
			if recs[0] != want {
				t.Errorf("got  %+v\nwant %+v", recs[0], want)
			}
		})
	}
}

// A row that cannot be placed is rejected, never charged to another field.
func TestIISRejects(t *testing.T) {
	tests := []struct{ name, row, reason string }{
		{"too few fields", "2026-11-20 10:00:13 10.0.0.1 GET / - 80 - 203.0.113.9 - - 200 0 0", ReasonFieldCount},
		// spaces in the user name and the cookie, and a user agent that
		// opens a quote: read either way, c-ip holds an address
		{"two readings", "2026-11-20 10:00:13 W3SVC1 WEB01 10.0.0.1 GET / - 80 x 8.8.8.8 203.0.113.9 HTTP/1.1 \"curl" +
			` "x y" - example.com 200 0 0 5 214 1687`, ReasonBadClientIP},
	}
	for _, tt := range tests {
		header := iis10Header
		if strings.Contains(tt.row, "W3SVC1") {
			header = iis6Header
		}
		recs, r := readString(t, header+tt.row+"\n", Options{})
		if len(recs) != 0 || r.Stats().Reasons[tt.reason] != 1 {
			t.Errorf("%s: %d records, %v, want %q", tt.name, len(recs), r.Stats().Reasons, tt.reason)
		}
	}
}

func TestIISSniffAndHint(t *testing.T) {
	row := "2026-11-20 10:00:13 10.0.0.1 GET / - 80 - 203.0.113.9 curl/8.0 - 200 0 0 1\n"
	fields := iis10Header[strings.Index(iis10Header, "#Fields:"):]
	tests := []struct {
		name, in string
		opt      Options
	}{
		{"#Software names IIS", iis10Header + row, Options{}},
		{"#Fields alone, space-separated rows", fields + row, Options{}},
		{"no header, hinted", row, Options{Hint: IIS}},
		{"restarted log: headers again, other fields", iis10Header + row + "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n2026-11-20 10:00:13 203.0.113.9 GET / 200\n", Options{}},
	}
	for _, tt := range tests {
		recs, r := readString(t, tt.in, tt.opt)
		if r.Format() != IIS || len(recs) == 0 || r.Stats().Rejected != 0 {
			t.Errorf("%s: format %q, %d records, %+v", tt.name, r.Format(), len(recs), r.Stats())
		}
		for _, rec := range recs {
			if rec.Client.String() != "203.0.113.9" || rec.Status != 200 {
				t.Errorf("%s: %+v", tt.name, rec)
			}
		}
	}
	// a CloudFront file stays CloudFront
	cf := "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status\n2026-11-20\t10:00:13\tFRA\t5\t203.0.113.9\tGET\td.cloudfront.net\t/\t200\n"
	if _, r := readString(t, cf, Options{}); r.Format() != CloudFront {
		t.Errorf("CloudFront sniffed as %q", r.Format())
	}
}
