package detect

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/logsift/logsift/internal/crawlers"
	"github.com/logsift/logsift/internal/record"
)

// Limits that keep memory bounded whatever the log holds.
const (
	maxSamples     = 5    // samples kept per rule and actor
	maxTarget      = 300  // bytes of a sample's target
	maxUA          = 200  // bytes of a sample's user agent
	maxTopValue    = 200  // bytes of a top path or UA value
	topPathSlots   = 8    // space-saving slots for top paths
	topUASlots     = 4    // space-saving slots for user agents
	maxRuleHashes  = 64   // distinct paths remembered per rule
	maxWindowEvent = 1024 // window events kept per actor before compaction
	maxProbeSet    = 32   // matched attack paths kept per actor for campaigns
	uaCacheSize    = 8192 // distinct UAs classified before the cache restarts
	maxCachedUA    = 512  // bytes of the longest UA the cache keeps
	maxPageSizes   = 4096 // size buckets of the page-size histogram
	rateAfter      = 8    // requests after which an actor's crawl rate is tracked
)

// Engine applies the rules to records, one actor at a time. It is not safe
// for concurrent use.
type Engine struct {
	cfg       Config
	allowNets []netip.Prefix
	uaAllow   []string
	uaAllowM  *matcher // uaAllow in one pass: a long user agent costs one scan, not one per entry
	pathAllow []string
	m         *matcher
	pats      []pattern
	seed      maphash.Seed

	actors      map[netip.Prefix]*actorState
	rich        int // actors with full evidence
	requests    int64
	allowlisted int64
	// sizes is this engine's own page-size histogram; site, when set, is the
	// whole run's, which judges catch-all answers instead (UsePageSizes).
	sizes *PageSizes
	site  *PageSizes

	// Per-record scratch space, reused so the benign path does not allocate.
	pbuf, qbuf, rbuf []byte
	matches          []match
	uaMatches        []match
	// Per check (checkOf maps a pattern to its check), for the field being
	// scanned: the scan epoch its answer belongs to, and the answer. A
	// check runs at most once per field, whatever the number of matches.
	checks    []*check
	checkOf   []int16 // pattern -> index in checks; -1 for none
	checked   []uint32
	checkOK   []bool
	epoch     uint32
	found     [numRules]found
	q         request
	judge     judge
	detectors []ruleID // rules with a detect hook

	lastClient      netip.Addr
	lastState       *actorState
	lastAllowClient netip.Addr
	lastAllowed     bool
	uaCache         map[string]*uaInfo
	strs            strTable // strings kept in evidence, shared
	lastCrawler     *crawlers.Operator
	lastCrawlerAddr netip.Addr
	lastCrawlerIn   bool
	lastUA          string
	lastUAInfo      *uaInfo
}

// found is what one request matched for one rule.
type found struct {
	hit    bool
	strong bool
	marker string // pattern text that matched (static, never attacker text)
	field  field
}

type uaInfo struct {
	ua        string // owned copy
	allowedAs string // allowlist entry the UA matched, "" if none
	// crawler is the operator whose crawler the UA names, when that
	// operator publishes its addresses (crawlers.Claimed); nil otherwise.
	crawler *crawlers.Operator
	hits    []uaHit
}

type uaHit struct {
	rule   ruleID
	marker string
	strong bool
}

// NewEngine builds an engine. Zero thresholds in cfg take the defaults.
func NewEngine(cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	nets, err := parseCIDRs(cfg.Allow.CIDRs)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:       cfg,
		allowNets: nets,
		seed:      maphash.MakeSeed(),
		actors:    make(map[netip.Prefix]*actorState),
		uaCache:   make(map[string]*uaInfo),
		sizes:     NewPageSizes(),
	}
	for _, s := range cfg.Allow.UserAgents {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			e.uaAllow = append(e.uaAllow, s)
		}
	}
	e.uaAllowM = newMatcher(e.uaAllow)
	for _, s := range cfg.Allow.Paths {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			e.pathAllow = append(e.pathAllow, s)
		}
	}
	e.pats = allPatterns()
	for id, ru := range rules {
		if ru.detect != nil {
			e.detectors = append(e.detectors, ruleID(id))
		}
	}
	texts := make([]string, len(e.pats))
	for i, p := range e.pats {
		texts[i] = p.text
	}
	e.m = newMatcher(texts)
	e.checkOf = make([]int16, len(e.pats))
	for i, p := range e.pats {
		e.checkOf[i] = -1
		if p.confirm == nil {
			continue
		}
		ci := slices.Index(e.checks, p.confirm)
		if ci < 0 {
			ci = len(e.checks)
			e.checks = append(e.checks, p.confirm)
		}
		e.checkOf[i] = int16(ci)
	}
	e.checked = make([]uint32, len(e.checks))
	e.checkOK = make([]bool, len(e.checks))
	return e, nil
}

// Actors returns how many distinct actors the engine has seen, allowlisted
// clients not included.
func (e *Engine) Actors() int { return len(e.actors) }

// Rich returns how many of them have full evidence (a rule matched, a
// probe failed): these cost a kilobyte or two each, the others a few
// hundred bytes.
func (e *Engine) Rich() int { return e.rich }

// allowedAddr reports whether a client address is in the CIDR allowlist.
// It checks the address, not the actor: allowlisting one IPv6 host does not
// allowlist its whole /64.
func (e *Engine) allowedAddr(a netip.Addr) bool {
	if a == e.lastAllowClient {
		return e.lastAllowed
	}
	a = a.Unmap()
	ok := false
	for _, n := range e.allowNets {
		if n.Contains(a) {
			ok = true
			break
		}
	}
	e.lastAllowClient, e.lastAllowed = a, ok
	return ok
}

func (e *Engine) actor(c netip.Addr) *actorState {
	if e.lastState != nil && c == e.lastClient {
		return e.lastState
	}
	key := record.Actor(c)
	st := e.actors[key]
	if st == nil {
		st = &actorState{}
		e.actors[key] = st
	}
	e.lastClient, e.lastState = c, st
	return st
}

// str views b as a string without copying; the result is only valid until b
// is written again, and nothing derived from it is retained without a copy.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (e *Engine) norm(buf *[]byte, s string, plus bool) string {
	s, _ = e.normRounds(buf, s, plus)
	return s
}

func (e *Engine) normRounds(buf *[]byte, s string, plus bool) (string, int) {
	b, same, rounds := normalize(*buf, s, plus)
	*buf = b
	if rounds < 0 {
		return same, 0
	}
	return str(b), rounds
}

// Observe feeds one record to the rules. It does not retain r or any string
// in it. Records may arrive in any time order.
//
// It runs in phases: count the request for its actor (begin), find markers
// in its fields (scan), run the rules' per-request hooks (detect), and only
// when something matched, or the actor already has full evidence, record it
// (remember). The first three run for every request and do not allocate.
func (e *Engine) Observe(r *record.Record) {
	e.requests++
	if len(e.allowNets) > 0 && e.allowedAddr(r.Client) {
		e.allowlisted++
		return
	}
	q := e.begin(r)
	e.scan(q)
	hit := false
	for _, id := range e.detectors {
		rules[id].detect(q, &e.found[id])
	}
	for i := range e.found {
		if e.found[i].hit {
			hit = true
			break
		}
	}
	if !hit {
		e.browse(q)
		if q.st.rich == nil {
			return // the cheap, common case: nothing to remember beyond counters
		}
	}
	e.remember(q, hit)
}

// begin counts the request for its actor and prepares the request the
// hooks see: normalised path, user agent classification, static and
// allowlisted flags.
func (e *Engine) begin(r *record.Record) *request {
	st := e.actor(r.Client)
	t := unixNano(r.Time)
	if st.requests == 0 || t < st.first {
		st.first = t
	}
	if st.requests == 0 || t > st.last {
		st.last = t
	}
	st.requests++
	st.addStatus(r.Status)
	st.paths.add(pathSketchHash(r.Path))
	e.sizes.Observe(r)

	q := &e.q
	*q = request{r: r, st: st, cfg: &e.cfg, seed: e.seed, t: t, found: &e.found, strs: &e.strs}
	q.rawPath = r.RawPath
	if q.rawPath == "" {
		q.rawPath = r.Path
	}
	q.npath, q.rounds = e.normRounds(&e.pbuf, q.rawPath, false)
	q.ua = e.classifyUA(r.UA)
	for _, p := range e.pathAllow {
		if strings.HasPrefix(q.npath, p) && !strings.Contains(q.npath, "..") {
			q.pathAllowed = true
			e.allowlisted++
			break
		}
	}
	q.static = staticExt(q.npath)
	q.exempt, q.fake = e.exempt(q)
	return q
}

// exempt decides whether an allowlisted user agent spares this request the
// probing and volume rules. A crawler whose operator publishes its address
// ranges is taken at its word only from inside them (outside, the request
// is fake), for logs within a year of the shipped lists (crawlers.Judges);
// and even a real crawler is judged like any client when it does
// what crawlers do not: a request other than GET or HEAD (a POST to a form,
// a PUT). Allowlisted agents of operators that publish no ranges (monitors,
// link previews, most SEO crawlers) keep the exemption on their word.
func (e *Engine) exempt(q *request) (exempt, fake bool) {
	op := q.ua.crawler
	if op != nil && op.Judges(q.r.Time) && !e.inRanges(op, q.r.Client) {
		return false, true
	}
	if q.ua.allowedAs == "" {
		return false, false
	}
	m := q.r.Method
	return strings.EqualFold(m, "GET") || strings.EqualFold(m, "HEAD"), false
}

// inRanges is op.Contains(a), remembered for the last address and operator:
// a crawler's requests come in runs.
func (e *Engine) inRanges(op *crawlers.Operator, a netip.Addr) bool {
	if op != e.lastCrawler || a != e.lastCrawlerAddr {
		e.lastCrawler, e.lastCrawlerAddr, e.lastCrawlerIn = op, a, op.Contains(a)
	}
	return e.lastCrawlerIn
}

// scan fills e.found with the markers of every field: the raw and decoded
// path and query, a referer that could carry a payload, and the user agent's
// cached hits.
func (e *Engine) scan(q *request) {
	r := q.r
	e.found = [numRules]found{}
	e.scanField(q.npath, fPath)
	rawQuery := r.RawQuery
	if rawQuery == "" {
		rawQuery = r.Query
	}
	nquery := e.norm(&e.qbuf, rawQuery, true)
	if nquery != "" {
		e.scanField(nquery, fQuery)
	}
	if r.RawQuery != "" && r.Query != r.RawQuery {
		if q2 := e.norm(&e.rbuf, r.Query, true); q2 != nquery {
			e.scanField(q2, fQuery)
		}
	}
	if strings.ContainsAny(r.Referer, "$(<'\"%{") {
		e.scanField(e.norm(&e.rbuf, r.Referer, false), fRef)
	}
	// Decoded path as the parser wrote it, when it differs from the raw one
	// (a parser may decode what the raw form hides differently).
	if r.RawPath != "" && r.Path != r.RawPath && !r.Malformed {
		if p2 := e.norm(&e.rbuf, r.Path, false); p2 != q.npath {
			e.scanField(p2, fPath)
		}
	}
	for _, h := range q.ua.hits {
		f := &e.found[h.rule]
		if !f.hit || (h.strong && !f.strong) {
			*f = found{hit: true, strong: h.strong || f.strong, marker: h.marker, field: fUA}
		}
	}
}

// remember records a request in its actor's full evidence: top paths and
// user agents, and for each rule it matched, the rule's record hook and then
// the default counting.
func (e *Engine) remember(q *request, hit bool) {
	r := q.r
	if q.st.rich == nil {
		e.rich++
	}
	rs := q.st.richState()
	rs.topPaths.add(e.strs.own(truncate(r.Path, maxTopValue)))
	rs.topUAs.add(q.ua.ua)
	if q.ua.allowedAs != "" && rs.claimedUA == "" {
		rs.claimedUA = q.ua.allowedAs
	}
	if !hit {
		return
	}
	success := q.success()
	attack, targetSuccess := false, false
	var payload field // where payload rules matched (planted.go)
	for id := range numRules {
		f := e.found[id]
		if !f.hit {
			continue
		}
		ru := rules[id]
		if q.pathAllowed && ru.kind != kindPayload {
			continue
		}
		if ru.record != nil && !ru.record(q, rs, id, f) {
			continue
		}
		rst := rs.rule(id)
		rst.count++
		rst.fields |= f.field
		if f.strong {
			rst.strong++
		}
		if rst.marker == "" {
			rst.marker = f.marker
		}
		if ru.kind == kindPresence {
			rst.addPath(maphash.String(e.seed, q.npath), f.strong)
		}
		// A 2xx says something only when the payload was in the target:
		// a page answers whatever user agent asked for it.
		if success && f.field&(fPath|fQuery) != 0 {
			rst.leaks++
			rst.addLeakSize(r.Bytes)
			if ru.kind != kindBehaviour {
				targetSuccess = true
			}
		}
		rst.sample(q)
		if ru.kind != kindBehaviour {
			attack = true
		}
		if ru.kind == kindPayload {
			payload |= f.field
		}
	}
	if q.presencePath() {
		e.noteLure(q, rs)
	}
	if payload != 0 {
		e.notePlant(q, rs, payload)
	}
	if attack {
		if targetSuccess {
			rs.successes++
			rs.successSizes = appendSize(rs.successSizes, r.Bytes)
		}
		rs.addProbe(e.strs.own(truncate(q.npath, 120)))
	}
}

// scanField runs the automaton over one normalised field and records the
// rules whose patterns match there. It reports whether any did.
func (e *Engine) scanField(text string, fl field) bool {
	e.epoch++
	if e.epoch == 0 {
		clear(e.checked)
		e.epoch = 1
	}
	e.matches = e.m.scan(text, e.matches[:0])
	any := false
	for _, mt := range e.matches {
		p := &e.pats[mt.id]
		if p.fields&fl == 0 {
			continue
		}
		switch p.pos {
		case suffix:
			end := mt.end
			if end != len(text) && !(end == len(text)-1 && text[end] == '/') {
				continue
			}
		case segment:
			if end := mt.end; end != len(text) && text[end] != '/' && text[end] != ';' &&
				!strings.HasSuffix(p.text, "/") {
				continue
			}
		}
		if ci := e.checkOf[mt.id]; ci >= 0 {
			// The check sees the whole field and runs once per field: it
			// takes time linear in the field whatever the field holds
			// (confirm.go), so the field's cost is bounded and no decoy
			// before or after a payload can use up a budget and hide it.
			if e.checked[ci] != e.epoch {
				e.checked[ci] = e.epoch
				e.checkOK[ci] = e.checks[ci].match(text)
			}
			if !e.checkOK[ci] {
				continue
			}
		}
		f := &e.found[p.rule]
		if !f.hit || (p.strong && !f.strong) {
			marker := p.text
			if p.label != "" {
				marker = p.label
			}
			*f = found{hit: true, strong: p.strong || f.strong, marker: marker, field: fl}
		}
		any = true
	}
	return any
}

// classifyUA returns what the rules know about a user agent, cached because
// the same few UAs repeat across a log.
func (e *Engine) classifyUA(ua string) *uaInfo {
	if e.lastUAInfo != nil && ua == e.lastUA {
		return e.lastUAInfo
	}
	info, ok := e.uaCache[ua]
	if !ok {
		info = e.uaInfoFor(ua)
		// ua may point into the reader's buffer: keep a copy.
		info.ua = strings.Clone(ua)
		// Long UAs are classified each time: real ones are short, and
		// caching a line's worth of text per entry would let a log of
		// distinct long UAs hold uaCacheSize lines in memory.
		if len(ua) <= maxCachedUA {
			if len(e.uaCache) >= uaCacheSize {
				clear(e.uaCache)
			}
			e.uaCache[info.ua] = info
		}
	}
	e.lastUA, e.lastUAInfo = info.ua, info
	return info
}

func (e *Engine) uaInfoFor(ua string) *uaInfo {
	info := &uaInfo{crawler: crawlers.Claimed(ua)}
	if ua == "" {
		return info
	}
	nua := e.norm(&e.rbuf, ua, false)
	// The first entry in list order that the user agent holds.
	first := int32(-1)
	e.uaMatches = e.uaAllowM.scan(nua, e.uaMatches[:0])
	for _, mt := range e.uaMatches {
		if first < 0 || mt.id < first {
			first = mt.id
		}
	}
	if first >= 0 {
		info.allowedAs = e.uaAllow[first]
	}
	saved := e.found
	e.found = [numRules]found{}
	if e.scanField(nua, fUA) {
		for id, f := range e.found {
			if f.hit {
				info.hits = append(info.hits, uaHit{rule: ruleID(id), marker: f.marker, strong: f.strong})
			}
		}
	}
	e.found = saved
	for id, ru := range rules {
		if ru.userAgent == nil {
			continue
		}
		if m := ru.userAgent(ua); m != "" {
			info.hits = append(info.hits, uaHit{rule: ruleID(id), marker: m, strong: true})
		}
	}
	return info
}

var (
	minTime = time.Unix(0, 0)
	maxTime = time.Unix(0, 1<<62)
)

// unixNano is t in Unix nanoseconds, clamped to 1970..2116 so that a zero or
// absurd time can neither wrap around nor overflow a difference of times.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return maxTime.UnixNano()
	}
	return t.UnixNano()
}

func stripPort(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

// truncate cuts s to at most n bytes on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func durationString(d Duration) string {
	v := time.Duration(d)
	if v%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(v/time.Minute))
	}
	return v.String()
}

// UsePageSizes makes the engine judge single-page-app catch-all answers
// against p, the whole run's histogram, instead of the rows it saw itself.
func (e *Engine) UsePageSizes(p *PageSizes) { e.site = p }

// pageSizes is the histogram catch-all answers are judged against.
func (e *Engine) pageSizes() *PageSizes {
	if e.site != nil {
		return e.site
	}
	return e.sizes
}
