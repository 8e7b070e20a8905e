// Package loggen writes synthetic web access logs: a small single-page app on
// AWS Amplify with ordinary visitors, search crawlers, uptime monitors and
// link-preview bots, and a planted set of attacks from documentation address
// ranges. Output is deterministic for a seed and streams in constant memory,
// so it serves both as sample data and as benchmark input of any size.
package loggen

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Options says what to generate.
type Options struct {
	Format string // "amplify" (default), "cloudfront", "combined" or "alb"
	Gzip   bool   // compress the output
	// Size is the approximate size of the uncompressed output in bytes. It is
	// used when Rows is 0.
	Size int64
	Rows int64 // data rows to write (header lines not counted)
	Seed int64
	// Start is the log time of the first row; the zero value means
	// 2026-11-20 09:00 UTC.
	Start time.Time
	// Duration is the span of log time; zero picks one from the row count
	// (4 hours for a sample, a day for a large file, more beyond that).
	Duration time.Duration
	// Domain is the site's host name (x-host-header); CloudFrontHost is the
	// distribution's domain (cs(Host)).
	Domain         string
	CloudFrontHost string
	// Scenario picks the planted attacks: "" (the sample's: a dozen attack
	// kinds, more rounds in bigger files) or "week" (a week of the quiet and
	// distributed attacks and their benign look-alikes; see WeekTruths).
	Scenario string
}

// Defaults.
const (
	DefaultDomain         = "main.d1x8k2q7w3v9zr.amplifyapp.com"
	DefaultCloudFrontHost = "d2abc8xyz3k4lm.cloudfront.net"
	DefaultRows           = 2000
)

var defaultStart = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// Formats lists the formats Generate writes.
var Formats = []string{"amplify", "cloudfront", "combined", "alb"}

// Generate writes a log to w.
func Generate(w io.Writer, o Options) error {
	if o.Format == "" {
		o.Format = "amplify"
	}
	if !validFormat(o.Format) {
		return fmt.Errorf("loggen: unknown format %q (want one of %v)", o.Format, Formats)
	}
	if o.Scenario != "" && o.Scenario != "week" {
		return fmt.Errorf("loggen: unknown scenario %q (want \"week\" or none)", o.Scenario)
	}
	if o.Scenario == "week" && o.Duration <= 0 {
		o.Duration = 7 * 24 * time.Hour
	}
	if o.Rows < 0 || o.Size < 0 {
		return errors.New("loggen: negative size or row count")
	}
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	if o.CloudFrontHost == "" {
		o.CloudFrontHost = DefaultCloudFrontHost
	}
	if o.Start.IsZero() {
		o.Start = defaultStart
	}
	rows := o.Rows
	if rows == 0 && o.Size > 0 {
		rows = estimateRows(o)
	}
	if rows == 0 {
		rows = DefaultRows
	}
	if o.Gzip {
		zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := generate(zw, o, rows); err != nil {
			return err
		}
		return zw.Close()
	}
	return generate(w, o, rows)
}

func validFormat(f string) bool {
	for _, k := range Formats {
		if f == k {
			return true
		}
	}
	return false
}

// estimateRows turns a byte size into a row count by measuring the average row
// of a small sample with the same options.
func estimateRows(o Options) int64 {
	const sample = 4000
	var c countWriter
	_ = generate(&c, o, sample)
	per := float64(c.n) / sample
	return max(1, int64(float64(o.Size)/per))
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// duration picks a plausible time span for a row count.
func duration(rows int64) time.Duration {
	switch {
	case rows <= 10_000:
		return 4 * time.Hour
	case rows <= 3_000_000:
		return 24 * time.Hour
	default:
		return time.Duration((rows+2_999_999)/3_000_000) * 24 * time.Hour
	}
}

// gen holds the state of one run.
type gen struct {
	o       Options
	rng     *rand.Rand
	seed    uint64
	clients int64 // size of the visitor population
	start   int64
	end     int64

	heap sessHeap
	free []*session

	nextArrival int64
	avgRows     float64 // running mean rows per finished session
	finished    int64

	monitorNext int64
	monitorIdx  int

	botIPs [][]netip.Addr
	monIPs [][]netip.Addr
	botW   int
	refs   []string // referer of each route
}

func generate(w io.Writer, o Options, rows int64) error {
	d := o.Duration
	if d <= 0 {
		d = duration(rows)
	}
	g := &gen{
		o:       o,
		rng:     rand.New(rand.NewPCG(uint64(o.Seed), 0x6c6f6773696674)),
		seed:    uint64(o.Seed)*0x9e3779b97f4a7c15 + 1,
		start:   o.Start.UnixMilli(),
		avgRows: 12,
	}
	g.end = g.start + d.Milliseconds()
	// Visitors: roughly one distinct address per 25 benign rows, 20 to 50,000.
	g.clients = min(max(rows/25, 20), 50_000)
	for _, b := range bots {
		g.botIPs = append(g.botIPs, parseAll(b.ips))
		g.botW += b.weight
	}
	for _, r := range routes {
		g.refs = append(g.refs, "https://"+o.Domain+r)
	}
	for _, m := range monitors {
		g.monIPs = append(g.monIPs, parseAll(m.ips))
	}

	// The attacks are planned up front: a bounded number of rounds, one more per
	// 300,000 rows, so big files hold more attackers but never unbounded state.
	rounds := int(min(1+rows/300_000, 40))
	scale := min(1, float64(rows)/4000)
	arng := rand.New(rand.NewPCG(uint64(o.Seed), 0x61747461636b))
	var attacks []event
	if o.Scenario == "week" {
		attacks = planWeek(arng, g.start, g.end, o.Format)
	} else {
		attacks = plan(arng, g.start, g.end, rounds, scale)
	}

	fw := newFormatter(w, o)
	if err := fw.header(); err != nil {
		return err
	}
	g.monitorNext = g.start + int64(g.rng.IntN(300_000))
	g.nextArrival = g.start
	var ev event
	ai := 0
	for emitted := int64(0); emitted < rows; emitted++ {
		left := rows - emitted
		if ai < len(attacks) && (int64(len(attacks)-ai) >= left || attacks[ai].ms <= g.peek()) {
			if err := fw.row(&attacks[ai]); err != nil {
				return err
			}
			ai++
			continue
		}
		g.next(&ev, left-int64(len(attacks)-ai))
		if err := fw.row(&ev); err != nil {
			return err
		}
	}
	return fw.flush()
}

func parseAll(ss []string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// peek returns the time of the next benign request.
func (g *gen) peek() int64 {
	t := min(g.nextArrival, g.monitorNext)
	if len(g.heap) > 0 {
		t = min(t, g.heap[0].next)
	}
	return t
}

// next fills ev with the next benign request; benignLeft is how many benign
// rows remain, which sets the arrival rate so the rows fill the time span.
func (g *gen) next(ev *event, benignLeft int64) {
	for {
		switch t := g.peek(); {
		case t == g.monitorNext:
			g.monitor(ev)
			return
		case len(g.heap) > 0 && g.heap[0].next == t:
			s := g.heap[0]
			s.emit(g, ev)
			if s.done() {
				g.heap.pop()
				g.finish(s)
			} else {
				g.heap.fix0()
			}
			return
		default:
			s := g.newSession(g.nextArrival)
			g.heap.push(s)
			// Mean gap between arrivals: time left over sessions still needed.
			remaining := max(g.end-g.nextArrival, 60_000)
			sessions := max(float64(benignLeft)/g.avgRows, 1)
			mean := float64(remaining) / sessions
			g.nextArrival += int64(g.rng.ExpFloat64()*mean) + 1
		}
	}
}

func (g *gen) finish(s *session) {
	g.finished++
	// A slow running mean: enough to correct the arrival rate, stable in the long run.
	k := min(float64(g.finished), 500)
	g.avgRows += (float64(s.emitted) - g.avgRows) / k
	g.free = append(g.free, s)
}

func (g *gen) monitor(ev *event) {
	m := g.monitorIdx % len(monitors)
	ips := g.monIPs[m]
	*ev = event{
		ms: g.monitorNext, ip: ips[g.rng.IntN(len(ips))], port: 1024 + g.rng.IntN(64000),
		method: "HEAD", path: "/", status: 200, ctype: "text/html", bytes: indexBytes,
		ua: monitors[m].ua, proto: "HTTP/1.1", edge: edges[m*3%len(edges)], taken: 5 + g.rng.IntN(60), result: "Hit",
	}
	if m == 1 {
		ev.method = "GET"
	}
	g.monitorIdx++
	// Each monitor polls every 5 minutes; two of them, so one poll every 2.5 minutes.
	g.monitorNext += 150_000 + int64(g.rng.IntN(2000))
}

// splitmix64 hashes a visitor index into stable per-visitor traits.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// visitorIP is the stable address of visitor i, from the invented client blocks.
func (g *gen) visitorIP(h uint64) netip.Addr {
	if h%10 == 0 {
		p := clientV6[(h>>8)%uint64(len(clientV6))]
		var b [16]byte
		b[0], b[1], b[2], b[3] = byte(p[0]>>8), byte(p[0]), byte(p[1]>>8), byte(p[1])
		h2 := splitmix64(h)
		for i := 4; i < 8; i++ {
			b[i] = byte(h >> (8 * i))
		}
		for i := 8; i < 16; i++ {
			b[i] = byte(h2 >> (8 * (i - 8)))
		}
		return netip.AddrFrom16(b)
	}
	p := clientV4[(h>>8)%uint64(len(clientV4))]
	return netip.AddrFrom4([4]byte{p[0], p[1], byte(h >> 24), byte(1 + (h>>32)%254)})
}
