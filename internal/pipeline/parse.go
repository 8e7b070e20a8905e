package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/store"
)

// maxMessageErrors is how many input errors Parse's one-line message names.
const maxMessageErrors = 3

// scanResult is the account of one input.
type scanResult struct {
	Format logformat.Format
	Gzip   bool
	Stats  logformat.Stats
	// Err is set when the input ended early (a truncated gzip, a limit hit):
	// what was read is still analysed and the report says so.
	Err error
}

// scan streams r through the format reader and hands every parsed record to
// emit. A file that is not a log at all is an error; everything else is
// accounted for in the stats.
func scan(ctx context.Context, r io.Reader, opt logformat.Options, emit func(*record.Record) error) (scanResult, error) {
	lr, err := logformat.NewReader(r, opt)
	if err != nil {
		return scanResult{}, err
	}
	res := scanResult{Format: lr.Format(), Gzip: lr.Gzip()}
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		rec, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.Err = err
			break
		}
		if err := emit(rec); err != nil {
			return res, err
		}
	}
	res.Stats = lr.Stats()
	if res.Format == "" {
		res.Format = lr.Format()
	}
	return res, nil
}

// inputAccount turns reader stats into the report's account of the input.
// name, when set, says which of several inputs an early end happened in.
func inputAccount(res scanResult, name string) report.Input {
	st := res.Stats
	in := report.Input{
		Lines:    st.Lines,
		Parsed:   st.Parsed,
		Skipped:  st.Skipped,
		Rejected: st.Rejected,
		Reasons:  st.Reasons,
		First:    st.First,
		Last:     st.Last,
	}
	for _, s := range st.Samples {
		in.Samples = append(in.Samples, report.Rejection{Line: s.Line, Reason: s.Reason, Text: s.Text})
	}
	if res.Err != nil {
		msg := "input ended early: " + res.Err.Error()
		if name != "" {
			msg = name + ": " + msg
		}
		in.Errors = append(in.Errors, msg)
	}
	return in
}

// mergeInput adds b's account to a's (several inputs of one run).
func mergeInput(a *report.Input, b report.Input) {
	a.Lines += b.Lines
	a.Parsed += b.Parsed
	a.Skipped += b.Skipped
	a.Rejected += b.Rejected
	a.Duplicates += b.Duplicates
	for k, v := range b.Reasons {
		if a.Reasons == nil {
			a.Reasons = map[string]int64{}
		}
		a.Reasons[k] += v
	}
	for _, s := range b.Samples {
		if len(a.Samples) < 20 {
			a.Samples = append(a.Samples, s)
		}
	}
	if !b.First.IsZero() && (a.First.IsZero() || b.First.Before(a.First)) {
		a.First = b.First
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	a.Errors = append(a.Errors, b.Errors...)
}

// inputs accounts for the inputs of one run (one upload, the objects of a
// manifest, several local files): their lines, formats and bytes, and the
// rows that overlapping downloads repeat, which it filters out.
type inputs struct {
	acc     report.Input
	formats []string
	gzip    bool
	bytes   int64 // uncompressed bytes read
	dd      *dedup
}

func newInputs(n int) *inputs { return &inputs{dd: newDedup(n)} }

// filter wraps emit so that a row an earlier input had is counted, not emitted.
func (in *inputs) filter(emit func(*record.Record) error) func(*record.Record) error {
	return in.dd.filter(emit)
}

// add accounts for one input that has been read; name, when set, says which
// input an early end happened in.
func (in *inputs) add(res scanResult, name string) {
	in.dd.endInput()
	mergeInput(&in.acc, inputAccount(res, name))
	in.gzip = in.gzip || res.Gzip
	in.bytes += res.Stats.BytesRead
	if f := string(res.Format); f != "" && !slices.Contains(in.formats, f) {
		in.formats = append(in.formats, f)
	}
}

// account is the run's account of its input, repeated rows included.
func (in *inputs) account() report.Input {
	a := in.acc
	a.Duplicates = in.dd.count()
	return a
}

// format names the formats read, comma-separated.
func (in *inputs) format() string { return strings.Join(in.formats, ",") }

// partition maps a client to one of k chunks by its block (IPv4 /24, IPv6
// /48), not its actor: a scan rotating through neighbouring addresses must
// reach one engine whole to be seen as one actor.
func partition(rec *record.Record, k int) int {
	if k <= 1 {
		return 0
	}
	p := record.Block(rec.Client)
	b, _ := p.MarshalBinary()
	h := fnv.New32a()
	h.Write(b)
	return int(h.Sum32() % uint32(k))
}

// Parse streams the uploaded object, accounts for every line, and partitions the
// rows by actor into chunk objects under work/<run>/chunks/.
func (s *Stages) Parse(ctx context.Context, in ParseInput) (ParseOutput, error) {
	run := RunID(in)
	out := ParseOutput{Run: run, Source: in, Chunks: []ChunkRef{}}
	log := s.log().With("stage", "parse", "run", run, "key", in.Key)

	sent, err := s.Store.Exists(ctx, s.sentKey(in, run))
	if err != nil {
		return out, fmt.Errorf("check earlier report: %w", err)
	}
	if sent {
		out.AlreadyReported = true
		out.Message = "this object version was already reported; nothing to do"
		log.Info("already reported")
		return out, nil
	}

	rc, err := s.openUpload(ctx, in)
	if errors.Is(err, store.ErrChanged) {
		return out, fmt.Errorf("%s was replaced after this upload event; the newer upload has a run of its own: %w", in.Key, err)
	}
	if err != nil {
		return out, fmt.Errorf("open upload: %w", err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)

	// One upload, or a manifest naming many objects for one report.
	objects := []store.Object{{Key: in.Key, Size: in.Size}}
	manifest := isManifest(br)
	if manifest {
		if objects, err = s.manifestObjects(ctx, in.Key, br); err != nil {
			return out, fmt.Errorf("%s: %w", in.Key, err)
		}
	}
	var total int64
	for _, o := range objects {
		total += o.Size
	}

	// The chunk count is fixed before reading; gzip is only known after
	// sniffing, so size for the worst case and let empty chunks drop out.
	parts, err := s.newPartitioner(s.chunkCount(total, true))
	if err != nil {
		return out, err
	}
	defer parts.discard()
	// The site-wide page-size histogram, so that every chunk's rules judge
	// catch-all answers as a single engine over the whole log would.
	sizes := detect.NewPageSizes()
	acc := newInputs(len(objects))
	emit := acc.filter(func(rec *record.Record) error {
		sizes.Observe(rec)
		return parts.emit(rec)
	})
	for _, o := range objects {
		var res scanResult
		if manifest {
			res, err = s.scanObject(ctx, o.Key, emit)
		} else {
			res, err = scan(ctx, br, s.Format, emit)
		}
		if err != nil {
			if isNotALog(err) {
				return out, fmt.Errorf("%s: %w", o.Key, err)
			}
			return out, fmt.Errorf("parse %s: %w", o.Key, err)
		}
		name := ""
		if manifest {
			name = o.Key
		}
		acc.add(res, name)
	}
	account := acc.account()
	out.Format, out.Gzip, out.Bytes = acc.format(), acc.gzip, acc.bytes
	out.Lines, out.Rows, out.Skipped, out.Rejected, out.Reasons = account.Lines, account.Parsed, account.Skipped, account.Rejected, account.Reasons
	out.Window = Window{First: account.First, Last: account.Last}
	out.Objects = len(objects)

	if out.Chunks, err = s.storeChunks(ctx, run, parts); err != nil {
		return out, err
	}
	out.InputKey = s.workKey(run, "input.json")
	if err := s.putJSON(ctx, out.InputKey, account); err != nil {
		return out, err
	}
	if err := s.putJSON(ctx, s.pageSizesKey(run), sizes); err != nil {
		return out, err
	}
	out.Message = parseMessage(out, account, manifest)
	log.Info("parsed", "format", out.Format, "bytes", out.Bytes, "rows", out.Rows, "rejected", out.Rejected, "chunks", len(out.Chunks))
	return out, nil
}

// parseMessage is Parse's one line for the console.
func parseMessage(out ParseOutput, account report.Input, manifest bool) string {
	msg := fmt.Sprintf("%s: %d rows parsed, %d rejected, %d skipped; %d chunks", out.Format, out.Rows, out.Rejected, out.Skipped, len(out.Chunks))
	if manifest {
		msg = fmt.Sprintf("manifest of %d objects; ", out.Objects) + msg
	}
	// The message is part of the state output, which Step Functions caps at
	// 256 KiB: a manifest of thousands of cut files must not list them all.
	if errs := account.Errors; len(errs) > 0 {
		if len(errs) > maxMessageErrors {
			errs = append(errs[:maxMessageErrors:maxMessageErrors], fmt.Sprintf("and %d more (see the report)", len(errs)-maxMessageErrors))
		}
		msg += "; " + strings.Join(errs, "; ")
	}
	return msg
}

// partitioner writes rows into k chunk files by their client's block.
type partitioner struct {
	writers []*chunkWriter
}

func (s *Stages) newPartitioner(k int) (*partitioner, error) {
	p := &partitioner{writers: make([]*chunkWriter, 0, k)}
	for range k {
		w, err := s.newChunkWriter()
		if err != nil {
			p.discard()
			return nil, fmt.Errorf("chunk file: %w", err)
		}
		p.writers = append(p.writers, w)
	}
	return p, nil
}

func (p *partitioner) emit(rec *record.Record) error {
	w := p.writers[partition(rec, len(p.writers))]
	w.rows++
	return w.enc.Encode(rec)
}

// discard removes the chunk files; call it once they are stored.
func (p *partitioner) discard() {
	for _, w := range p.writers {
		w.discard()
	}
}

// storeChunks stores the chunks that received rows as work/<run>/chunks/<i>.rec.gz.
func (s *Stages) storeChunks(ctx context.Context, run string, p *partitioner) ([]ChunkRef, error) {
	chunks := []ChunkRef{}
	for i, w := range p.writers {
		if w.rows == 0 {
			continue
		}
		if err := w.finish(); err != nil {
			return nil, fmt.Errorf("finish chunk %d: %w", i, err)
		}
		key := s.workKey(run, "chunks", fmt.Sprintf("%03d.rec.gz", i))
		if err := s.Store.Put(ctx, key, w.f, "application/gzip"); err != nil {
			return nil, fmt.Errorf("store chunk %d: %w", i, err)
		}
		chunks = append(chunks, ChunkRef{Index: i, Key: key, Rows: w.rows})
	}
	for i := range chunks {
		chunks[i].Of = len(chunks)
	}
	return chunks, nil
}

// openUpload opens the object version the event announced, where the store
// can tell versions apart.
func (s *Stages) openUpload(ctx context.Context, in SourceRef) (io.ReadCloser, error) {
	if vo, ok := s.Store.(store.VersionOpener); ok && in.ETag != "" {
		return vo.OpenVersion(ctx, in.Key, in.ETag)
	}
	return s.Store.Open(ctx, in.Key)
}

// scanObject scans one object a manifest named.
func (s *Stages) scanObject(ctx context.Context, key string, emit func(*record.Record) error) (scanResult, error) {
	rc, err := s.Store.Open(ctx, key)
	if err != nil {
		return scanResult{}, err
	}
	defer rc.Close()
	return scan(ctx, rc, s.Format, emit)
}

// errStage wraps an error with the stage it happened in, for local runs.
func errStage(stage string, err error) error {
	if err == nil {
		return nil
	}
	var t *ModelThrottled
	if errors.As(err, &t) {
		return err
	}
	return fmt.Errorf("%s: %w", stage, err)
}
