package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"

	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// A rule engine's memory grows with its actors: a few hundred bytes each,
// a kilobyte or two for each with rule matches. A log where every line is a
// new attacker would need gigabytes in one engine, so past a budget the rows
// are read again and partitioned by address block (IPv4 /24, IPv6 /48, as
// Parse does) into temporary files, one engine each, whose evidence merges
// within the detail limits (detect.Merger) and whose address lists follow
// one another. A block is never split: a rotating scan and the blocklist's
// prefixes need all of a block's clients in one engine. The local run does
// this with its files, Filter with its chunk.

// Defaults for the engine budget (Stages.ActorBudget, Stages.RichBudget).
const (
	DefaultActorBudget = 300_000 // actors, about 200 bytes each when benign
	DefaultRichBudget  = 40_000  // actors with rule matches, about 1.5 KB each
	// maxSplit is how many times a partition that is still over budget is
	// split again (with another hash); past it the engine holds what it
	// must: an IPv6 /48 has at most 65,536 actors.
	maxSplit    = 2
	splitWays   = 16   // partitions of an engine over budget
	budgetCheck = 1024 // records between two looks at the budget
)

// errOverBudget stops a feed whose engine is over budget.
var errOverBudget = errors.New("engine over budget")

// recordSource streams the records of a run or a chunk to emit, the same
// ones on every call.
type recordSource func(ctx context.Context, emit func(*record.Record) error) error

// engineRun collects what the engines of one run or chunk give.
type engineRun struct {
	chunk  int
	merger *detect.Merger
	list   *listFile // every engine's address list, one after the other
	sizes  *detect.PageSizes
	// Engines counts the engines the rows went through.
	engines int
}

func (s *Stages) overBudget(e *detect.Engine) bool {
	ab, rb := s.ActorBudget, s.RichBudget
	if ab <= 0 {
		ab = DefaultActorBudget
	}
	if rb <= 0 {
		rb = DefaultRichBudget
	}
	return e.Actors() > ab || e.Rich() > rb
}

// detect runs the rules over src in one engine, or, when it goes over
// budget, in one per partition (split: how many times src was split).
func (s *Stages) detect(ctx context.Context, src recordSource, run *engineRun, split int) error {
	eng, err := detect.NewEngine(s.Detect)
	if err != nil {
		return fmt.Errorf("rules config: %w", err)
	}
	if run.sizes != nil {
		eng.UsePageSizes(run.sizes)
	}
	n := 0
	err = src(ctx, func(rec *record.Record) error {
		eng.Observe(rec)
		if n++; n%budgetCheck == 0 && split < maxSplit && s.overBudget(eng) {
			return errOverBudget
		}
		return nil
	})
	if errors.Is(err, errOverBudget) {
		eng = nil // its memory goes before the partitions' engines start
		return s.detectParts(ctx, src, run, split+1)
	}
	if err != nil {
		return err
	}
	ch, err := eng.ResultWith(run.chunk, run.list)
	if err != nil {
		return fmt.Errorf("address list: %w", err)
	}
	run.merger.Add(ch)
	run.engines++
	return nil
}

// detectParts reads src again into partitions by block and runs each. The
// first split also counts the whole source's page sizes, which every
// partition's engine then judges catch-all answers by, as one engine would.
func (s *Stages) detectParts(ctx context.Context, src recordSource, run *engineRun, split int) error {
	ws := make([]*chunkWriter, splitWays)
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.discard()
			}
		}
	}()
	for i := range ws {
		w, err := s.newChunkWriter()
		if err != nil {
			return fmt.Errorf("partition file: %w", err)
		}
		ws[i] = w
	}
	var sizes *detect.PageSizes
	if run.sizes == nil {
		sizes = detect.NewPageSizes()
	}
	// A partition of one block cannot be split further: it runs as it is.
	blocks := make([]blockSeen, len(ws))
	err := src(ctx, func(rec *record.Record) error {
		if sizes != nil {
			sizes.Observe(rec)
		}
		i := partitionAt(rec, len(ws), split)
		blocks[i].see(rec)
		w := ws[i]
		w.rows++
		return w.enc.Encode(rec)
	})
	if err != nil {
		return err
	}
	if sizes != nil {
		run.sizes = sizes
	}
	for i, w := range ws {
		if w.rows == 0 {
			continue
		}
		if err := w.finish(); err != nil {
			return fmt.Errorf("partition file: %w", err)
		}
		next := split
		if !blocks[i].many {
			next = maxSplit
		}
		if err := s.detect(ctx, fileRecords(w.f), run, next); err != nil {
			return err
		}
		w.discard()
		ws[i] = nil
	}
	return nil
}

// blockSeen tells whether a partition holds more than one block.
type blockSeen struct {
	first netip.Prefix
	many  bool
}

func (b *blockSeen) see(rec *record.Record) {
	if b.many {
		return
	}
	blk := record.Block(rec.Client)
	if !b.first.IsValid() {
		b.first = blk
	} else if blk != b.first {
		b.many = true
	}
}

// partitionAt maps a client to one of k partitions by its block, hashed
// with the split's number so that a partition split again spreads out.
func partitionAt(rec *record.Record, k, split int) int {
	b, _ := record.Block(rec.Client).MarshalBinary()
	h := fnv.New32a()
	h.Write([]byte{byte(split)})
	h.Write(b)
	return int(h.Sum32() % uint32(k))
}

// runEngines is detect from the start: the evidence of src, merged, and its
// address list in a finished file (the caller discards it).
func (s *Stages) runEngines(ctx context.Context, src recordSource, chunk int, sizes *detect.PageSizes) (evidence.Chunk, *listFile, error) {
	list, err := s.newListFile()
	if err != nil {
		return evidence.Chunk{}, nil, fmt.Errorf("address list: %w", err)
	}
	run := &engineRun{chunk: chunk, merger: detect.NewMerger(s.Detect), list: list, sizes: sizes}
	err = s.detect(ctx, src, run, 0)
	if err == nil {
		err = list.finish()
	}
	if err != nil {
		list.discard()
		return evidence.Chunk{}, nil, err
	}
	ch := run.merger.Result()
	ch.Chunk = chunk
	if run.engines > 1 {
		s.log().Info("partitioned", "chunk", chunk, "engines", run.engines, "actors", ch.Actors)
	}
	return ch, list, nil
}

// fileRecords is a recordSource over an open file holding a chunk.
func fileRecords(f *os.File) recordSource {
	return func(ctx context.Context, emit func(*record.Record) error) error {
		if _, err := f.Seek(0, 0); err != nil {
			return err
		}
		return readChunk(ctx, f, emit)
	}
}
