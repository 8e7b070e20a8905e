package report

import (
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

func TestTimelineView(t *testing.T) {
	// Four one-minute buckets of 10 requests each, from t0.
	var h evidence.Histogram
	for m := range 4 {
		for i := range 10 {
			h.Add(t0.Add(time.Duration(m)*time.Minute + time.Duration(i)*time.Second))
		}
	}
	inOne := actor("192.0.2.1", 5, hit(evidence.SQLInjection, evidence.High, 2))
	inOne.FirstSeen, inOne.LastSeen, inOne.Requests = t0.Add(5*time.Second), t0.Add(9*time.Second), 4
	overTwo := actor("192.0.2.2", 4, hit(evidence.HTTPProbing, evidence.Medium, 6))
	overTwo.FirstSeen, overTwo.LastSeen, overTwo.Requests = t0.Add(2*time.Minute+30*time.Second), t0.Add(3*time.Minute+30*time.Second), 6
	tooMany := actor("192.0.2.3", 3, hit(evidence.AggressiveCrawl, evidence.Low, 50))
	tooMany.FirstSeen, tooMany.LastSeen, tooMany.Requests = t0.Add(time.Minute), t0.Add(time.Minute), 50
	r := Build(BuildInput{Input: Input{Parsed: 40}, Actors: []evidence.Actor{inOne, overTwo, tooMany}, Timeline: &h})
	v := newView(r, reportBounds)
	tv := v.Timeline
	if tv == nil || len(tv.Bars) != 4 {
		t.Fatalf("timeline %+v, want 4 bars", tv)
	}
	full := tv.Bars[0].AllH
	for i, want := range []float64{0.4, 1, 0.3, 0.3} { // suspicious share of each bucket
		b := tv.Bars[i]
		if b.AllH != full || b.SusH != round1(full*want) || b.SusY+b.SusH != plotBottom || b.X >= plotRight {
			t.Errorf("bar %d: %+v, want all %v and suspicious %v high", i, b, full, full*want)
		}
	}
	if len(tv.Marks) != 3 || tv.Marks[0].Severity != "high" {
		t.Errorf("marks %+v, want one per finding, worst first", tv.Marks)
	}
	if tv.Bucket != "1 minute per bar" || tv.From != "2026-11-20 09:00" {
		t.Errorf("axis %q from %q", tv.Bucket, tv.From)
	}
	if newView(Build(BuildInput{}), reportBounds).Timeline != nil {
		t.Error("a report without a timeline draws one")
	}
}

func TestCategoryChart(t *testing.T) {
	ch := newCategoryChart([]CategoryCount{{Category: evidence.SQLInjection, Actors: 4}, {Category: evidence.XSS, Actors: 1}})
	if len(ch.Rows) != 2 || ch.Rows[0].W != catBarMaxW || ch.Rows[1].W != catBarMaxW/4 || ch.Rows[1].Y <= ch.Rows[0].Y {
		t.Errorf("rows %+v", ch.Rows)
	}
	if newCategoryChart(nil) != nil {
		t.Error("a chart without categories")
	}
}
