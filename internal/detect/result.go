package detect

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/addrlist"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// Result returns the evidence for every actor seen so far: the worst
// suspicious actors and the strongest weak ones in detail, within the
// detail limits (Config), and every other actor with rule matches counted in
// the group of its behaviour (group.go); Counts accounts for all of them. It
// may be called more than once.
func (e *Engine) Result(chunk int) evidence.Chunk {
	c, _ := e.ResultWith(chunk, nil)
	return c
}

// AddressSink receives the address list of a Result (addrlist.Writer).
type AddressSink interface {
	Actor(addrlist.Actor) error
	Block(addrlist.Block) error
}

// ResultWith is Result, and gives list (when not nil) every actor with rule
// matches, in address order, each block's closed by its count of actors:
// what the report's address file is made from.
func (e *Engine) ResultWith(chunk int, list AddressSink) (evidence.Chunk, error) {
	out := evidence.Chunk{
		Chunk:       chunk,
		Requests:    e.requests,
		Actors:      len(e.actors),
		Allowlisted: e.allowlisted,
		Suspicious:  []evidence.Actor{},
		Weak:        []evidence.Actor{},
	}
	groups := newGroupSet(e.cfg.GroupLimit)
	suspicious, weak, logins := detailLimits(&e.cfg, func(a evidence.Actor) { groups.add(groupOf(&a)) })

	// A rotating scan's members are listed as its addresses, reported as
	// the scan's prefix.
	rotated := map[netip.Prefix]*addrlist.Actor{}
	rots := e.rotations()
	neighbours := e.rotationNeighbours(rots)
	for i, r := range rots {
		a := e.rotationEvidence(r, neighbours[i])
		out.Counts.Suspicious += a.Clients()
		l := listed(&a)
		for _, m := range r.members {
			rotated[m] = &l
		}
		suspicious.add(a)
	}
	blocks := blockCounter{list: list}
	linked := map[[2]string]*evidence.LinkedPath{}
	for _, key := range e.actorKeys() {
		st := e.actors[key]
		if err := blocks.next(key); err != nil {
			return out, err
		}
		if l := rotated[key]; l != nil {
			if err := blocks.actor(key, *l); err != nil {
				return out, err
			}
			continue
		}
		if st.rich == nil {
			out.Counts.Clean++
			continue
		}
		hits, weakHits := e.evaluate(st)
		if len(hits) == 0 && len(weakHits) == 0 {
			out.Counts.Clean++
			continue
		}
		if e.lured(st, hits, weakHits) {
			l := &st.rich.lure
			k := [2]string{l.path, l.from}
			if linked[k] == nil {
				linked[k] = &evidence.LinkedPath{Path: l.path, From: l.from, Status: l.status}
			}
			linked[k].Visitors++
			out.Counts.Lured++
			continue
		}
		a := e.actorEvidence(key, st, hits, weakHits)
		a.Planted = e.planted(st, hits, weakHits)
		if list != nil {
			if err := blocks.actor(key, listed(&a)); err != nil {
				return out, err
			}
		}
		switch {
		case len(hits) > 0:
			out.Counts.Suspicious++
			suspicious.add(a)
		case loginOnly(&a):
			out.Counts.Weak++
			a.Weak[0].Samples = a.Weak[0].Samples[:min(len(a.Weak[0].Samples), 2)]
			logins.add(a)
		default:
			out.Counts.Weak++
			weak.add(a)
		}
	}
	if err := blocks.next(netip.Prefix{}); err != nil {
		return out, err
	}
	out.Suspicious = append(out.Suspicious, suspicious.list()...)
	out.Weak = append(append(out.Weak, weak.list()...), logins.list()...)
	out.Groups = groups.list()
	if len(linked) > 0 {
		out.Linked = linkedPaths(linked)
	}
	return out, nil
}

// listed is an actor as the address list names it: the detailed actor it
// is reported as and the groups its behaviour is counted in, finest first.
func listed(a *evidence.Actor) addrlist.Actor {
	g := groupOf(a)
	l := addrlist.Actor{Actor: a.Actor, Finding: a.Actor, Groups: []string{g.ID}, Weak: g.Weak, Severity: g.Severity, Categories: g.Categories}
	if len(g.UserAgents) > 0 {
		setGroupKey(&g, levelNoUA)
		l.Groups = append(l.Groups, g.ID)
	}
	return l
}

// blockCounter writes the address list's actors and, when the next actor
// is in another block, the count of the block it closes. Actors come in
// address order, so each block's are together.
type blockCounter struct {
	list   AddressSink
	block  netip.Prefix
	actors int64
	listed bool
}

// next counts key in its block, closing the previous block first; the
// zero prefix closes the last one.
func (b *blockCounter) next(key netip.Prefix) error {
	if b.list == nil {
		return nil
	}
	var blk netip.Prefix
	if key.IsValid() {
		blk = record.Block(key.Addr())
	}
	if blk != b.block {
		if b.listed {
			if err := b.list.Block(addrlist.Block{Prefix: b.block, Actors: b.actors}); err != nil {
				return err
			}
		}
		b.block, b.actors, b.listed = blk, 0, false
	}
	b.actors++
	return nil
}

func (b *blockCounter) actor(key netip.Prefix, l addrlist.Actor) error {
	if b.list == nil {
		return nil
	}
	b.listed = true
	l.Actor = record.ActorString(key)
	return b.list.Actor(l)
}

// actorKeys are the engine's actors in address order, so that a Result
// (which groups as it goes) is the same on every call.
func (e *Engine) actorKeys() []netip.Prefix {
	keys := make([]netip.Prefix, 0, len(e.actors))
	for k := range e.actors {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	return keys
}

// detailLimits are the three kinds of detailed actors, each bounded and in
// its order, handing the actors beyond its limit to evict: suspicious
// actors (the worst), weak ones (the strongest) and weak actors whose only
// match is a failed login (credential-stuffing members, by address), kept
// apart because they are many and thin: they must not crowd out other weak
// actors, nor be cut by them.
func detailLimits(cfg *Config, evict func(evidence.Actor)) (suspicious, weak, logins *bounded) {
	byActor := func(a, b *evidence.Actor) int { return strings.Compare(a.Actor, b.Actor) }
	return &bounded{n: cfg.DetailLimit, order: evidence.Worse, evict: evict},
		&bounded{n: cfg.WeakLimit, order: evidence.Stronger, evict: evict},
		&bounded{n: cfg.LoginLimit, order: byActor, evict: evict}
}

// loginOnly reports whether a weak actor's only match is a failed login
// (a credential-stuffing member).
func loginOnly(a *evidence.Actor) bool {
	return len(a.Hits) == 0 && len(a.Weak) == 1 && a.Weak[0].Rule == KindStuffing
}

// bounded keeps the first n actors in an order and hands the others to
// evict, holding at most about 2n at a time.
type bounded struct {
	n     int
	order func(a, b *evidence.Actor) int
	evict func(evidence.Actor)
	kept  []evidence.Actor
}

func (b *bounded) add(a evidence.Actor) {
	b.kept = append(b.kept, a)
	if len(b.kept) >= 2*b.n+16 {
		b.trim()
	}
}

func (b *bounded) trim() {
	slices.SortFunc(b.kept, func(x, y evidence.Actor) int { return b.order(&x, &y) })
	if len(b.kept) <= b.n {
		return
	}
	for _, a := range b.kept[b.n:] {
		b.evict(a)
	}
	clear(b.kept[b.n:])
	b.kept = b.kept[:b.n]
}

// list is the kept actors, in order.
func (b *bounded) list() []evidence.Actor {
	b.trim()
	return b.kept
}

func (e *Engine) actorEvidence(key netip.Prefix, st *actorState, hits, weakHits []evidence.Hit) evidence.Actor {
	rs := st.rich
	a := evidence.Actor{
		Actor:         record.ActorString(key),
		Requests:      st.requests,
		FirstSeen:     time.Unix(0, st.first).UTC(),
		LastSeen:      time.Unix(0, st.last).UTC(),
		Statuses:      st.statuses(),
		DistinctPaths: st.paths.count(),
		TopPaths:      rs.topPaths.list(),
		UserAgents:    rs.topUAs.list(),
		Hits:          hits,
		Weak:          weakHits,
		Browsed:       int64(st.okPages) + int64(st.okAssets),
	}
	if a.Hits == nil {
		a.Hits = []evidence.Hit{}
	}
	successes := rs.successes
	if e.catchAll(successes, rs.successSizes) {
		successes = 0
	}
	finishActor(&a, successes)
	return a
}

// finishActor sets the severity, categories and score from the hits.
func finishActor(a *evidence.Actor, successes int64) {
	a.Severity = evidence.Info
	a.Categories = nil
	slices.SortStableFunc(a.Hits, func(x, y evidence.Hit) int {
		if c := cmp.Compare(y.Severity, x.Severity); c != 0 {
			return c
		}
		return cmp.Compare(x.Category.Rank(), y.Category.Rank())
	})
	score := 0.0
	for _, h := range a.Hits {
		a.Severity = max(a.Severity, h.Severity)
		if !slices.Contains(a.Categories, h.Category) {
			a.Categories = append(a.Categories, h.Category)
		}
		score += sevWeight(h.Severity) * (1 + math.Log10(1+float64(h.Count)))
	}
	if len(a.Hits) > 0 {
		score += 2 * float64(len(a.Hits)-1)
		score += 4 * float64(min(successes, 25))
		score += math.Log10(1 + float64(a.Requests))
	}
	if a.Categories == nil {
		a.Categories = []evidence.Category{}
	}
	a.Score = math.Round(score*100) / 100
}

func sevWeight(s evidence.Severity) float64 {
	switch s {
	case evidence.Critical:
		return 27
	case evidence.High:
		return 9
	case evidence.Medium:
		return 3
	case evidence.Low:
		return 1
	}
	return 0
}

// catchAll reports whether 2xx answers to attack requests look like the
// site's ordinary page rather than what was asked for: every size within 2%
// of sizes that make up at least a tenth of the site's 2xx page answers (a
// single-page app answers every unknown path with its index.html). It is
// judged against the site's pages only, never against the attacker's own
// answers: two files served with one size are two leaks of one size unless
// the site's pages have that size too. Without enough pages to judge (fewer
// than 20), an answer is taken for what was asked for.
func (e *Engine) catchAll(n int64, sizes []int64) bool {
	if n == 0 || len(sizes) == 0 {
		return false
	}
	ps := e.pageSizes()
	if ps.Pages < 20 || len(sizes) >= 4 {
		return false
	}
	for _, s := range sizes {
		near := ps.near(s)
		if near*10 < ps.Pages {
			return false
		}
	}
	return true
}

// evaluate applies each rule's thresholds to an actor's evidence.
func (e *Engine) evaluate(st *actorState) (hits, weak []evidence.Hit) {
	rs := st.rich
	// The judge escapes into the rules' eval functions: one per engine.
	j := &e.judge
	*j = judge{e: e, cfg: &e.cfg, st: st, rs: rs}
	if rs.claimedUA != "" {
		j.claimed = fmt.Sprintf("; the client claims to be %s, which is allowlisted for volume rules only, not for attack payloads", rs.claimedUA)
	}
	for id, ru := range rules {
		r := rs.rules.get(ruleID(id))
		j.rule, j.r, j.caught = ru, r, ""
		if !ru.ownState {
			if r == nil || (r.count == 0 && r.okCount() == 0) {
				continue
			}
			if ok := r.ok; ok != nil && ok.count > 0 {
				// A panel the client opens again and again (the site owner
				// at work) is in use, whatever its size: probers ask each
				// path once or twice.
				inUse := len(ok.hashes) < maxRuleHashes && ok.count >= 3*int64(len(ok.hashes))
				if inUse || !e.catchAll(ok.count, ok.sizes) {
					if r.count == 0 {
						continue // the site serves these paths: not a probe
					}
				} else {
					// Copy, so Result stays repeatable.
					c := *r
					c.hashes = append(slices.Clip(r.hashes), ok.hashes...)
					c.strongN += ok.strong
					c.count += ok.count
					j.r = &c
					j.caught = fmt.Sprintf("; %d answered 2xx with the size of the site's usual page, a catch-all page, so counted as failed", ok.count)
				}
			}
		}
		j.example = exampleOf(r)
		v, ok := ru.eval(j)
		if !ok {
			continue
		}
		h := evidence.Hit{Rule: ru.id, Category: ru.cat, Severity: v.sev, Count: v.count, Reason: v.reason}
		if h.Severity == evidence.Info {
			h.Severity = ru.sev
		}
		if h.Count == 0 && j.r != nil {
			h.Count = j.r.count
		}
		if v.samples == nil && r != nil {
			v.samples = r.samples
		}
		h.Samples = slices.Clone(v.samples)
		if h.Samples == nil {
			h.Samples = []evidence.Sample{}
		}
		if v.fire {
			hits = append(hits, h)
		} else {
			h.Reason = "below threshold: " + h.Reason
			weak = append(weak, h)
		}
	}
	return hits, weak
}

func fieldNames(f field) string {
	var out []string
	for _, x := range []struct {
		f    field
		name string
	}{{fPath, "path"}, {fQuery, "query"}, {fUA, "user agent"}, {fRef, "referer"}} {
		if f&x.f != 0 {
			out = append(out, x.name)
		}
	}
	if len(out) == 0 {
		return "request"
	}
	return strings.Join(out, " and ")
}

func exampleOf(r *ruleState) string {
	if r == nil || len(r.samples) == 0 {
		return "(no sample)"
	}
	return truncate(r.samples[0].Target, 80)
}

// servedExample names the first sample answered 2xx, as " (e.g. /path)".
func servedExample(r *ruleState) string {
	for _, s := range r.samples {
		if servedStatus(s.Status) {
			return fmt.Sprintf(" (e.g. %s)", truncate(s.Target, 80))
		}
	}
	return ""
}

func countStr(n int, overflow bool) string {
	if overflow {
		return fmt.Sprintf("at least %d", n)
	}
	return fmt.Sprint(n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
