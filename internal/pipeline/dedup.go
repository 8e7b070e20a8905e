package pipeline

import (
	"hash/maphash"

	"github.com/logsift/logsift/internal/record"
)

// maxDedupIDs bounds the request ids a run remembers: 8 bytes of hash each
// plus the map's overhead, some 20 MB at the cap.
const maxDedupIDs = 1 << 20

// dedup drops rows whose request id (CloudFront's and Amplify's
// x-edge-request-id) an earlier input of the same run already had: Amplify
// pads every download to whole hours, so two downloads of overlapping or
// adjacent ranges repeat rows, and each request must count once.
//
// Only rows of later inputs are checked, and only against earlier inputs: one
// download holds a request once, so a single-input run needs no set at all.
// The set keeps a 64-bit hash per id and stops growing at maxDedupIDs, which
// bounds memory whatever the size of the logs; past the cap, rows are still
// checked against the ids already held, so only repeats of rows read after
// the first million are counted twice.
type dedup struct {
	seed    maphash.Seed
	seen    map[uint64]struct{}
	pending []uint64 // the current input's ids, added when it ends
	dups    int64
}

// newDedup returns nil, a no-op, for a run of one input.
func newDedup(inputs int) *dedup {
	if inputs < 2 {
		return nil
	}
	return &dedup{seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// filter wraps emit so that repeated rows are counted and not emitted.
func (d *dedup) filter(emit func(*record.Record) error) func(*record.Record) error {
	if d == nil {
		return emit
	}
	return func(rec *record.Record) error {
		if rec.RequestID == "" {
			return emit(rec)
		}
		h := maphash.String(d.seed, rec.RequestID)
		if _, ok := d.seen[h]; ok {
			d.dups++
			return nil
		}
		if len(d.seen)+len(d.pending) < maxDedupIDs {
			d.pending = append(d.pending, h)
		}
		return emit(rec)
	}
}

// endInput makes the ids of the input just read visible to the next ones.
func (d *dedup) endInput() {
	if d == nil {
		return
	}
	for _, h := range d.pending {
		d.seen[h] = struct{}{}
	}
	d.pending = d.pending[:0]
}

// count is the number of rows dropped as repeats.
func (d *dedup) count() int64 {
	if d == nil {
		return 0
	}
	return d.dups
}
