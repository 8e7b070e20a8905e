package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/report"
)

// Progress is told how far a local run has read; it may be nil.
type Progress func(file string, read, total int64)

// AnalyzeFiles is the local run: the same rules, analyzer and report code as
// the AWS stages, in one process. Locally there is no need to shuffle rows into
// chunk objects, so the files stream straight into one rule engine (its memory
// grows with the actors, not the rows). Several files make one report.
func (s *Stages) AnalyzeFiles(ctx context.Context, paths []string, progress Progress) (*report.Report, error) {
	paths, err := expandPaths(paths)
	if err != nil {
		return nil, err
	}
	// The files are read again if the engine goes over budget (runEngines):
	// each reading accounts for them anew.
	var (
		acc      *inputs
		timeline evidence.Histogram
		src      report.Source
	)
	files := func(ctx context.Context, emit func(*record.Record) error) error {
		// Overlapping downloads (two console downloads of adjacent ranges) repeat rows: count them once.
		acc, timeline, src = newInputs(len(paths)), evidence.Histogram{}, report.Source{}
		observe := acc.filter(func(rec *record.Record) error { timeline.Add(rec.Time); return emit(rec) })
		for _, p := range paths {
			res, size, err := s.scanFile(ctx, p, observe, progress)
			if err != nil {
				return err
			}
			name := ""
			if len(paths) > 1 {
				name = p
			}
			acc.add(res, name)
			src.Size += size
		}
		return nil
	}
	ch, list, err := s.runEngines(ctx, files, 0, nil)
	if err != nil {
		return nil, err
	}
	defer list.discard()
	input := acc.account()
	src.Format, src.Gzip = acc.format(), acc.gzip
	src.Name = paths[0]
	if len(paths) > 1 {
		src.Name = fmt.Sprintf("%s and %d more files", paths[0], len(paths)-1)
	}
	ch.Timeline = &timeline
	run := analysis.RunInfo{Format: runFormat(src.Format), Deadline: deadline(ctx)}
	sess := s.analyzer().Begin(run)
	var verdicts *analysis.ClassifyResult
	if len(ch.Suspicious) > 0 {
		res, err := classify(ctx, sess, ch.Suspicious)
		if err != nil {
			return nil, err
		}
		verdicts = &res
	}
	re := s.newRunEvidence()
	re.add(ch, verdicts, func() (io.ReadCloser, error) {
		if _, err := list.f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return gunzipped(io.NopCloser(list.f), nil)
	})
	return s.reportWithAddressFile(ctx, run, sess, src, input, re)
}

// reportWithAddressFile builds a local run's report and its address file:
// at s.AddressFile, or else in a temporary file, kept (and named in the
// report) only when the report counts addresses in groups that it does not
// list one by one.
func (s *Stages) reportWithAddressFile(ctx context.Context, run analysis.RunInfo, sess analysis.Session, src report.Source, input report.Input, re *runEvidence) (*report.Report, error) {
	var (
		f   *os.File
		err error
	)
	if s.AddressFile != "" {
		f, err = os.Create(s.AddressFile)
	} else {
		f, err = os.CreateTemp("", "logsift-addresses-*.csv")
	}
	if err != nil {
		return nil, fmt.Errorf("address file: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 64<<10)
	rep, err := s.buildReport(ctx, run, sess, src, input, re, &addressDest{name: f.Name(), w: bw})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil || (s.AddressFile == "" && rep.Summary.Grouped == 0) {
		os.Remove(f.Name())
		if err != nil {
			return nil, fmt.Errorf("address file: %w", err)
		}
		rep.AddressFile = nil
	}
	return rep, nil
}

func (s *Stages) scanFile(ctx context.Context, path string, emit func(*record.Record) error, progress Progress) (scanResult, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return scanResult{}, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return scanResult{}, 0, err
	}
	var r io.Reader = f
	if progress != nil {
		r = &progressReader{r: f, file: path, total: fi.Size(), fn: progress}
	}
	res, err := scan(ctx, r, s.Format, emit)
	if err != nil {
		if isNotALog(err) {
			return res, 0, fmt.Errorf("%s: %w", path, err)
		}
		return res, 0, fmt.Errorf("read %s: %w", path, err)
	}
	if progress != nil {
		progress(path, fi.Size(), fi.Size())
	}
	return res, fi.Size(), nil
}

// progressReader reports bytes read (compressed bytes, for gzip input).
type progressReader struct {
	r     io.Reader
	file  string
	read  int64
	total int64
	last  int64
	fn    Progress
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if p.read-p.last >= 4<<20 {
		p.last = p.read
		p.fn(p.file, p.read, p.total)
	}
	return n, err
}

// expandPaths replaces each folder with the files under it (hidden files and
// folders left out, in name order), so that a downloaded bucket of small .gz
// logs makes one report.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if q != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				out = append(out, q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: folder holds no files", p)
		}
	}
	return out, nil
}
