package detect

import (
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// actorState is what every actor costs: counters, a few status codes, a
// distinct-path estimate. Everything else lives in rich, allocated only when
// a rule matches, a probe fails, or the actor makes many requests.
type actorState struct {
	requests    int64
	first, last int64 // log time, Unix ns
	status      [3]statusCount
	moreStatus  map[int]int64
	paths       distinctSet
	refused     uint32 // 401/403 answers, saturating (auth-flood)
	loginPosts  uint32 // POSTs to login endpoints, saturating (credential-stuffing)
	rate        *rate
	rich        *richState
	// Browsing (lured.go): 2xx/3xx answers to pages and assets no rule
	// matched, and the referer host of the first such asset.
	okPages, okAssets uint32
	siteRef           uint64
}

type statusCount struct {
	code int32
	n    int64
}

func (s *actorState) addStatus(code int) {
	for i := range s.status {
		c := &s.status[i]
		if c.n > 0 && int(c.code) == code {
			c.n++
			return
		}
		if c.n == 0 {
			c.code, c.n = int32(code), 1
			return
		}
	}
	if s.moreStatus == nil {
		s.moreStatus = make(map[int]int64)
	}
	s.moreStatus[code]++
}

func (s *actorState) statuses() map[string]int64 {
	m := make(map[string]int64)
	put := func(code int, n int64) {
		k := "000"
		if code > 0 {
			k = strconv.Itoa(code)
		}
		m[k] += n
	}
	for _, c := range s.status {
		if c.n > 0 {
			put(int(c.code), c.n)
		}
	}
	for c, n := range s.moreStatus {
		put(c, n)
	}
	return m
}

func (s *actorState) richState() *richState {
	if s.rich == nil {
		s.rich = newRichState()
	}
	return s.rich
}

func newRichState() *richState {
	return &richState{topPaths: topK{max: topPathSlots}, topUAs: topK{max: topUASlots}}
}

// probeWindow and bruteWindow are the windows of the probing and brute-force
// rules, made when the first event comes (most actors have neither).
func (rs *richState) probeWindow(cfg *Config) *window {
	if rs.probe == nil {
		rs.probe = &window{length: int64(cfg.ProbingWindow), distinct: true}
	}
	return rs.probe
}

func (rs *richState) bruteWindow(cfg *Config) *window {
	if rs.brute == nil {
		rs.brute = &window{length: int64(cfg.BruteForceWindow)}
	}
	return rs.brute
}

// distinctSet counts distinct path hashes (pathSketchHash): exactly up to
// len(inline), then by linear counting over a 1024-bit bitmap (about 1%
// error below 1000 distinct paths; beyond ~3000 it reports a lower bound).
type distinctSet struct {
	inline [6]uint32
	n      uint8
	bitmap *[16]uint64
}

func (d *distinctSet) add(h uint64) {
	if d.bitmap != nil {
		d.bitmap[(h>>6)&15] |= 1 << (h & 63)
		return
	}
	v := uint32(h) | 1 // 0 marks an empty slot
	for i := 0; i < int(d.n); i++ {
		if d.inline[i] == v {
			return
		}
	}
	if int(d.n) < len(d.inline) {
		d.inline[d.n] = v
		d.n++
		return
	}
	d.spill()
	d.bitmap[(h>>6)&15] |= 1 << (h & 63)
}

// spill moves the inline hashes to the bitmap. They were truncated to 32
// bits; their low bits are intact, which is all the bitmap uses.
func (d *distinctSet) spill() {
	d.bitmap = new([16]uint64)
	for _, x := range d.inline[:d.n] {
		d.bitmap[(x>>6)&15] |= 1 << (x & 63)
	}
}

// pathSketchHash is FNV-1a with a final mix, for distinctSet. It has no
// random seed, unlike the engine's other hashes, because the estimate it
// feeds is reported: the same log must give the same DistinctPaths on every
// run. Its collisions only lower an estimate no rule uses.
func pathSketchHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (d *distinctSet) count() int {
	if d.bitmap == nil {
		return int(d.n)
	}
	set := 0
	for _, w := range d.bitmap {
		set += bits.OnesCount64(w)
	}
	const m = 1024
	if set >= m {
		return int(m * math.Log(m)) // saturated: a lower bound
	}
	est := int(math.Round(-m * math.Log(float64(m-set)/m)))
	return max(est, set, len(d.inline)+1)
}

// richState is the full evidence of an actor that matters.
type richState struct {
	rules        ruleSet
	topPaths     topK
	topUAs       topK
	probe        *window // nil until an event (probeWindow)
	brute        *window
	successes    int64
	successSizes []int64  // distinct sizes of those answers, up to 4
	claimedUA    string   // allowlisted UA the actor claimed, for reasons
	lure         lure     // its failing probes' referers (lured.go)
	plant        *plant   // its payload requests' referers and targets (planted.go); nil before the first
	probeSet     []string // normalised attack paths, for campaigns
	// Evidence of the access-behaviour rules (rules_access.go), allocated
	// by their record hooks.
	auth    *authState
	methods *methodState
	enum    *enumState
}

func (rs *richState) rule(id ruleID) *ruleState { return rs.rules.add(id) }

// ruleSet is the evidence of the few rules that matched an actor, in rule
// order: a slice of them, not an array of every rule, because a million
// actors with three rules each are common and an array costs 200 bytes
// each.
type ruleSet []ruleEntry

type ruleEntry struct {
	id ruleID
	r  *ruleState
}

// get returns the rule's evidence, nil when it has none.
func (s ruleSet) get(id ruleID) *ruleState {
	for _, e := range s {
		if e.id == id {
			return e.r
		}
	}
	return nil
}

// add returns the rule's evidence, made if need be.
func (s *ruleSet) add(id ruleID) *ruleState {
	if r := s.get(id); r != nil {
		return r
	}
	i, _ := slices.BinarySearchFunc(*s, id, func(e ruleEntry, id ruleID) int { return int(e.id) - int(id) })
	r := &ruleState{}
	*s = slices.Insert(*s, i, ruleEntry{id, r})
	return r
}

// rate counts requests in 10-second slots of log time over a ring of two
// minutes, and keeps the largest count seen within any 60 seconds (to the
// slot). Memory is fixed; records a minute or more out of order are dropped
// from the rate, never from the totals.
type rate struct {
	slots [12]struct {
		slot int64
		n    int32
	}
	max int64
	// The sustained activity: page requests made while the minute before
	// them held at least the threshold (the minute's earlier requests
	// included when it first does), the 10-second slots they fell in, and
	// when the first and last of them came.
	hot               int64
	hotOther          int64 // assets and API calls made during those minutes
	hotSlots          int32
	lastHot           int64 // slot
	hotFirst, hotLast int64
}

const rateSlot = int64(10 * time.Second)

// during counts a request that is not a page if it comes within a minute
// after a page request made at the burst rate.
func (r *rate) during(t int64) {
	if r.hot > 0 && t >= r.hotFirst && t/rateSlot <= r.lastHot+6 {
		r.hotOther++
	}
}

// add counts a request and returns the count of the minute ending at its
// slot; threshold is the count that makes the minute part of a burst.
func (r *rate) add(t, threshold int64) int64 {
	s := t / rateSlot
	c := &r.slots[uint64(s)%uint64(len(r.slots))]
	switch {
	case c.slot == s:
		if c.n < math.MaxInt32 {
			c.n++
		}
	case c.slot < s || c.n == 0:
		c.slot, c.n = s, 1
	default:
		return 0
	}
	var sum int64
	for _, x := range r.slots {
		if x.slot > s-6 && x.slot <= s {
			sum += int64(x.n)
		}
	}
	r.max = max(r.max, sum)
	if sum >= threshold {
		if r.hot == 0 || t < r.hotFirst {
			r.hotFirst = t
		}
		switch {
		case r.hot == 0 || s > r.lastHot+6:
			r.hot += sum // a new burst: the minute's requests so far
		default:
			r.hot++
		}
		r.hotLast = max(r.hotLast, t)
		if s > r.lastHot {
			r.hotSlots++
			r.lastHot = s
		}
	}
	return sum
}

// addProbe keeps an attack path (normalised, owned, at most 120 bytes).
func (rs *richState) addProbe(npath string) {
	if len(rs.probeSet) >= maxProbeSet || slices.Contains(rs.probeSet, npath) {
		return
	}
	rs.probeSet = append(rs.probeSet, npath)
}

// ruleState is one rule's evidence for one actor.
type ruleState struct {
	count     int64 // matching requests
	strong    int64 // of which with a strong marker
	hashes    []uint64
	strongN   int // distinct paths with a strong marker
	overflow  bool
	leaks     int64
	leakSizes []int64 // distinct sizes of 2xx answers, up to 4
	marker    string
	fields    field // where the markers were found
	// 2xx answers to presence probes, counted only if they look like a
	// catch-all page; nil until one comes (most actors never get one).
	ok      *okState
	samples []evidence.Sample
}

type okState struct {
	count  int64
	hashes []uint64
	strong int
	sizes  []int64
}

// okCount is how many presence probes were answered 2xx.
func (r *ruleState) okCount() int64 {
	if r.ok == nil {
		return 0
	}
	return r.ok.count
}

// addPath counts a distinct path for presence rules.
func (r *ruleState) addPath(h uint64, strong bool) {
	if slices.Contains(r.hashes, h) {
		return
	}
	if len(r.hashes) >= maxRuleHashes {
		r.overflow = true
		return
	}
	r.hashes = append(r.hashes, h)
	if strong {
		r.strongN++
	}
}

func (r *ruleState) distinct() int { return len(r.hashes) }

func (r *ruleState) addOK(h uint64, strong bool, size int64) {
	if r.ok == nil {
		r.ok = &okState{}
	}
	ok := r.ok
	ok.count++
	ok.sizes = appendSize(ok.sizes, size)
	if len(ok.hashes) < maxRuleHashes && !slices.Contains(ok.hashes, h) && !slices.Contains(r.hashes, h) {
		ok.hashes = append(ok.hashes, h)
		if strong {
			ok.strong++
		}
	}
}

func (r *ruleState) addLeakSize(n int64) { r.leakSizes = appendSize(r.leakSizes, n) }

func appendSize(s []int64, n int64) []int64 {
	if len(s) < 4 && !slices.Contains(s, n) {
		s = append(s, n)
	}
	return s
}

// sample keeps the first few matching requests; samples are per rule, so
// noise sent first cannot push an attack's evidence out. An answer served
// 2xx with a body takes the place of the latest failure once the samples are
// full: a leak stays among the samples however many failed decoys came first.
func (r *ruleState) sample(q *request) {
	rec := q.r
	if len(r.samples) >= maxSamples {
		if !served(rec.Status, rec.Bytes) {
			return
		}
		i := len(r.samples) - 1
		for i >= 0 && servedStatus(r.samples[i].Status) {
			i--
		}
		if i < 0 {
			return
		}
		r.samples = slices.Delete(r.samples, i, i+1)
	}
	r.samples = append(r.samples, evidence.Sample{
		Line:   rec.Line,
		Time:   rec.Time.UTC(),
		Method: q.strs.own(truncate(rec.Method, 16)),
		Target: q.strs.own(rawTarget(rec)),
		Status: rec.Status,
		UA:     truncate(q.ua.ua, maxUA), // the classified UA's own copy
	})
}

func served(status int, bytes int64) bool { return servedStatus(status) && bytes > 0 }

func servedStatus(status int) bool { return status >= 200 && status < 300 }

// servedFirst returns samples with the 2xx answers first, in their order,
// for hits that report a leak: readers (and the report's headline) look at
// the first samples.
func servedFirst(samples []evidence.Sample) []evidence.Sample {
	out := make([]evidence.Sample, 0, len(samples))
	for _, s := range samples {
		if servedStatus(s.Status) {
			out = append(out, s)
		}
	}
	for _, s := range samples {
		if !servedStatus(s.Status) {
			out = append(out, s)
		}
	}
	return out
}

// rawTarget is the request target as logged, truncated; it may point into
// the record (own it before keeping it).
func rawTarget(rec *record.Record) string {
	p, q := rec.RawPath, rec.RawQuery
	if p == "" {
		p = rec.Path
	}
	if q == "" {
		q = rec.Query
	}
	if q == "" || len(p) >= maxTarget {
		return truncate(p, maxTarget)
	}
	return p + "?" + truncate(q, maxTarget-len(p)-1)
}

// strings is the engine's table of the strings its evidence keeps (paths,
// methods, user agents): a million actors that each asked /.env hold one
// copy of it, not a million. It is bounded (it restarts when full), so
// distinct strings cost what copies would.
type strTable struct {
	m map[string]string
}

const strTableSize = 1 << 14

// own returns a copy of s that may be kept: the table's, or a new one.
func (t *strTable) own(s string) string {
	if s == "" {
		return ""
	}
	if c, ok := t.m[s]; ok {
		return c
	}
	c := strings.Clone(s)
	if len(c) <= maxTarget {
		if t.m == nil || len(t.m) >= strTableSize {
			t.m = make(map[string]string)
		}
		t.m[c] = c
	}
	return c
}

// topK is a space-saving heavy-hitters sketch: at most max slots, counts
// are upper bounds for values that replaced another. Values are kept as
// given: pass strings the engine owns.
type topK struct {
	slots []evidence.Count
	max   int
}

func (t *topK) add(v string) { t.addN(v, 1) }

// addN is add for a value seen n times.
func (t *topK) addN(v string, n int64) {
	v = truncate(v, maxTopValue)
	for i := range t.slots {
		if t.slots[i].Value == v {
			t.slots[i].N += n
			return
		}
	}
	if len(t.slots) < t.max {
		t.slots = append(t.slots, evidence.Count{Value: v, N: n})
		return
	}
	mi := 0
	for i := range t.slots {
		if t.slots[i].N < t.slots[mi].N {
			mi = i
		}
	}
	t.slots[mi] = evidence.Count{Value: v, N: t.slots[mi].N + n}
}

func (t *topK) list() []evidence.Count {
	out := slices.Clone(t.slots)
	slices.SortStableFunc(out, func(a, b evidence.Count) int {
		if a.N != b.N {
			if a.N > b.N {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out
}

// window holds event times (and path hashes) for rules that count within a
// sliding window of log time. Records may come in any order: the window is
// evaluated over sorted times. When the buffer is full it is evaluated, the
// best count kept, and the older half dropped.
type window struct {
	length   int64 // ns
	distinct bool  // count distinct hashes instead of events
	same     bool  // count the events of the most frequent hash instead
	ts       []int64
	hs       []uint64
	best     int
	bestAt   int64
	total    int64
}

// events is how many events the window was given; a nil window has none.
func (w *window) events() int64 {
	if w == nil {
		return 0
	}
	return w.total
}

// hashes are the path hashes the window holds; none for a nil window.
func (w *window) hashes() []uint64 {
	if w == nil {
		return nil
	}
	return w.hs
}

func (w *window) add(t int64, h uint64) {
	w.total++
	if len(w.ts) >= maxWindowEvent {
		w.compact()
	}
	w.ts = append(w.ts, t)
	w.hs = append(w.hs, h)
}

func (w *window) compact() {
	w.evaluate()
	idx := w.order()
	keep := idx[len(idx)/2:]
	ts := make([]int64, 0, maxWindowEvent)
	hs := make([]uint64, 0, maxWindowEvent)
	for _, i := range keep {
		ts = append(ts, w.ts[i])
		hs = append(hs, w.hs[i])
	}
	w.ts, w.hs = ts, hs
}

func (w *window) order() []int {
	idx := make([]int, len(w.ts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case w.ts[a] < w.ts[b]:
			return -1
		case w.ts[a] > w.ts[b]:
			return 1
		}
		return a - b
	})
	return idx
}

// evaluate updates best with the largest count within any window of length.
func (w *window) evaluate() (int, int64) {
	idx := w.order()
	var seen map[uint64]int
	if w.distinct || w.same {
		seen = make(map[uint64]int)
	}
	lo := 0
	for hi, i := range idx {
		if seen != nil {
			seen[w.hs[i]]++
		}
		for w.ts[i]-w.ts[idx[lo]] > w.length {
			if seen != nil {
				h := w.hs[idx[lo]]
				if seen[h]--; seen[h] == 0 {
					delete(seen, h)
				}
			}
			lo++
		}
		n := hi - lo + 1
		switch {
		case w.distinct:
			n = len(seen)
		case w.same:
			n = seen[w.hs[i]] // only this hash's count grew
		}
		if n > w.best {
			w.best, w.bestAt = n, w.ts[idx[lo]]
		}
	}
	return w.best, w.bestAt
}
