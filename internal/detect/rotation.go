package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// Address rotation: a scanner spreads one wordlist over many addresses of
// its own prefix (IPv6 /64s of one /48, neighbouring IPv4 addresses of one
// /24), so each address asks a few paths and stays under every per-actor
// threshold, or is reported as many unrelated small findings. Result merges
// such addresses into one actor, their smallest covering prefix, with the
// whole scan's evidence.
//
// Addresses are coordinated when all of these hold, and none is a judgement
// on one address alone:
//
//   - they share a block (record.Block: the /24 or /48) and a user agent,
//     each sending only one, the same but for version numbers (scanners
//     that rotate addresses often pick a browser version at random too);
//   - each mostly fails (at least two thirds of its answers 4xx, 5xx or
//     none) on probed paths (failing non-static paths, or paths of the
//     presence rules), and none claims an allowlisted crawler or monitor;
//   - they act one after another: sorted by first request, none starts more
//     than rotationGap after the ones before it stopped;
//   - they ask different parts of a list: the distinct paths of the group
//     are at least half of the paths its members asked (addresses that ask
//     the same paths are a shared-probe-set campaign, not a rotation);
//   - there are at least minRotation of them and together they asked at
//     least ProbingDistinctPaths distinct paths, the burst one client needs
//     for http-probing.
//
// Unrelated users of one ISP /24 or a carrier-grade NAT pool browse (their
// answers are mostly 2xx), send different user agents and ask for the same
// popular pages, so they fail the first, second or fourth test.
const (
	minRotation = 4
	rotationGap = int64(10 * time.Minute)
)

type rotationKey struct {
	block netip.Prefix
	ua    string
}

type rotationMember struct {
	key   netip.Prefix
	st    *actorState
	paths []uint64 // distinct probed path hashes
}

// rotation is one merged scan.
type rotation struct {
	prefix  netip.Prefix
	members []netip.Prefix
	st      *actorState // the members' merged state
	hit     evidence.Hit
}

// rotations finds the coordinated groups among the engine's actors.
func (e *Engine) rotations() []rotation {
	groups := map[rotationKey][]rotationMember{}
	for key, st := range e.actors {
		if m, ua, ok := rotationCandidate(key, st); ok {
			k := rotationKey{record.Block(key.Addr()), uaFamily(ua)}
			groups[k] = append(groups[k], m)
		}
	}
	var out []rotation
	for k, ms := range groups {
		if len(ms) < minRotation {
			continue
		}
		slices.SortFunc(ms, func(a, b rotationMember) int {
			if a.st.first != b.st.first {
				return cmpInt64(a.st.first, b.st.first)
			}
			return a.key.Addr().Compare(b.key.Addr())
		})
		start, end := 0, ms[0].st.last
		for i := 1; i <= len(ms); i++ {
			if i < len(ms) && ms[i].st.first <= end+rotationGap {
				end = max(end, ms[i].st.last)
				continue
			}
			if r, ok := e.rotation(k, ms[start:i]); ok {
				out = append(out, r)
			}
			if i < len(ms) {
				start, end = i, ms[i].st.last
			}
		}
	}
	slices.SortFunc(out, func(a, b rotation) int { return a.prefix.Addr().Compare(b.prefix.Addr()) })
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// uaFamily is a user agent with its version numbers blanked.
func uaFamily(ua string) string {
	b := make([]byte, 0, len(ua))
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if c >= '0' && c <= '9' {
			if len(b) == 0 || b[len(b)-1] != '#' {
				b = append(b, '#')
			}
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// rotationCandidate reports whether an actor looks like one address of a
// rotating scan, and its only user agent.
func rotationCandidate(key netip.Prefix, st *actorState) (rotationMember, string, bool) {
	rs := st.rich
	if rs == nil || rs.claimedUA != "" || len(rs.topUAs.slots) != 1 {
		return rotationMember{}, "", false
	}
	var failed int64
	for _, c := range st.status {
		if c.n > 0 && (c.code >= 400 || c.code == 0) {
			failed += c.n
		}
	}
	for code, n := range st.moreStatus {
		if code >= 400 || code == 0 {
			failed += n
		}
	}
	if failed*3 < st.requests*2 {
		return rotationMember{}, "", false
	}
	var paths []uint64
	add := func(h uint64) {
		if !slices.Contains(paths, h) {
			paths = append(paths, h)
		}
	}
	for _, h := range rs.probe.hashes() {
		add(h)
	}
	for _, e := range rs.rules {
		if rules[e.id].kind == kindPresence {
			for _, h := range e.r.hashes {
				add(h)
			}
		}
	}
	if len(paths) == 0 {
		return rotationMember{}, "", false
	}
	return rotationMember{key: key, st: st, paths: paths}, rs.topUAs.slots[0].Value, true
}

// rotation checks one time cluster of a group and merges it.
func (e *Engine) rotation(k rotationKey, ms []rotationMember) (rotation, bool) {
	if len(ms) < minRotation {
		return rotation{}, false
	}
	// A map, not a list: a rotation through a /48 can have tens of
	// thousands of members, each asking its own paths.
	union := map[uint64]struct{}{}
	sum := 0
	for _, m := range ms {
		sum += len(m.paths)
		for _, h := range m.paths {
			union[h] = struct{}{}
		}
	}
	if len(union)*2 < sum || len(union) < e.cfg.ProbingDistinctPaths {
		return rotation{}, false
	}
	r := rotation{st: &actorState{}}
	bits := ms[0].key.Bits()
	p := ms[0].key
	var probes int64
	var samples []evidence.Sample
	most := 0
	for _, m := range ms {
		for !p.Contains(m.key.Addr()) {
			bits--
			p, _ = ms[0].key.Addr().Prefix(bits) // shorter prefixes of one address nest
		}
		r.members = append(r.members, m.key)
		r.st.merge(m.st)
		probes += m.st.rich.probe.events()
		most = max(most, len(m.paths))
		if s := firstSample(m.st.rich); s != nil && len(samples) < maxSamples {
			samples = append(samples, *s)
		}
	}
	r.prefix = p.Masked()
	each := "an address"
	if !r.prefix.Addr().Is4() {
		each = "an IPv6 /64"
	}
	r.hit = evidence.Hit{
		Rule: "address-rotation", Category: evidence.HTTPProbing, Severity: evidence.Medium, Count: probes,
		Reason: fmt.Sprintf("%d addresses of %s (each %s) with the same user agent but for version numbers (%q) asked %d distinct paths between %s and %s, mostly failing, each address a different part of the list (at most %d paths each): one scanner rotating its address (threshold %d addresses, %d paths)",
			len(ms), r.prefix, each, truncate(ms[0].st.rich.topUAs.slots[0].Value, 80), len(union),
			time.Unix(0, r.st.first).UTC().Format(time.RFC3339), time.Unix(0, r.st.last).UTC().Format(time.RFC3339),
			most, minRotation, e.cfg.ProbingDistinctPaths),
		Samples: samples,
	}
	return r, true
}

// firstSample is the earliest sample any rule of rs kept.
func firstSample(rs *richState) *evidence.Sample {
	var best *evidence.Sample
	for _, e := range rs.rules {
		r := e.r
		for i := range r.samples {
			if best == nil || r.samples[i].Time.Before(best.Time) {
				best = &r.samples[i]
			}
		}
	}
	return best
}

// rotationEvidence is the merged actor of a rotation; others are the
// engine's other actors inside its prefix, sorted.
func (e *Engine) rotationEvidence(r rotation, others []netip.Prefix) evidence.Actor {
	hits, weak := e.evaluate(r.st)
	hits = append(hits, r.hit)
	a := e.actorEvidence(r.prefix, r.st, hits, weak)
	a.MemberCount = len(r.members)
	for _, m := range r.members[:min(len(r.members), evidence.MaxMembers)] {
		a.Members = append(a.Members, record.ActorString(m))
	}
	if len(others) > 0 {
		members := slices.Clone(r.members)
		slices.SortFunc(members, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		for _, p := range blockCover(r.prefix, members, others) {
			a.Block = append(a.Block, record.ActorString(p))
		}
		a.BlockOthers = len(others)
	}
	return a
}

// rotationNeighbours returns, for each rotation, the engine's actors inside
// its prefix that are not its members, sorted by address: the clients that
// blocking the whole prefix would block with the scan.
func (e *Engine) rotationNeighbours(rs []rotation) [][]netip.Prefix {
	out := make([][]netip.Prefix, len(rs))
	byBlock := map[netip.Prefix][]int{}
	member := map[netip.Prefix]bool{}
	for i, r := range rs {
		b := record.Block(r.prefix.Addr())
		byBlock[b] = append(byBlock[b], i)
		for _, m := range r.members {
			member[m] = true
		}
	}
	if len(rs) == 0 {
		return out
	}
	for key := range e.actors {
		if member[key] {
			continue
		}
		for _, i := range byBlock[record.Block(key.Addr())] {
			if rs[i].prefix.Contains(key.Addr()) {
				out[i] = append(out[i], key)
			}
		}
	}
	for _, o := range out {
		slices.SortFunc(o, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	}
	return out
}

// maxCover bounds the prefixes a rotation is blocked by.
const maxCover = evidence.MaxMembers

// blockCover returns what to block for a rotating scan whose prefix p also
// holds other clients of the log: the smallest prefixes that together hold
// its members and none of the others (members and others are actor keys
// inside p, sorted by address). Blocking p itself would let a scanner that
// rotates through addresses spread over a shared /24 (a cloud range, an ISP)
// get that range's other users blocked with it. Where a part of p holds
// members and no other client, the part's members are blocked by the
// smallest prefix holding them, which is p itself when p holds no one else.
// At most maxCover prefixes: the members past them are left out, and
// Actor.Block then holds fewer addresses than MemberCount.
func blockCover(p netip.Prefix, members, others []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	var walk func(p netip.Prefix, members, others []netip.Prefix)
	walk = func(p netip.Prefix, members, others []netip.Prefix) {
		if len(members) == 0 || len(out) == maxCover {
			return
		}
		if len(others) == 0 {
			out = append(out, smallestCover(members[0], members[len(members)-1]))
			return
		}
		// p holds both, so it is wider than one actor: split it.
		lo, _ := p.Addr().Prefix(p.Bits() + 1)
		inLo := func(q netip.Prefix) bool { return !lo.Contains(q.Addr()) }
		m, o := partitionPoint(members, inLo), partitionPoint(others, inLo)
		walk(lo, members[:m], others[:o])
		if len(members[m:]) > 0 {
			hi, _ := members[m].Addr().Prefix(p.Bits() + 1)
			walk(hi, members[m:], others[o:])
		}
	}
	walk(p, members, others)
	return out
}

// partitionPoint is the index of the first element of sorted s for which past
// is true (len(s) if none).
func partitionPoint(s []netip.Prefix, past func(netip.Prefix) bool) int {
	i, _ := slices.BinarySearchFunc(s, true, func(q netip.Prefix, _ bool) int {
		if past(q) {
			return 1
		}
		return -1
	})
	return i
}

// smallestCover is the smallest prefix holding actor keys a and b (a <= b).
func smallestCover(a, b netip.Prefix) netip.Prefix {
	bits := min(a.Bits(), b.Bits())
	for bits > 0 {
		if p, _ := a.Addr().Prefix(bits); p.Contains(b.Addr()) {
			return p
		}
		bits--
	}
	p, _ := a.Addr().Prefix(0)
	return p
}

// merge adds o's counters and evidence to s, for a merged actor.
func (s *actorState) merge(o *actorState) {
	if s.requests == 0 || o.first < s.first {
		s.first = o.first
	}
	if s.requests == 0 || o.last > s.last {
		s.last = o.last
	}
	s.requests += o.requests
	for _, c := range o.status {
		if c.n > 0 {
			s.addStatusN(int(c.code), c.n)
		}
	}
	for code, n := range o.moreStatus {
		s.addStatusN(code, n)
	}
	s.paths.merge(&o.paths)
	if o.rich != nil {
		if s.rich == nil {
			s.rich = newRichState()
		}
		s.rich.merge(o.rich)
	}
}

func (s *actorState) addStatusN(code int, n int64) {
	for i := range s.status {
		c := &s.status[i]
		if c.n > 0 && int(c.code) == code {
			c.n += n
			return
		}
		if c.n == 0 {
			c.code, c.n = int32(code), n
			return
		}
	}
	if s.moreStatus == nil {
		s.moreStatus = make(map[int]int64)
	}
	s.moreStatus[code] += n
}

func (d *distinctSet) merge(o *distinctSet) {
	for i := 0; i < int(o.n); i++ {
		d.add(uint64(o.inline[i]))
	}
	if o.bitmap != nil {
		if d.bitmap == nil {
			d.spill()
		}
		for i := range d.bitmap {
			d.bitmap[i] |= o.bitmap[i]
		}
	}
}

func (rs *richState) merge(o *richState) {
	for _, c := range o.topPaths.slots {
		rs.topPaths.addN(c.Value, c.N)
	}
	for _, c := range o.topUAs.slots {
		rs.topUAs.addN(c.Value, c.N)
	}
	rs.probe = mergeWindow(rs.probe, o.probe)
	rs.brute = mergeWindow(rs.brute, o.brute)
	rs.successes += o.successes
	for _, n := range o.successSizes {
		rs.successSizes = appendSize(rs.successSizes, n)
	}
	for _, p := range o.probeSet {
		rs.addProbe(p)
	}
	for _, e := range o.rules {
		rs.rule(e.id).merge(e.r)
	}
}

// mergeWindow is w with o's events added, either of them nil.
func mergeWindow(w, o *window) *window {
	if o == nil {
		return w
	}
	if w == nil {
		w = &window{length: o.length, distinct: o.distinct}
	}
	w.merge(o)
	return w
}

func (w *window) merge(o *window) {
	for i := range o.ts {
		w.add(o.ts[i], o.hs[i])
	}
	// add counted the events still held; the ones compacted away count too.
	w.total += o.total - int64(len(o.ts))
	w.best = max(w.best, o.best)
}

func (r *ruleState) merge(o *ruleState) {
	r.count += o.count
	r.strong += o.strong
	for _, h := range o.hashes {
		r.addPath(h, false)
	}
	r.strongN = min(r.strongN+o.strongN, len(r.hashes))
	r.overflow = r.overflow || o.overflow
	r.leaks += o.leaks
	for _, n := range o.leakSizes {
		r.addLeakSize(n)
	}
	if r.marker == "" {
		r.marker = o.marker
	}
	r.fields |= o.fields
	if oo := o.ok; oo != nil {
		if r.ok == nil {
			r.ok = &okState{}
		}
		ok := r.ok
		ok.count += oo.count
		for _, h := range oo.hashes {
			if len(ok.hashes) < maxRuleHashes && !slices.Contains(ok.hashes, h) {
				ok.hashes = append(ok.hashes, h)
			}
		}
		ok.strong += oo.strong
		for _, n := range oo.sizes {
			ok.sizes = appendSize(ok.sizes, n)
		}
	}
	for _, s := range o.samples {
		if len(r.samples) < maxSamples {
			r.samples = append(r.samples, s)
		}
	}
}
