package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/amplifytest"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/report"
)

// amplifyDownload writes an Amplify CSV with one request a minute in
// [from, to), each with its own x-edge-request-id, from alternating clients.
func amplifyDownload(t *testing.T, dir, name string, from, to time.Time, idPrefix string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(amplifytest.Header + "\n")
	for at := from; at.Before(to); at = at.Add(time.Minute) {
		client := fmt.Sprintf("198.51.100.%d", at.Minute()%7+1)
		b.WriteString(amplifytest.Row(at, client, "/index.html", 200, idPrefix+at.Format("0102T1504")+"==", "www.example.com") + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDuplicatesAcrossOverlappingDownloads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	// Two console downloads padded to whole hours: 06:00-08:00 and 07:00-09:00 share the 60 rows of 07:00.
	a := amplifyDownload(t, dir, "a.csv", h, h.Add(2*time.Hour), "id-")
	b := amplifyDownload(t, dir, "b.csv", h.Add(time.Hour), h.Add(3*time.Hour), "id-")
	// Rows of another site (other ids) at the same times are not repeats.
	c := amplifyDownload(t, dir, "c.csv", h.Add(time.Hour), h.Add(2*time.Hour), "other-")

	tests := []struct {
		name   string
		files  []string
		parsed int64
		dups   int64
	}{
		{"one file: no set, no duplicates", []string{a}, 120, 0},
		{"overlapping downloads", []string{a, b}, 240, 60},
		{"in either order", []string{b, a}, 240, 60},
		{"same times, other requests", []string{a, c}, 180, 0},
		{"the same file twice", []string{a, a}, 240, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := newStages(t).AnalyzeFiles(ctx, tt.files, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Input.Parsed != tt.parsed || rep.Input.Duplicates != tt.dups {
				t.Errorf("parsed %d, duplicates %d; want %d and %d", rep.Input.Parsed, rep.Input.Duplicates, tt.parsed, tt.dups)
			}
		})
	}

	// The staged run: a manifest naming both downloads counts the shared hour once too.
	st := newStages(t)
	for i, p := range []string{a, b} {
		body, _ := os.ReadFile(p)
		st.Store.Put(ctx, fmt.Sprintf("logs/amplify/part-%d.csv", i), strings.NewReader(string(body)), "")
	}
	manifest := "# logsift manifest\nlogs/amplify/\n"
	st.Store.Put(ctx, "uploads/m.txt", strings.NewReader(manifest), "")
	p, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/m.txt", ETag: "e", Size: int64(len(manifest))})
	if err != nil {
		t.Fatal(err)
	}
	var in report.Input
	if err := st.getJSON(ctx, p.InputKey, &in); err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, c := range p.Chunks {
		rows += c.Rows
	}
	if in.Duplicates != 60 || rows != 180 {
		t.Errorf("manifest run: duplicates %d, %d rows in chunks; want 60 and 180", in.Duplicates, rows)
	}
}

// BenchmarkDedup filters rows of two inputs, the second repeating half of the first: the cost per
// row of counting repeats, and the set's memory (bytes/op over b.N rows stays bounded by the cap).
func BenchmarkDedup(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("k7QT5Bn3z4QlGFqYb-DqDux7h4lhvCPIGesWlCGv-z1%08d==", i)
	}
	rec := &record.Record{}
	var kept int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		d := newDedup(2)
		emit := d.filter(func(*record.Record) error { kept++; return nil })
		for input := range 2 {
			for j := input * len(ids) / 2; j < len(ids) && i < b.N; j++ {
				rec.RequestID = ids[j]
				emit(rec)
				i++
			}
			d.endInput()
		}
	}
}
