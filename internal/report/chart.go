package report

import (
	"fmt"
	"math"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// The HTML report draws two charts as inline SVG (no script, no external
// resource): the timeline of requests and the suspicious actors per category.
// The view holds their geometry in SVG user units; the SVG scales to the width
// of the page, so the same drawing reads on a phone.

// Timeline geometry. The drawing is 400 units wide, so that on a phone
// (about 360 CSS pixels for the figure) its 11-unit text stays readable.
const (
	plotLeft   = 40.0
	plotRight  = 394.0
	plotTop    = 14.0
	plotBottom = 130.0
	maxMarks   = 20 // attacks marked: the detailed findings at most
)

type timelineView struct {
	Bars     []barView
	Marks    []markView
	Max      string // requests in the busiest bucket (the top of the scale)
	From, To string // the window's ends
	Bucket   string // what one bar covers
	Label    string // what the chart says, for screen readers
}

type barView struct {
	X, W       float64
	AllY, AllH float64 // all requests
	SusY, SusH float64 // suspicious clients' requests
	Title      string
}

// markView is one attack marked on the timeline: a finding's first request.
type markView struct {
	Points   string // a triangle under the axis
	Severity string
	Title    string
}

// newTimelineView draws r's timeline, or returns nil when it has none. The
// suspicious series spreads each finding's requests over the buckets between
// its first and last request, in proportion to the time each covers: the
// rules keep an actor's first and last time, not when each request came.
func newTimelineView(r *Report, top []findingView) *timelineView {
	h := r.Timeline
	if h == nil || len(h.Counts) == 0 || h.Width <= 0 {
		return nil
	}
	n := len(h.Counts)
	sus := make([]float64, n)
	for i := range r.Findings {
		spread(h, sus, &r.Findings[i].Evidence)
	}
	var peak int64 = 1
	for _, c := range h.Counts {
		peak = max(peak, c)
	}
	bw := (plotRight - plotLeft) / float64(n)
	scale := func(v float64) float64 { return (plotBottom - plotTop) * v / float64(peak) }
	tv := &timelineView{
		Max:    thousands(peak),
		From:   time.Unix(h.Start, 0).UTC().Format("2006-01-02 15:04"),
		To:     time.Unix(h.Start+int64(n)*h.Width, 0).UTC().Format("2006-01-02 15:04") + " UTC",
		Bucket: bucketName(h.Width),
	}
	var susTotal float64
	for i, c := range h.Counts {
		s := min(sus[i], float64(c))
		susTotal += s
		if c == 0 {
			continue
		}
		x := plotLeft + float64(i)*bw
		start := time.Unix(h.Start+int64(i)*h.Width, 0).UTC().Format("15:04")
		tv.Bars = append(tv.Bars, barView{
			X: round1(x), W: round1(max(bw-0.5, 0.5)),
			AllY: round1(plotBottom - scale(float64(c))), AllH: round1(scale(float64(c))),
			SusY: round1(plotBottom - scale(s)), SusH: round1(scale(s)),
			Title: fmt.Sprintf("%s: %s, %s from suspicious clients", start, plural(c, "request", "requests"), thousands(int64(math.Round(s)))),
		})
	}
	for _, f := range top[:min(len(top), maxMarks)] {
		e := &r.Findings[f.N-1].Evidence
		if e.FirstSeen.IsZero() {
			continue
		}
		x := plotLeft + (plotRight-plotLeft)*float64(e.FirstSeen.Unix()-h.Start)/float64(int64(n)*h.Width)
		x = round1(min(max(x, plotLeft), plotRight))
		tv.Marks = append(tv.Marks, markView{
			Points:   fmt.Sprintf("%g,%g %g,%g %g,%g", x, plotBottom+2, x-5, plotBottom+11, x+5, plotBottom+11),
			Severity: f.Severity,
			Title:    fmt.Sprintf("#%d %s (%s) from %s", f.N, f.Actor, f.Severity, f.First),
		})
	}
	tv.Label = fmt.Sprintf("Requests from %s to %s in %s: %s in all, about %s from suspicious clients; %d attacks marked.",
		tv.From, tv.To, tv.Bucket, thousands(h.Total()), thousands(int64(math.Round(susTotal))), len(tv.Marks))
	return tv
}

// spread adds an actor's requests to sus, over the buckets between its first
// and last request.
func spread(h *evidence.Histogram, sus []float64, a *evidence.Actor) {
	if a.FirstSeen.IsZero() || a.Requests == 0 {
		return
	}
	from, to := a.FirstSeen.Unix(), max(a.LastSeen.Unix(), a.FirstSeen.Unix())
	bucket := func(sec int64) int { return min(max(int((sec-h.Start)/h.Width), 0), len(sus)-1) }
	first, last := bucket(from), bucket(to)
	if first == last {
		sus[first] += float64(a.Requests)
		return
	}
	span := float64(to - from)
	for i := first; i <= last; i++ {
		lo := max(from, h.Start+int64(i)*h.Width)
		hi := min(to, h.Start+int64(i+1)*h.Width)
		sus[i] += float64(a.Requests) * float64(hi-lo) / span
	}
}

func bucketName(w int64) string {
	d := time.Duration(w) * time.Second
	switch {
	case d%(24*time.Hour) == 0 && d > 0:
		return plural(int64(d/(24*time.Hour)), "day", "days") + " per bar"
	case d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour", "hours") + " per bar"
	}
	return plural(int64(d/time.Minute), "minute", "minutes") + " per bar"
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Category chart geometry (400 units wide): one row per category.
const (
	catRow     = 22.0
	catLabelW  = 112.0
	catBarMaxW = 240.0
)

type categoryChart struct {
	Height float64
	Rows   []categoryRow
}

type categoryRow struct {
	Y, TextY float64
	Name     string
	W        float64 // bar width
	CountX   float64
	Actors   int
	Requests int64
}

func newCategoryChart(cs []CategoryCount) *categoryChart {
	if len(cs) == 0 {
		return nil
	}
	peak := 1
	for _, c := range cs {
		peak = max(peak, c.Actors)
	}
	ch := &categoryChart{Height: catRow*float64(len(cs)) + 4}
	for i, c := range cs {
		w := round1(max(catBarMaxW*float64(c.Actors)/float64(peak), 2))
		y := catRow*float64(i) + 4
		ch.Rows = append(ch.Rows, categoryRow{Y: y, TextY: y + 13, Name: string(c.Category), W: w, CountX: catLabelW + w + 6,
			Actors: c.Actors, Requests: c.Requests})
	}
	return ch
}
