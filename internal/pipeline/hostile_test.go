package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/logsift/logsift/internal/hostile"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/store"
)

// hostileDeadline bounds every run on a hostile file: a hang is a failure.
const hostileDeadline = 20 * time.Second

// hostileName names a case's subtest; the bomb runs under two limits.
func hostileName(c hostile.Case) string {
	if c.MaxInflatedBytes > 0 {
		return fmt.Sprintf("%s/limit=%d", c.Name, c.MaxInflatedBytes)
	}
	return c.Name
}

// hostilePath is where the case's file is: checked in, or written into gen.
func hostilePath(c hostile.Case, gen string) string {
	if c.Generated {
		return filepath.Join(gen, c.Name)
	}
	return filepath.Join("..", "..", "testdata", "hostile", c.Name)
}

// guarded runs fn with a context that expires after hostileDeadline and fails
// the test if fn panics or does not return soon after, instead of letting one
// hostile file take the whole test binary down or hang it. It returns the
// bytes allocated while fn ran (TotalAlloc growth: the tests using it do not
// run in parallel, so little else allocates meanwhile) and fn's error.
func guarded(t *testing.T, fn func(ctx context.Context) error) (uint64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	type result struct {
		err   error
		alloc uint64
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.panic = p
			}
			done <- r
		}()
		r.err = fn(ctx)
		runtime.ReadMemStats(&after)
		r.alloc = after.TotalAlloc - before.TotalAlloc
	}()
	select {
	case r := <-done:
		if r.panic != nil {
			t.Fatalf("panic: %v", r.panic)
		}
		return r.alloc, r.err
	case <-time.After(hostileDeadline + 5*time.Second):
		t.Fatalf("still running %v after the deadline", hostileDeadline)
		return 0, nil
	}
}

func checkAlloc(t *testing.T, w hostile.Want, alloc uint64) {
	t.Helper()
	if w.MaxAlloc > 0 {
		t.Logf("allocated %.1f MiB", float64(alloc)/(1<<20))
	}
	if w.MaxAlloc > 0 && alloc > w.MaxAlloc {
		t.Errorf("allocated %d MiB, want under %d MiB", alloc>>20, w.MaxAlloc>>20)
	}
}

func report1(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// TestHostileInput runs every file of the hostile corpus through the local
// run and the AWS Parse stage: each must end in the case's outcome, with
// every line accounted for, no panic, no hang, and bounded memory.
func TestHostileInput(t *testing.T) {
	gen := t.TempDir()
	if err := hostile.Write(gen); err != nil {
		t.Fatal(err)
	}
	for _, c := range hostile.Cases {
		t.Run(hostileName(c), func(t *testing.T) {
			if c.Skip != "" {
				t.Skip("known bug: " + c.Skip)
			}
			path := hostilePath(c, gen)
			t.Run("local", func(t *testing.T) { hostileLocal(t, c, path) })
			t.Run("parse", func(t *testing.T) { hostileParse(t, c, path) })
		})
	}
}

func hostileLocal(t *testing.T, c hostile.Case, path string) {
	st := newStages(t)
	st.Format.MaxInflatedBytes = c.MaxInflatedBytes
	var rep *report.Report
	alloc, err := guarded(t, func(ctx context.Context) (err error) {
		rep, err = st.AnalyzeFiles(ctx, []string{path}, nil)
		return err
	})
	checkAlloc(t, c.Want, alloc)
	if c.Want.Err != nil {
		report1(t, c.Want.CheckError(err, path))
		return
	}
	if err != nil {
		t.Fatalf("AnalyzeFiles: %v", err)
	}
	report1(t, c.Want.CheckInput(rep.Input))
	if got := len(rep.Findings) > 0; got != c.Want.Findings {
		t.Errorf("findings %v, want findings: %v", actorsOf(rep), c.Want.Findings)
	}
	for _, format := range []string{"text", "md", "html"} {
		var buf bytes.Buffer
		if err := report.Render(&buf, rep, format); err != nil {
			t.Fatalf("render %s: %v", format, err)
		}
		report1(t, hostile.CheckRender(format, buf.Bytes(), c.Want.Shows...))
	}
	// The Notify stage's email body is plain text too.
	var mail bytes.Buffer
	if err := report.EmailText(&mail, rep, report.EmailLinks{Console: "https://example.com/report.html"}); err != nil {
		t.Fatal(err)
	}
	report1(t, hostile.CheckRender("text", mail.Bytes()))
}

func hostileParse(t *testing.T, c hostile.Case, path string) {
	st := newStages(t)
	st.Format.MaxInflatedBytes = c.MaxInflatedBytes
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	src := SourceRef{Bucket: "hostile", Key: "uploads/" + c.Name, ETag: "e1", Size: fi.Size()}
	if err := st.Store.Put(ctx, src.Key, f, ""); err != nil {
		t.Fatal(err)
	}

	var out ParseOutput
	alloc, err := guarded(t, func(ctx context.Context) (err error) {
		out, err = st.Parse(ctx, src)
		return err
	})
	checkAlloc(t, c.Want, alloc)
	if c.Want.Err != nil {
		report1(t, c.Want.CheckError(err, src.Key))
		return
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var in report.Input
	if err := st.getJSON(ctx, out.InputKey, &in); err != nil {
		t.Fatal(err)
	}
	report1(t, c.Want.CheckInput(in))
	if out.Lines != in.Lines || out.Rows != in.Parsed || out.Skipped != in.Skipped || out.Rejected != in.Rejected {
		t.Errorf("stage output %d/%d/%d/%d lines/rows/skipped/rejected, input account %+v", out.Lines, out.Rows, out.Skipped, out.Rejected, in)
	}
	// Every parsed row must reach a chunk: count what the chunks hold.
	var rows, listed int64
	for _, ch := range out.Chunks {
		listed += ch.Rows
		rc, err := st.Store.Open(ctx, ch.Key)
		if err != nil {
			t.Fatal(err)
		}
		err = readChunk(ctx, rc, func(*record.Record) error { rows++; return nil })
		rc.Close()
		if err != nil {
			t.Fatalf("chunk %s: %v", ch.Key, err)
		}
	}
	if rows != in.Parsed || listed != in.Parsed {
		t.Errorf("chunks hold %d rows (listed %d), parsed %d", rows, listed, in.Parsed)
	}
}

// TestHostileParseMessage checks that the Parse stage's error for a file
// that is not a log says so once; it is what the failure email shows.
func TestHostileParseMessage(t *testing.T) {
	st := newStages(t)
	ctx := context.Background()
	src := SourceRef{Bucket: "hostile", Key: "uploads/prose.txt", ETag: "e1", Size: 40}
	if err := st.Store.Put(ctx, src.Key, bytes.NewReader([]byte("Dear diary,\nno logs today.\n")), ""); err != nil {
		t.Fatal(err)
	}
	_, err := st.Parse(ctx, src)
	if err == nil || strings.Count(err.Error(), "not a log logsift can read") != 1 {
		t.Errorf("Parse error %q, want one saying once that the file is not a log", err)
	}
}

// TestHostileFileName checks that a file (or S3 key) name carrying terminal
// escapes, HTML and Markdown is neutralised in every render: the name is
// attacker-controlled when a bucket accepts uploads from a tool.
func TestHostileFileName(t *testing.T) {
	name := "a\x1b]0;x\x07\x1b[2J<script>alert(1)<\u2215script>`<img src=x>`\nb](javascript:alert(2)).log"
	path := filepath.Join(t.TempDir(), name)
	line := hostile.Combined("198.51.100.23", hostile.Start, "GET", "/.env", 200, "curl/8.4.0")
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	local, err := newStages(t).AnalyzeFiles(ctx, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := newStages(t)
	staged, out, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "md", "html"} {
		var show []string
		if format != "md" { // Markdown shows a cleaned-up base name only
			show = []string{"alert(1)"}
		}
		for run, rep := range map[string]*report.Report{"local": local, "staged": staged} {
			var buf bytes.Buffer
			if err := report.Render(&buf, rep, format); err != nil {
				t.Fatal(err)
			}
			for _, p := range hostile.CheckRender(format, buf.Bytes(), show...) {
				t.Errorf("%s: %s", run, p)
			}
		}
	}
	// The email: subjects go into a mail header (SNS allows printable ASCII,
	// at most 100 characters, no newline), bodies are plain text.
	for _, subj := range []string{report.Subject(local, name), report.FailureSubject(name, "parse")} {
		if len(subj) > 100 || strings.IndexFunc(subj, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
			t.Errorf("subject %q is not at most 100 printable ASCII characters", subj)
		}
	}
	var mail bytes.Buffer
	if err := report.EmailText(&mail, local, report.EmailLinks{Console: "https://example.com/report.html"}); err != nil {
		t.Fatal(err)
	}
	if err := report.FailureText(&mail, name, "parse", name+" is not a log logsift can read"); err != nil {
		t.Fatal(err)
	}
	report1(t, hostile.CheckRender("text", mail.Bytes(), "alert(1)"))

	// What Aggregate stored is what the email links to.
	for format, key := range map[string]string{"text": out.Report.Text, "md": out.Report.MD, "html": out.Report.HTML} {
		rc, err := st.Store.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err = buf.ReadFrom(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range hostile.CheckRender(format, buf.Bytes()) {
			t.Errorf("stored %s: %s", key, p)
		}
	}
}

// resetStore is a bucket whose objects fail to read, as an S3 stream does
// when the connection drops, after the first n bytes.
type resetStore struct {
	store.Dir
	n int64
}

var errReset = errors.New("read tcp 10.0.0.1:443: connection reset by peer")

func (s resetStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.Dir.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, s.n), iotest.ErrReader(errReset)), rc}, nil
}

// TestHostileReadError checks that a read error before the first byte is
// reported as what it is, not as a file that is not a log: the email would
// otherwise tell the user their log is unreadable after a network blip.
func TestHostileReadError(t *testing.T) {
	st := newStages(t)
	st.Store = resetStore{Dir: st.Store.(store.Dir)}
	ctx := context.Background()
	line := hostile.Combined("100.64.0.1", hostile.Start, "GET", "/", 200, "curl/8.4.0")
	src := SourceRef{Bucket: "hostile", Key: "uploads/a.log", ETag: "e1", Size: int64(len(line))}
	if err := st.Store.Put(ctx, src.Key, strings.NewReader(line), ""); err != nil {
		t.Fatal(err)
	}
	_, err := st.Parse(ctx, src)
	if !errors.Is(err, errReset) || isNotALog(err) {
		t.Errorf("Parse error %q, want the read error, not a verdict on the file", err)
	}
}
