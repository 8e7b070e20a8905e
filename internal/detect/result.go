package detect

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// Result returns the evidence for every actor seen so far: suspicious actors
// worst first, and weak ones (rule matches below threshold) bounded by
// WeakLimit, most matches first. It may be called more than once.
func (e *Engine) Result(chunk int) evidence.Chunk {
	out := evidence.Chunk{
		Chunk:       chunk,
		Requests:    e.requests,
		Actors:      len(e.actors),
		Allowlisted: e.allowlisted,
		Suspicious:  []evidence.Actor{},
		Weak:        []evidence.Actor{},
	}
	type weakActor struct {
		a       evidence.Actor
		matches int64
	}
	var weak []weakActor
	for key, st := range e.actors {
		if st.rich == nil {
			continue
		}
		hits, weakHits := e.evaluate(st)
		if len(hits) == 0 && len(weakHits) == 0 {
			continue
		}
		a := e.actorEvidence(key, st, hits, weakHits)
		if len(hits) > 0 {
			out.Suspicious = append(out.Suspicious, a)
			continue
		}
		var n int64
		for _, h := range weakHits {
			n += h.Count
		}
		weak = append(weak, weakActor{a, n})
	}
	slices.SortFunc(out.Suspicious, func(a, b evidence.Actor) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Actor, b.Actor)
	})
	slices.SortFunc(weak, func(a, b weakActor) int {
		if c := cmp.Compare(b.matches, a.matches); c != 0 {
			return c
		}
		return strings.Compare(a.a.Actor, b.a.Actor)
	})
	if len(weak) > e.cfg.WeakLimit {
		weak = weak[:e.cfg.WeakLimit]
	}
	for _, w := range weak {
		out.Weak = append(out.Weak, w.a)
	}
	return out
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
		return cmp.Compare(catOrder(x.Category), catOrder(y.Category))
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

func catOrder(c evidence.Category) int {
	if i := slices.Index(evidence.Categories, c); i >= 0 {
		return i
	}
	return len(evidence.Categories)
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

// evaluate applies the thresholds to an actor's rule state.
func (e *Engine) evaluate(st *actorState) (hits, weak []evidence.Hit) {
	rs := st.rich
	cfg := &e.cfg
	add := func(fire bool, id ruleID, sev evidence.Severity, count int64, reason string, samples []evidence.Sample) {
		h := evidence.Hit{
			Rule: rules[id].id, Category: rules[id].cat, Severity: sev, Count: count,
			Reason: reason, Samples: slices.Clone(samples),
		}
		if h.Samples == nil {
			h.Samples = []evidence.Sample{}
		}
		switch {
		case fire:
			hits = append(hits, h)
		case id == rBadRequest:
			// Lone empty request lines are browsers' idle preconnections.
		default:
			h.Reason = "below threshold: " + h.Reason
			weak = append(weak, h)
		}
	}
	claimed := ""
	if rs.claimedUA != "" {
		claimed = fmt.Sprintf("; the client claims to be %s, which is allowlisted for volume rules only, not for attack payloads", rs.claimedUA)
	}
	for id := ruleID(0); id < numRules; id++ {
		r := rs.rules[id]
		if r == nil || (r.count == 0 && r.okCount == 0) || id == rLogin || id == rBrute {
			continue
		}
		info := rules[id]
		example := exampleOf(r)
		caught := ""
		if r.okCount > 0 {
			if !e.catchAll(r.okCount, r.okSizes) {
				if r.count == 0 {
					continue // the site serves these paths: not a probe
				}
			} else {
				// Copy, so Result stays repeatable.
				c := *r
				c.hashes = append(slices.Clip(r.hashes), r.okHashes...)
				c.strongN += r.okStrong
				c.count += r.okCount
				r = &c
				caught = fmt.Sprintf("; %d answered 2xx with the size of the site's usual page, a catch-all page, so counted as failed", r.okCount)
			}
		}
		switch id {
		case rSensitive:
			d := r.distinct()
			catchAll := e.catchAll(r.leaks, r.leakSizes)
			leak := r.leaks > 0 && !catchAll
			sev := info.sev
			reason := fmt.Sprintf("requested %s distinct sensitive file%s, e.g. %s (threshold %d)",
				countStr(d, r.overflow), plural(d), example, cfg.SensitiveFiles)
			switch {
			case leak:
				sev = evidence.High
				reason += fmt.Sprintf("; %d answered 2xx with a body%s: a possible leak, check what was served", r.leaks, servedExample(r))
			case catchAll:
				reason += fmt.Sprintf("; %d answered 2xx, but with the size of the site's usual page (%d bytes), likely a catch-all page rather than the file", r.leaks, r.leakSizes[0])
			}
			samples := r.samples
			if leak {
				samples = servedFirst(samples)
			}
			add(d >= cfg.SensitiveFiles || leak, id, sev, r.count, reason+claimed, samples)
		case rWordPress:
			d := r.distinct()
			add(d >= cfg.WordPressPaths, id, info.sev, r.count,
				fmt.Sprintf("requested %s distinct WordPress path%s that failed, e.g. %s (threshold %d)%s",
					countStr(d, r.overflow), plural(d), example, cfg.WordPressPaths, caught), r.samples)
		case rAdmin, rTech:
			d := r.distinct()
			th := cfg.AdminPaths
			if id == rTech {
				th = cfg.TechPaths
			}
			reason := fmt.Sprintf("requested %s distinct %s%s that failed, e.g. %s", countStr(d, r.overflow), info.what, plural(d), example)
			if r.strongN > 0 {
				reason += fmt.Sprintf(" (%d name a specific product, which fires on one request)", r.strongN)
			} else {
				reason += fmt.Sprintf(" (threshold %d)", th)
			}
			add(r.strongN > 0 || d >= th, id, info.sev, r.count, reason+caught, r.samples)
		case rWebshell:
			sev := info.sev
			d := r.distinct()
			reason := fmt.Sprintf("requested %d known webshell/backdoor path%s, e.g. %s", d, plural(d), example)
			samples := r.samples
			if r.leaks > 0 && !e.catchAll(r.leaks, r.leakSizes) {
				sev = evidence.Critical
				reason += fmt.Sprintf("; %d answered 2xx with a body%s: a backdoor may be installed", r.leaks, servedExample(r))
				samples = servedFirst(samples)
			}
			add(true, id, sev, r.count, reason+claimed, samples)
		case rTraversal, rSQLi, rXSS, rLog4Shell, rCVE:
			sev := info.sev
			verb := "s carry"
			if r.count == 1 {
				verb = " carries"
			}
			reason := fmt.Sprintf("%d request%s %s payloads in the %s (marker %q), e.g. %s", r.count, verb, info.what,
				fieldNames(r.fields), r.marker, example)
			if r.strong > 0 {
				reason += fmt.Sprintf("; %d with a strong marker, which fires on one request", r.strong)
			} else {
				reason += fmt.Sprintf(" (weak markers only; threshold %d requests)", cfg.PayloadMatches)
			}
			switch {
			case r.leaks > 0 && e.catchAll(r.leaks, r.leakSizes):
				reason += fmt.Sprintf("; %d answered 2xx, with the size of the site's usual page (likely a catch-all page)", r.leaks)
			case r.leaks > 0:
				reason += fmt.Sprintf("; %d answered 2xx with a body", r.leaks)
				if id == rTraversal && r.strong > 0 {
					sev = evidence.Critical
					reason += ", which may have served the file"
				}
			}
			add(r.strong > 0 || r.count >= int64(cfg.PayloadMatches), id, sev, r.count, reason+claimed, r.samples)
		case rScannerUA:
			add(true, id, info.sev, r.count, fmt.Sprintf("user agent names an attack tool (%q) on %d request%s",
				r.marker, r.count, plural(int(r.count))), r.samples)
		case rBadRequest:
			add(r.strong > 0 || r.count >= int64(cfg.BadRequests), id, info.sev, r.count,
				fmt.Sprintf("%d bad request%s (%s), e.g. %s (binary lines, CONNECT and proxy attempts fire on one; otherwise threshold %d)",
					r.count, plural(int(r.count)), r.marker, example, cfg.BadRequests), r.samples)
		}
	}
	if rs.probe.total > 0 {
		n, at := rs.probe.evaluate()
		if n >= cfg.ProbingDistinctPaths || n*2 >= cfg.ProbingDistinctPaths {
			add(n >= cfg.ProbingDistinctPaths, rProbing, rules[rProbing].sev, rs.probe.total,
				fmt.Sprintf("%d distinct failing non-static paths (400/403/404/405/410) within %s of log time from %s (threshold %d; %d failing requests in all)",
					n, durationString(cfg.ProbingWindow), time.Unix(0, at).UTC().Format(time.RFC3339), cfg.ProbingDistinctPaths, rs.probe.total),
				probeSamples(rs))
		}
	}
	if st.rate != nil && st.rate.max >= int64(cfg.CrawlRequestsPerMinute) {
		var samples []evidence.Sample
		if r := rs.rules[rCrawl]; r != nil {
			samples = r.samples
		}
		add(true, rCrawl, rules[rCrawl].sev, st.rate.max,
			fmt.Sprintf("%d page requests (not assets or API calls) within one minute of log time (threshold %d per minute)",
				st.rate.max, cfg.CrawlRequestsPerMinute), samples)
	}
	if rs.brute.total > 0 {
		n, at := rs.brute.evaluate()
		if n*3 >= cfg.BruteForceFailures {
			var samples []evidence.Sample
			if r := rs.rules[rBrute]; r != nil {
				samples = r.samples
			}
			add(n >= cfg.BruteForceFailures, rBrute, rules[rBrute].sev, rs.brute.total,
				fmt.Sprintf("%d failed logins (401/403/429 or failed POST on a login endpoint) within %s of log time from %s (threshold %d; %d in all)",
					n, durationString(cfg.BruteForceWindow), time.Unix(0, at).UTC().Format(time.RFC3339), cfg.BruteForceFailures, rs.brute.total),
				samples)
		}
	}
	return hits, weak
}

// probeSamples returns the first failing requests the probing rule saw.
func probeSamples(rs *richState) []evidence.Sample {
	if r := rs.rules[rProbing]; r != nil {
		return r.samples
	}
	return nil
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
	if len(r.samples) == 0 {
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
