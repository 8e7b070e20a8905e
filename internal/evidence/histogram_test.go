package evidence

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 30, 0, time.UTC)
	tests := []struct {
		name      string
		offsets   []time.Duration
		width     int64
		counts    []int64
		startTime time.Time
	}{
		{"one minute", []time.Duration{0, 10 * time.Second}, 60, []int64{2}, t0.Truncate(time.Minute)},
		{"three minutes, one empty", []time.Duration{0, 2 * time.Minute}, 60, []int64{1, 0, 1}, t0.Truncate(time.Minute)},
		{"earlier request extends the start", []time.Duration{time.Minute, 0}, 60, []int64{1, 1}, t0.Truncate(time.Minute)},
		{"a day doubles the width to 8 minutes", []time.Duration{0, 24*time.Hour - time.Minute}, 480, nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for _, d := range tt.offsets {
				h.Add(t0.Add(d))
			}
			h.Add(time.Time{}) // not counted
			if h.Width != tt.width || tt.counts != nil && !slices.Equal(h.Counts, tt.counts) {
				t.Errorf("width %d counts %v, want %d %v", h.Width, h.Counts, tt.width, tt.counts)
			}
			if !tt.startTime.IsZero() && h.Start != tt.startTime.Unix() {
				t.Errorf("start %v, want %v", time.Unix(h.Start, 0).UTC(), tt.startTime)
			}
			if h.Total() != int64(len(tt.offsets)) || len(h.Counts) > MaxBuckets {
				t.Errorf("total %d of %d, %d buckets", h.Total(), len(tt.offsets), len(h.Counts))
			}
		})
	}
}

// Chunks' histograms merged are the histogram of all their requests, whatever
// the widths each reached alone; the size stays bounded.
func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for round := range 50 {
		span := time.Duration(1+rng.IntN(30*24)) * time.Hour
		var all Histogram
		parts := make([]Histogram, 1+rng.IntN(4))
		for range 1 + rng.IntN(2000) {
			at := base.Add(time.Duration(rng.Int64N(int64(span))))
			all.Add(at)
			p := &parts[rng.IntN(len(parts))]
			if round%2 == 0 && rng.IntN(10) == 0 {
				p = &parts[0] // one chunk much busier than the others
			}
			p.Add(at)
		}
		var merged Histogram
		for i := range parts {
			merged.Merge(&parts[i])
		}
		for merged.Width < all.Width {
			merged.coarsen()
		}
		for all.Width < merged.Width {
			all.coarsen()
		}
		if merged.Width != all.Width || merged.Start != all.Start || !slices.Equal(merged.Counts, all.Counts) {
			t.Fatalf("round %d: merged %d/%d/%v, want %d/%d/%v", round, merged.Width, merged.Start, merged.Counts, all.Width, all.Start, all.Counts)
		}
		if len(all.Counts) > MaxBuckets || len(merged.Counts) > MaxBuckets {
			t.Fatalf("round %d: %d buckets", round, len(all.Counts))
		}
	}
}

func BenchmarkHistogramAdd(b *testing.B) {
	var h Histogram
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		h.Add(t0.Add(time.Duration(i) * time.Second))
		i++
	}
}
