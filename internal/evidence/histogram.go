package evidence

import "time"

// Histogram counts requests per time bucket in constant memory, for the
// report's timeline. Buckets are Width seconds wide (a minute times a power of
// two) and aligned to the Unix epoch, so histograms of chunks merge exactly;
// when the requests span more than MaxBuckets buckets, the width doubles and
// pairs of buckets merge. The zero value is empty and ready to use.
type Histogram struct {
	Width  int64   `json:"width_s,omitempty"` // seconds per bucket
	Start  int64   `json:"start,omitempty"`   // Unix seconds at which bucket 0 starts
	Counts []int64 `json:"counts,omitempty"`
}

// MaxBuckets bounds a Histogram: a day of log is 180 buckets of 8 minutes.
const MaxBuckets = 240

const minWidth = 60

// Add counts one request at t. A zero time (a line without one) is not counted.
func (h *Histogram) Add(t time.Time) {
	if t.IsZero() {
		return
	}
	h.add(t.Unix(), 1)
}

func (h *Histogram) add(sec, n int64) {
	if h.Width != 0 && sec >= h.Start && sec < h.end() {
		h.Counts[(sec-h.Start)/h.Width] += n // the usual case: a bucket that exists
		return
	}
	if h.Width == 0 {
		h.Width = minWidth
		h.Start = floorTo(sec, h.Width)
	}
	for {
		from, to := min(h.Start, floorTo(sec, h.Width)), max(h.end(), floorTo(sec, h.Width)+h.Width)
		if (to-from)/h.Width <= MaxBuckets {
			h.span(from, to)
			break
		}
		h.coarsen()
	}
	h.Counts[(sec-h.Start)/h.Width] += n
}

// end is where the last bucket ends.
func (h *Histogram) end() int64 { return h.Start + int64(len(h.Counts))*h.Width }

// span grows the buckets to cover [from, to).
func (h *Histogram) span(from, to int64) {
	if from < h.Start {
		grown := make([]int64, (h.Start-from)/h.Width, (to-from)/h.Width)
		h.Counts = append(grown, h.Counts...)
		h.Start = from
	}
	for h.end() < to {
		h.Counts = append(h.Counts, 0)
	}
}

// coarsen doubles the width.
func (h *Histogram) coarsen() {
	w := h.Width * 2
	start := floorTo(h.Start, w)
	out := make([]int64, (h.end()-start+w-1)/w)
	for i, n := range h.Counts {
		out[(h.Start+int64(i)*h.Width-start)/w] += n
	}
	h.Width, h.Start, h.Counts = w, start, out
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || len(o.Counts) == 0 {
		return
	}
	if h.Width == 0 {
		h.Width, h.Start = o.Width, o.Start
	}
	for h.Width < o.Width {
		h.coarsen()
	}
	for i, n := range o.Counts {
		if n != 0 {
			h.add(o.Start+int64(i)*o.Width, n)
		}
	}
}

// Total is the number of requests counted.
func (h *Histogram) Total() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

func floorTo(sec, w int64) int64 {
	if sec < 0 {
		return -((-sec + w - 1) / w) * w
	}
	return sec / w * w
}
