package logformat

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

const clfLine = `203.0.113.9 - - [29/Sep/2021:12:37:05 +0200] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"` + "\n"

// repeatReader yields c forever.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestLineTooLong(t *testing.T) {
	const huge = 50 << 20
	in := io.MultiReader(
		strings.NewReader(clfLine),
		io.LimitReader(repeatReader('a'), huge),
		strings.NewReader("\n"+clfLine),
		// a final over-long line without a newline
		io.LimitReader(repeatReader('b'), 1<<20),
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewReader(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if len(recs) != 2 || st.Reasons[ReasonLineTooLong] != 2 || st.Lines != 4 {
		t.Errorf("%d records, stats %+v", len(recs), st)
	}
	if st.Samples[0].Line != 2 || len(st.Samples[0].Text) != sampleBytes {
		t.Errorf("sample %d %d", st.Samples[0].Line, len(st.Samples[0].Text))
	}
	if want := int64(huge + 1<<20 + 2*len(clfLine) + 1); st.BytesRead != want {
		t.Errorf("BytesRead %d, want %d", st.BytesRead, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d bytes reading a 50 MB line", alloc)
	}
}

func TestMaxLineBytesOption(t *testing.T) {
	long := `203.0.113.9 - - [29/Sep/2021:12:37:05 +0200] "GET /` + strings.Repeat("x", 300) + ` HTTP/1.1" 200 512 "-" "-"` + "\n"
	recs, r := readString(t, clfLine+long+clfLine, Options{MaxLineBytes: 200})
	if len(recs) != 2 || r.Stats().Reasons[ReasonLineTooLong] != 1 {
		t.Errorf("%d records, %+v", len(recs), r.Stats())
	}
}

// bomb returns gzip data that inflates to n bytes of repeated log lines.
func bomb(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	line := []byte(clfLine)
	for w := 0; w < n; w += len(line) {
		zw.Write(line)
	}
	zw.Close()
	return buf.Bytes()
}

func TestGzipBomb(t *testing.T) {
	data := bomb(t, 20<<20)
	if len(data) > 200<<10 {
		t.Fatalf("bomb is %d bytes", len(data))
	}
	tests := []struct {
		name string
		opt  Options
	}{
		{"size limit", Options{MaxInflatedBytes: 2 << 20}},
		{"ratio limit", Options{MaxInflateRatio: 20}},
	}
	for _, tt := range tests {
		r, err := NewReader(bytes.NewReader(data), tt.opt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		recs, err := readAll(t, r)
		if !errors.Is(err, ErrInputTooLarge) {
			t.Errorf("%s: err = %v, want ErrInputTooLarge", tt.name, err)
		}
		if st := r.Stats(); len(recs) == 0 || st.BytesRead > 3<<20 {
			t.Errorf("%s: %d records, %d bytes read", tt.name, len(recs), st.BytesRead)
		}
	}
	// within the limits the same input reads to the end
	r, err := NewReader(bytes.NewReader(data), Options{MaxInflatedBytes: 21 << 20, MaxInflateRatio: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(t, r); err != nil {
		t.Errorf("within limits: %v", err)
	}
}

func TestGzipBombInPrefix(t *testing.T) {
	_, err := NewReader(bytes.NewReader(bomb(t, 1<<20)), Options{MaxInflatedBytes: 10 << 10})
	if !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("err = %v, want ErrInputTooLarge", err)
	}
}

func TestHostileFieldBytes(t *testing.T) {
	lines := []string{
		"203.0.113.9 - - [29/Sep/2021:12:37:05 +0200] \"GET /a\x00b HTTP/1.1\" 200 5 \"-\" \"x\x00\xff\xfey\"\n",
		"203.0.113.9 - - [29/Sep/2021:12:37:05 +0200] \"GET /%00%ff%c0%af HTTP/1.1\" 200 5 \"-\" \"\\xff\\x00\"\n",
	}
	recs, r := readString(t, strings.Join(lines, ""), Options{})
	if len(recs) != 2 || r.Stats().Rejected != 0 {
		t.Fatalf("%d records, %+v", len(recs), r.Stats())
	}
	// bytes are kept as logged, not replaced
	if recs[0].Path != "/a\x00b" || recs[0].UA != "x\x00\xff\xfey" || recs[1].Path != "/\x00\xff\xc0\xaf" || recs[1].UA != "\xff\x00" {
		t.Errorf("%q %q %q %q", recs[0].Path, recs[0].UA, recs[1].Path, recs[1].UA)
	}
}

func TestRecordReused(t *testing.T) {
	r, err := NewReader(strings.NewReader(clfLine+strings.Replace(clfLine, "index", "other", 1)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Next()
	keep := *a
	b, _ := r.Next()
	if a != b || keep.Path != "/index.html" || b.Path != "/other.html" {
		t.Errorf("reuse: %p %p %q %q", a, b, keep.Path, b.Path)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("third Next = %v", err)
	}
	checkStats(t, r.Stats())
}

func TestUnknownHint(t *testing.T) {
	if _, err := NewReader(strings.NewReader(clfLine), Options{Hint: "syslog"}); err == nil {
		t.Error("unknown hint accepted")
	}
}

// errReader fails after its data.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReadErrorMidLine(t *testing.T) {
	boom := errors.New("connection reset")
	r, err := NewReader(&errReader{data: []byte(clfLine + clfLine[:30]), err: boom}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, r)
	if !errors.Is(err, boom) || len(recs) != 1 || r.Stats().Reasons[ReasonTruncated] != 1 {
		t.Errorf("err %v, %d records, %+v", err, len(recs), r.Stats())
	}
}
