package logformat

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/testfiles"
)

// repoFile reads a file under the repository's testdata/.
func repoFile(t testing.TB, rel string) []byte { return testfiles.Read(t, rel) }

// readAll reads every record (copied) and checks the invariants every
// test relies on. The error is the one that ended reading (nil at io.EOF).
func readAll(t testing.TB, r *Reader) ([]record.Record, error) {
	t.Helper()
	var recs []record.Record
	var end error
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			end = err
			break
		}
		checkRecord(t, rec)
		recs = append(recs, *rec)
	}
	checkStats(t, r.Stats())
	if got := r.Stats().Parsed; got != int64(len(recs)) {
		t.Errorf("Stats.Parsed = %d, records returned = %d", got, len(recs))
	}
	return recs, end
}

func checkRecord(t testing.TB, rec *record.Record) {
	t.Helper()
	if !rec.Client.IsValid() || rec.Client.Is4In6() || rec.Client.Zone() != "" {
		t.Errorf("line %d: bad client %v", rec.Line, rec.Client)
	}
	if rec.Time.Location() != time.UTC || rec.Time.IsZero() {
		t.Errorf("line %d: time %v not UTC", rec.Line, rec.Time)
	}
	if rec.Line <= 0 {
		t.Errorf("line number %d", rec.Line)
	}
}

func checkStats(t testing.TB, st Stats) {
	t.Helper()
	if st.Lines != st.Parsed+st.Skipped+st.Rejected {
		t.Errorf("Lines %d != Parsed %d + Skipped %d + Rejected %d", st.Lines, st.Parsed, st.Skipped, st.Rejected)
	}
	var sum int64
	for _, n := range st.Reasons {
		sum += n
	}
	if sum != st.Rejected {
		t.Errorf("reasons sum %d != Rejected %d (%v)", sum, st.Rejected, st.Reasons)
	}
}

// readString parses s with opt and returns the records and reader.
func readString(t testing.TB, s string, opt Options) ([]record.Record, *Reader) {
	t.Helper()
	r, err := NewReader(strings.NewReader(s), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	recs, err := readAll(t, r)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return recs, r
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func isNotALog(err error) bool { return errors.Is(err, ErrNotALog) }
