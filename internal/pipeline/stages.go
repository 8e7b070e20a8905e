// Package pipeline holds the five stages of a logsift run (parse, filter,
// analyze, aggregate, notify) as plain functions over a Store. The Lambda
// handlers in functions/ and the local runner in cmd/logsift are two thin ways
// to call them.
package pipeline

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/analysis/offline"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/store"
)

// Defaults for Stages fields left zero.
const (
	DefaultMaxChunks  = 32       // keeps the inline Map's result and event history small
	DefaultChunkBytes = 64 << 20 // input bytes per chunk before another chunk is added
	gzipExpansion     = 8        // assumed inflation of gzip input when sizing chunks
)

// Notifier sends the email.
type Notifier interface {
	// Subscribed reports whether anyone would receive a message: SNS accepts
	// a publish when no subscription is confirmed and delivers it to no one.
	Subscribed(ctx context.Context) (bool, error)
	Notify(ctx context.Context, subject, body string) (messageID string, err error)
}

// Linker makes a link that opens a stored object without signing in.
type Linker interface {
	Link(ctx context.Context, key string) (store.Link, error)
}

// Stages is the configuration of the stages; one value serves every stage
// and every run, and nothing in it changes during a run (what belongs to one
// run is in the analyzer's Session). A Lambda fills in only what its stage
// uses (see internal/awsenv).
type Stages struct {
	Store  store.Store
	Detect detect.Config
	// Analyzer is the model; nil means the rules alone (Floor). Its answers
	// are given Floor's verdicts as their floor (analysis.WithFallback).
	Analyzer analysis.Analyzer
	// Floor judges the actors no model saw and is the floor of every model
	// answer (default offline.Analyzer).
	Floor    analysis.Analyzer
	Notifier Notifier
	// Links presigns the email's link to the HTML report (Notify); nil: the
	// email links the S3 console only.
	Links Linker
	// QuietPrefixes hold the keys of scheduled runs (the Amplify fetch, the
	// daily digest), which nobody waits for: a report under them with
	// nothing to report sends no email (NotifyOn findings). Empty: every run
	// emails.
	QuietPrefixes []string
	Format        logformat.Options // parser limits and format hint

	MaxChunks    int
	ChunkBytes   int64
	WorkPrefix   string // default "work/"
	ReportPrefix string // default "reports/"
	// LogPrefix, when set, is the only prefix a manifest may name logs under:
	// on AWS, Parse's role reads that prefix and the upload prefix, not the
	// whole bucket. Empty: anywhere outside the work and report prefixes.
	LogPrefix string
	// TempDir holds chunk files while Parse writes them (default os.TempDir()).
	TempDir string
	// ActorBudget and RichBudget bound one rule engine (actors, and actors
	// with rule matches; defaults DefaultActorBudget, DefaultRichBudget):
	// past them the rows are partitioned by address block, one engine
	// each (engines.go).
	ActorBudget, RichBudget int
	// AddressFile is where a local run (AnalyzeFiles) writes the complete
	// list of suspicious addresses; empty: a temporary file, kept and named
	// in the report only when the report groups addresses it does not list.
	AddressFile string
	Logger      *slog.Logger
}

func (s *Stages) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// analyzer is the run's analyzer: the model with the rules as its floor, or
// the rules alone.
func (s *Stages) analyzer() analysis.Analyzer {
	if s.Analyzer == nil {
		return s.floor()
	}
	return analysis.WithFallback(s.Analyzer, s.floor())
}

func (s *Stages) floor() analysis.Analyzer {
	if s.Floor != nil {
		return s.Floor
	}
	return offline.Analyzer{}
}

func (s *Stages) workPrefix() string   { return orDefault(s.WorkPrefix, "work/") }
func (s *Stages) reportPrefix() string { return orDefault(s.ReportPrefix, "reports/") }

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// RunID names a run after the object version it analyses, so that the same
// upload delivered twice maps to the same keys (EventBridge names executions
// itself, so Step Functions' name-based idempotency does not help).
func RunID(src SourceRef) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", src.Bucket, src.Key, strings.Trim(src.ETag, `"`), src.Size)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

func (s *Stages) workKey(run string, parts ...string) string {
	return s.workPrefix() + run + "/" + strings.Join(parts, "/")
}

// reportBase is where a run's reports go: reports/<source key>/<run>.
func (s *Stages) reportBase(src SourceRef, run string) string {
	return s.reportPrefix() + src.Key + "/" + run
}

func (s *Stages) pageSizesKey(run string) string { return s.workKey(run, "pagesizes.json") }

// addressesKey is where Filter stores a chunk's address list (beside its
// evidence, which Filter may write and Aggregate read).
func (s *Stages) addressesKey(run string, chunk int) string {
	return s.workKey(run, "evidence", fmt.Sprintf("%03d.addresses.csv.gz", chunk))
}

func (s *Stages) sentKey(src SourceRef, run string) string { return s.reportBase(src, run) + ".sent" }

// putJSON stores v as JSON.
func (s *Stages) putJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.Store.Put(ctx, key, bytes.NewReader(b), "application/json")
}

// getJSON loads JSON from key into v, refusing objects over limit bytes.
func (s *Stages) getJSON(ctx context.Context, key string, v any) error {
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	const limit = 256 << 20
	dec := json.NewDecoder(io.LimitReader(rc, limit))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// chunkCount sizes the partitioning from the object size.
func (s *Stages) chunkCount(size int64, gz bool) int {
	maxc := s.MaxChunks
	if maxc <= 0 {
		maxc = DefaultMaxChunks
	}
	per := s.ChunkBytes
	if per <= 0 {
		per = DefaultChunkBytes
	}
	if gz {
		size *= gzipExpansion
	}
	k := int((size + per - 1) / per)
	// Above the cap chunks simply get bigger: the Filter of one chunk streams its
	// rows, and its memory grows with the actors in it, not the rows.
	return max(1, min(k, maxc))
}

// tempFile makes a file for a chunk under TempDir.
func (s *Stages) tempFile(pattern string) (*os.File, error) {
	return os.CreateTemp(s.TempDir, pattern)
}

// chunkWriter is one partition being written: a gzip'd record stream.
type chunkWriter struct {
	*gzipFile
	enc  *record.Encoder
	rows int64
}

func (s *Stages) newChunkWriter() (*chunkWriter, error) {
	g, err := s.newGzipFile("logsift-chunk-*", 256<<10)
	if err != nil {
		return nil, err
	}
	return &chunkWriter{gzipFile: g, enc: record.NewEncoder(g.gz)}, nil
}

func (c *chunkWriter) finish() error { return c.gzipFile.finish(c.enc.Close) }

// gzipFile is a temporary file written through gzip (BestSpeed), read back
// once it is finished.
type gzipFile struct {
	f  *os.File
	bw *bufio.Writer
	gz *gzip.Writer
}

func (s *Stages) newGzipFile(pattern string, buf int) (*gzipFile, error) {
	f, err := s.tempFile(pattern)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, buf)
	gz, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	return &gzipFile{f: f, bw: bw, gz: gz}, nil
}

// finish flushes the writer above the gzip stream (flush), the stream and
// the file, and rewinds the file for reading.
func (g *gzipFile) finish(flush func() error) error {
	if err := flush(); err != nil {
		return err
	}
	if err := g.gz.Close(); err != nil {
		return err
	}
	if err := g.bw.Flush(); err != nil {
		return err
	}
	_, err := g.f.Seek(0, io.SeekStart)
	return err
}

func (g *gzipFile) discard() {
	g.f.Close()
	os.Remove(g.f.Name())
}

// isNotALog reports whether err means the input is not something logsift reads.
func isNotALog(err error) bool {
	return errors.Is(err, logformat.ErrNotALog) || errors.Is(err, logformat.ErrInputTooLarge)
}
