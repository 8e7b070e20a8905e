package pipeline

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// Filter runs the deterministic rules over one chunk's rows and stores the
// per-actor evidence under work/<run>/evidence/.
func (s *Stages) Filter(ctx context.Context, in FilterInput) (FilterOutput, error) {
	out := FilterOutput{Run: in.Run, Chunk: in.Chunk.Index}
	sizes := detect.NewPageSizes()
	if err := s.getJSON(ctx, s.pageSizesKey(in.Run), sizes); err != nil {
		return out, fmt.Errorf("load page sizes: %w", err)
	}
	// The chunk is read again if its engine goes over budget (runEngines).
	var timeline evidence.Histogram
	chunk := func(ctx context.Context, emit func(*record.Record) error) error {
		rc, err := s.Store.Open(ctx, in.Chunk.Key)
		if err != nil {
			return fmt.Errorf("open chunk: %w", err)
		}
		defer rc.Close()
		timeline = evidence.Histogram{}
		err = readChunk(ctx, rc, func(rec *record.Record) error { timeline.Add(rec.Time); return emit(rec) })
		if err != nil && !errors.Is(err, errOverBudget) {
			return fmt.Errorf("read chunk %s: %w", in.Chunk.Key, err)
		}
		return err
	}
	ch, list, err := s.runEngines(ctx, chunk, in.Chunk.Index, sizes)
	if err != nil {
		return out, err
	}
	defer list.discard()
	if err := s.Store.Put(ctx, s.addressesKey(in.Run, in.Chunk.Index), list.f, "application/gzip"); err != nil {
		return out, fmt.Errorf("store address list: %w", err)
	}
	ch.Timeline = &timeline
	out, err = s.storeEvidence(ctx, in.Run, ch)
	out.Chunks = in.Chunk.Of
	return out, err
}

// storeEvidence writes a chunk's evidence and summarises it.
func (s *Stages) storeEvidence(ctx context.Context, run string, ch evidence.Chunk) (FilterOutput, error) {
	out := FilterOutput{
		Run:         run,
		Chunk:       ch.Chunk,
		EvidenceKey: s.workKey(run, "evidence", fmt.Sprintf("%03d.json", ch.Chunk)),
		Requests:    ch.Requests,
		Actors:      ch.Actors,
		Suspicious:  len(ch.Suspicious),
		Weak:        len(ch.Weak),
	}
	if err := s.putJSON(ctx, out.EvidenceKey, ch); err != nil {
		return out, err
	}
	s.log().Info("filtered", "stage", "filter", "run", run, "chunk", ch.Chunk,
		"requests", ch.Requests, "actors", ch.Actors, "suspicious", out.Suspicious)
	return out, nil
}

// readChunk decodes a chunk object (a gzip'd record stream). The chunk came
// back from the bucket, so the decoder treats it as untrusted; a damaged chunk
// fails the stage rather than being half-read.
func readChunk(ctx context.Context, r io.Reader, emit func(*record.Record) error) error {
	gz, err := gzip.NewReader(bufio.NewReaderSize(r, 256<<10))
	if err != nil {
		return err
	}
	defer gz.Close()
	dec := record.NewDecoder(gz)
	var rec record.Record
	for n := 0; ; n++ {
		if n&0xfff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := dec.Decode(&rec); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := emit(&rec); err != nil {
			return err
		}
	}
}
