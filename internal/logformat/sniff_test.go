package logformat

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSniffFormats(t *testing.T) {
	tests := []struct {
		file string
		want Format
		rows int
	}{
		{amplifySample, Amplify, 4},
		{"crowdsec-hub/tests/aws-cloudfront-logs/aws-cloudfront-logs.log", CloudFront, 2},
		{"crowdsec-hub/tests/aws-alb-logs/aws-alb-logs.log", ALB, 14},
		{"crowdsec-hub/tests/http-wordpress-scan/http-wordpress-scan.log", Combined, 8},
		{"crowdsec-hub/tests/apache-http-probing/apache-http-probing.log", Common, 77},
	}
	for _, tt := range tests {
		data := repoFile(t, tt.file)
		variants := map[string][]byte{
			"plain": data,
			"gzip":  gzipBytes(t, data),
			"bom":   append([]byte("\xef\xbb\xbf"), data...),
			"crlf":  bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
			// two gzip members, as concatenated .gz files are
			"multi-gzip": append(gzipBytes(t, withNL(data)), gzipBytes(t, data)...),
		}
		for name, in := range variants {
			r, err := NewReader(bytes.NewReader(in), Options{})
			if err != nil {
				t.Errorf("%s %s: %v", tt.file, name, err)
				continue
			}
			recs, err := readAll(t, r)
			if err != nil {
				t.Errorf("%s %s: %v", tt.file, name, err)
			}
			want := tt.rows
			if name == "multi-gzip" {
				want *= 2
			}
			if r.Format() != tt.want || len(recs) != want || r.Gzip() != strings.Contains(name, "gzip") {
				t.Errorf("%s %s: format %q gzip %v rows %d, want %q %d (%+v)", tt.file, name, r.Format(), r.Gzip(), len(recs), tt.want, want, r.Stats())
			}
			if r.Stats().BytesRead < int64(len(data)) {
				t.Errorf("%s %s: BytesRead %d < %d", tt.file, name, r.Stats().BytesRead, len(data))
			}
		}
	}
}

func TestSniffNotALog(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "PNG image"},
		{"elf", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", "ELF executable"},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", "ZIP archive"},
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"},
		{"binary", strings.Repeat("\x00\x01\x02\x03abc", 100), "binary data"},
		{"prose", "It was a bright cold day in April,\nand the clocks were striking thirteen.\n", "no line matches a known format"},
		{"csv", "name,age,city\nalice,30,paris\n", "no line matches a known format"},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			in := []byte(tt.in)
			if gz {
				in = gzipBytes(t, in)
			}
			_, err := NewReader(bytes.NewReader(in), Options{})
			if !isNotALog(err) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("%s (gzip %v): err = %v, want ErrNotALog with %q", tt.name, gz, err, tt.reason)
			}
		}
	}
}

func TestSniffEmpty(t *testing.T) {
	amplifyHeaderOnly := strings.SplitAfter(string(repoFile(t, amplifySample)), "\n")[0]
	tests := []struct {
		name, in      string
		lines, format string
		wantLines     int64
	}{
		{name: "empty", in: ""},
		{name: "blank lines", in: "\n\r\n  \n", wantLines: 3},
		{name: "amplify header", in: amplifyHeaderOnly, format: string(Amplify), wantLines: 1},
		{name: "cloudfront header", in: "#Version: 1.0\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n", format: string(CloudFront), wantLines: 2},
		{name: "bom only", in: "\xef\xbb\xbf", wantLines: 1},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			in := []byte(tt.in)
			if gz {
				in = gzipBytes(t, in)
			}
			r, err := NewReader(bytes.NewReader(in), Options{})
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("%s: Next = %v, want io.EOF", tt.name, err)
			}
			st := r.Stats()
			checkStats(t, st)
			if string(r.Format()) != tt.format || st.Lines != tt.wantLines || st.Skipped != tt.wantLines {
				t.Errorf("%s: format %q stats %+v", tt.name, r.Format(), st)
			}
		}
	}
}

func TestTruncatedGzip(t *testing.T) {
	data := repoFile(t, "elastic-examples/apache_logs")
	gz := gzipBytes(t, data)
	cut := gz[:len(gz)/2]
	r, err := NewReader(bytes.NewReader(cut), Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	st := r.Stats()
	if len(recs) < 1000 || len(recs) >= 10000 || st.Reasons[ReasonTruncated] > 1 || st.Rejected != st.Reasons[ReasonTruncated] {
		t.Errorf("%d records, stats %+v", len(recs), st.Reasons)
	}
	// the error is sticky
	if _, err2 := r.Next(); !errors.Is(err2, io.ErrUnexpectedEOF) {
		t.Errorf("second Next = %v", err2)
	}
}

// A gzip whose data is cut or damaged before the first line inflates is not
// a log, and the error says why rather than blaming the content.
func TestGzipDamagedBeforeFirstLine(t *testing.T) {
	gz := gzipBytes(t, []byte(strings.Repeat(clfLine, 50)))
	damaged := bytes.Clone(gz)
	for i := 10; i < 20; i++ { // the first bytes of the deflate stream
		damaged[i] = 0xff
	}
	for name, in := range map[string][]byte{"cut after the header": gz[:12], "damaged deflate": damaged} {
		_, err := NewReader(bytes.NewReader(in), Options{})
		if !isNotALog(err) || !strings.Contains(err.Error(), "gzip data cut off or damaged") {
			t.Errorf("%s: err = %v, want not a log: gzip data cut off or damaged", name, err)
		}
	}
}

// Files that each start with a BOM, concatenated: the BOMs in the middle
// are not part of the header or of the client address either.
func TestConcatenatedBOM(t *testing.T) {
	semi := string(repoFile(t, "hostile/amplify-spreadsheet-semicolon.csv"))
	recs, r := readString(t, semi+semi, Options{})
	if st := r.Stats(); len(recs) != 12 || st.Skipped != 2 || st.Rejected != 0 {
		t.Errorf("Amplify: %d records, %+v", len(recs), st)
	}
	bomCLF := "\xef\xbb\xbf" + clfLine
	recs, r = readString(t, bomCLF+bomCLF, Options{})
	if len(recs) != 2 || r.Stats().Rejected != 0 {
		t.Errorf("combined: %d records, %+v", len(recs), r.Stats())
	}
}

func withNL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return append(append([]byte(nil), b...), '\n')
	}
	return b
}
