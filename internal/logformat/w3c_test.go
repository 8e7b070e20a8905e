package logformat

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/record"
)

const amplifySample = "logzio-aws-serverless/python3/amplify/tests/data_to_json.txt"

func TestAmplifySample(t *testing.T) {
	recs, r := readString(t, string(repoFile(t, amplifySample)), Options{})
	if r.Format() != Amplify || r.Gzip() {
		t.Errorf("format %q gzip %v", r.Format(), r.Gzip())
	}
	if st := r.Stats(); len(recs) != 4 || st.Skipped != 1 || st.Rejected != 0 {
		t.Fatalf("%d records, stats %+v", len(recs), st)
	}
	ua := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML like Gecko) Chrome/102.0.0.0 Safari/537.36"
	want := record.Record{
		Line: 2, Time: time.Date(2022, 6, 13, 13, 52, 5, 0, time.UTC), Client: netip.MustParseAddr("80.179.110.98"),
		Method: "GET", Host: "master.zzz.amplifyapp.com", Path: "/", RawPath: "/", Proto: "HTTP/2.0",
		Status: 200, Bytes: 1024, UA: ua, RequestID: "mnKM9AcgsaDFLFGPdIKVgrslLGBBtTWFep2GzhHIIOSXsqiLz5cIHg==",
	}
	if recs[0] != want {
		t.Errorf("row 1\n got %+v\nwant %+v", recs[0], want)
	}
	last := recs[3]
	if last.Status != 304 || last.Path != "/manifest.json" || last.Referer != "https://master.zzz.amplifyapp.com/" || last.Line != 5 {
		t.Errorf("row 4 %+v", last)
	}
	if st := r.Stats(); !st.First.Equal(want.Time) || !st.Last.Equal(time.Date(2022, 6, 13, 14, 31, 42, 0, time.UTC)) {
		t.Errorf("window %v - %v", st.First, st.Last)
	}
}

// resave rewrites the Amplify sample the way a spreadsheet would: every
// field quoted, ';' as delimiter, columns in another order, optional
// columns dropped.
func resave(t *testing.T, keep []string) string { return resaveDelim(t, keep, ';') }

func resaveDelim(t *testing.T, keep []string, delim byte) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(repoFile(t, amplifySample))), "\n")
	header := strings.Split(lines[0], ",")
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	var out strings.Builder
	for n, l := range lines {
		f := strings.Split(l, ",")
		if n == 0 {
			f = header
		}
		for i, k := range keep {
			if i > 0 {
				out.WriteByte(delim)
			}
			out.WriteString(`"` + strings.ReplaceAll(f[idx[k]], `"`, `""`) + `"`)
		}
		out.WriteString("\r\n")
	}
	return out.String()
}

func TestAmplifyResaved(t *testing.T) {
	keep := []string{`cs\(User-Agent)`, "sc-status", "c-ip", "time", "date", "cs-method", "cs-uri-stem", "x-host-header", "x-edge-request-id", "cs-uri-query"}
	for _, delim := range []byte{';', '\t', ','} {
		testAmplifyResaved(t, resaveDelim(t, keep, delim))
	}
}

func TestAmplifyHeaderless(t *testing.T) {
	data := string(repoFile(t, amplifySample))
	recs, r := readString(t, data[strings.IndexByte(data, '\n')+1:], Options{})
	if r.Format() != Amplify || len(recs) != 4 || recs[0].Host != "master.zzz.amplifyapp.com" {
		t.Errorf("format %q, %d records", r.Format(), len(recs))
	}
}

func testAmplifyResaved(t *testing.T, in string) {
	t.Helper()
	recs, r := readString(t, in, Options{})
	if r.Format() != Amplify || len(recs) != 4 {
		t.Fatalf("format %q, %d records, stats %+v", r.Format(), len(recs), r.Stats())
	}
	got := recs[0]
	if got.Client.String() != "80.179.110.98" || got.Status != 200 || got.Path != "/" || got.Host != "master.zzz.amplifyapp.com" ||
		!strings.HasPrefix(got.UA, "Mozilla/5.0 (Macintosh;") || got.RequestID != "mnKM9AcgsaDFLFGPdIKVgrslLGBBtTWFep2GzhHIIOSXsqiLz5cIHg==" ||
		!got.Time.Equal(time.Date(2022, 6, 13, 13, 52, 5, 0, time.UTC)) {
		t.Errorf("row 1 %+v", got)
	}
}

func TestAmplifyMissingRequired(t *testing.T) {
	in := resave(t, []string{"date", "time", "cs-method", "cs-uri-stem", "sc-status", `cs\(User-Agent)`})
	_, err := NewReader(strings.NewReader(in), Options{})
	if !isNotALog(err) || !strings.Contains(err.Error(), "c-ip") {
		t.Errorf("err = %v, want ErrNotALog naming c-ip", err)
	}
}

func TestAmplifyFieldCount(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(repoFile(t, amplifySample))), "\n")
	// a value with an extra comma would shift every later column
	bad := strings.Replace(lines[1], "TLSv1.3", "TLSv1.3,x", 1)
	short := strings.Join(strings.Split(lines[2], ",")[:20], ",")
	in := strings.Join([]string{lines[0], lines[1], bad, short, lines[3], lines[0], lines[4]}, "\n")
	recs, r := readString(t, in, Options{})
	st := r.Stats()
	if len(recs) != 3 || st.Reasons[ReasonFieldCount] != 2 || st.Skipped != 2 {
		t.Errorf("%d records, stats %+v", len(recs), st)
	}
}

func TestAmplifyConcatenatedHeaders(t *testing.T) {
	first := resaveDelim(t, []string{"date", "time", "c-ip", "cs-method", "cs-uri-stem", "sc-status"}, ',')
	// the second download has its columns in another order
	second := resaveDelim(t, []string{"sc-status", "cs-uri-stem", "cs-method", "c-ip", "time", "date", `cs\(User-Agent)`}, ',')
	recs, r := readString(t, first+second, Options{})
	st := r.Stats()
	if len(recs) != 8 || st.Skipped != 2 || st.Rejected != 0 {
		t.Fatalf("%d records, %+v", len(recs), st)
	}
	if recs[4].Status != 200 || recs[4].Path != "/" || recs[4].UA == "" || recs[0].UA != "" {
		t.Errorf("rebinding: %+v / %+v", recs[0], recs[4])
	}
}

// A spreadsheet quotes a value that holds its delimiter, doubling the quotes
// inside. Such a value, even shaped like more columns with another address,
// stays one value, and c-ip is read from its own column wherever the header
// puts it.
func TestAmplifyQuotedValuesKeepColumns(t *testing.T) {
	header := `date,time,cs(User-Agent),cs-uri-query,c-ip,cs-method,cs-uri-stem,sc-status`
	rows := []string{
		`2022-06-13,13:52:05,"Mozilla/5.0 (KHTML, like Gecko)",-,80.179.110.98,GET,/,200`,
		`2022-06-13,13:52:05,"x"",8.8.8.8,GET,/,200,""y","q=1,8.8.8.8",80.179.110.98,GET,/.env,404`,
		`2022-06-13,13:52:05,"""",",,,,",80.179.110.98,GET,/a,404`,
	}
	recs, r := readString(t, header+"\r\n"+strings.Join(rows, "\r\n")+"\r\n", Options{})
	if r.Format() != Amplify || len(recs) != 3 || r.Stats().Rejected != 0 {
		t.Fatalf("format %q, %d records, %+v", r.Format(), len(recs), r.Stats())
	}
	for i, rec := range recs {
		if rec.Client.String() != "80.179.110.98" || rec.Method != "GET" {
			t.Errorf("row %d: %+v", i+1, rec)
		}
	}
	if recs[0].UA != "Mozilla/5.0 (KHTML, like Gecko)" || recs[1].UA != `x",8.8.8.8,GET,/,200,"y` || recs[1].Query != "q=1,8.8.8.8" ||
		recs[1].Path != "/.env" || recs[1].Status != 404 || recs[2].UA != `"` || recs[2].Query != ",,,," {
		t.Errorf("values: %+v", recs)
	}
	// an unquoted extra delimiter is a misaligned row: rejected, not read
	bad := `2022-06-13,13:52:05,Mozilla/5.0 (KHTML, like Gecko),-,80.179.110.98,GET,/,200`
	recs, r = readString(t, header+"\n"+bad+"\n", Options{})
	if len(recs) != 0 || r.Stats().Reasons[ReasonFieldCount] != 1 {
		t.Errorf("unquoted comma: %d records, %+v", len(recs), r.Stats().Reasons)
	}
}
