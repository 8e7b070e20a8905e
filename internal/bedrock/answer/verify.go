package answer

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// VerifyClassify checks a parsed classify answer against the actors and campaigns
// the model was shown. It returns the answer with unknown actors and invented
// entities removed (verdict actors are rewritten to the evidence's spelling),
// and a note for each removal.
func VerifyClassify(actors []evidence.Actor, campaigns []evidence.Campaign, ans Classify) (Classify, []string) {
	ix := newIndex(actors, campaigns)
	var n analysis.Notes
	var out Classify
	seen := make(map[string]bool)
	for _, v := range ans.Verdicts {
		id, ok := ix.actor(v.Actor)
		if !ok {
			n.Addf("model gave a verdict for %s, which is not in the evidence; dropped", show(v.Actor))
			continue
		}
		if seen[id] {
			n.Addf("model gave more than one verdict for %s; kept the first", id)
			continue
		}
		seen[id] = true
		v.Actor = id
		v.Source = "model"
		v.Categories = knownCategories(v.Categories)
		v.Rationale = ix.checkText(analysis.Sanitize(v.Rationale, analysis.MaxRationaleLen), ix.requests[id], &n)
		out.Verdicts = append(out.Verdicts, v)
	}
	for _, o := range ans.Observations {
		var ids []string
		var limit int64
		for _, a := range o.Actors {
			id, ok := ix.actor(a)
			if !ok {
				n.Addf("model named %s in an observation, which is not in the evidence; dropped", show(a))
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
				limit += ix.requests[id]
			}
		}
		if len(ids) == 0 {
			n.Addf("model made an observation about no actor in the evidence; dropped")
			continue
		}
		o.Actors = ids
		o.Source = "model"
		o.Summary = ix.checkText(analysis.Sanitize(o.Summary, analysis.MaxSummaryLen), limit, &n)
		if strings.TrimSpace(o.Summary) == "" {
			n.Addf("model's observation about %s had nothing left after checking; dropped", strings.Join(ids, ", "))
			continue
		}
		out.Observations = append(out.Observations, o)
	}
	return out, n.List()
}

// VerifyRecommend checks a parsed recommend answer against the findings:
// actors not in them are removed, sentences naming invented IPs or paths are
// removed, and a recommendation whose title names one is dropped.
// Recommendations come back sorted by priority.
func VerifyRecommend(in analysis.RecommendInput, ans Recommend) (Recommend, []string) {
	actors := slices.Clone(in.Actors)
	known := make(map[string]bool)
	for _, a := range actors {
		known[a.Actor] = true
	}
	// Verdicts and campaigns can name actors that are not in in.Actors (the
	// list is bounded); they are findings too.
	for _, v := range in.Verdicts {
		if !known[v.Actor] {
			known[v.Actor] = true
			actors = append(actors, evidence.Actor{Actor: v.Actor})
		}
	}
	for _, c := range in.Campaigns {
		for _, id := range c.Actors {
			if !known[id] {
				known[id] = true
				actors = append(actors, evidence.Actor{Actor: id})
			}
		}
	}
	ix := newIndex(actors, in.Campaigns)
	var total int64
	for _, r := range ix.requests {
		total += r
	}
	for _, c := range in.Campaigns {
		total = max(total, c.Requests)
	}
	var n analysis.Notes
	var out Recommend
	for _, r := range ans.Recommendations {
		var ids []string
		for _, a := range r.Actors {
			id, ok := ix.actor(a)
			if !ok {
				n.Addf("model recommended action on %s, which is not in the findings; dropped", show(a))
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if r.Kind == analysis.ActionWAFIPSet && len(r.Actors) > 0 && len(ids) == 0 {
			n.Addf("model's recommendation %q named no actor from the findings; dropped", show(r.Title))
			continue
		}
		r.Title = analysis.Sanitize(r.Title, analysis.MaxTitleLen)
		if reason := ix.sentenceProblem(r.Title, total); reason != "" {
			n.Add(reason)
			n.Addf("model's recommendation %q named something not in the findings; dropped", show(r.Title))
			continue
		}
		r.Actors = ids
		r.Categories = knownCategories(r.Categories)
		r.Detail = ix.checkText(analysis.Sanitize(r.Detail, analysis.MaxDetailLen), total, &n)
		r.Source = "model"
		out.Recommendations = append(out.Recommendations, r)
	}
	slices.SortStableFunc(out.Recommendations, func(a, b analysis.Recommendation) int { return a.Priority - b.Priority })
	return out, n.List()
}

// index is what the evidence contains, for looking entities up.
type index struct {
	ids      map[string]string // normalised actor -> actor as in the evidence
	prefixes []prefix          // actors that are CIDRs (IPv6 /64)
	requests map[string]int64
	corpus   string // lower-cased strings of the evidence, raw and decoded, one per line
}

type prefix struct {
	p  netip.Prefix
	id string
}

func newIndex(actors []evidence.Actor, campaigns []evidence.Campaign) *index {
	ix := &index{ids: make(map[string]string), requests: make(map[string]int64)}
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(strings.ToLower(s))
		b.WriteByte('\n')
		if d, err := url.PathUnescape(s); err == nil && d != s {
			b.WriteString(strings.ToLower(d))
			b.WriteByte('\n')
			// Double-encoded probes (%252e) are common; one more round.
			if d2, err := url.PathUnescape(d); err == nil && d2 != d {
				b.WriteString(strings.ToLower(d2))
				b.WriteByte('\n')
			}
		}
	}
	for i := range actors {
		a := &actors[i]
		ix.requests[a.Actor] = max(ix.requests[a.Actor], a.Requests)
		ix.ids[normalize(a.Actor)] = a.Actor
		if p, err := netip.ParsePrefix(strings.TrimSpace(a.Actor)); err == nil {
			ix.prefixes = append(ix.prefixes, prefix{p.Masked(), a.Actor})
		}
		add(a.Actor)
		for _, c := range a.TopPaths {
			add(c.Value)
		}
		for _, c := range a.UserAgents {
			add(c.Value)
		}
		for _, hs := range [][]evidence.Hit{a.Hits, a.Weak} {
			for _, h := range hs {
				add(h.Reason)
				for _, s := range h.Samples {
					add(s.Target)
					add(s.UA)
				}
			}
		}
	}
	for _, c := range campaigns {
		add(c.Key)
		add(c.Reason)
		// Campaign members outside this set of actors were shown too; the
		// model may name them in a rationale, not give them a verdict.
		for _, id := range c.Actors {
			add(id)
		}
	}
	ix.corpus = b.String()
	return ix
}

// normalize is an actor's canonical spelling: addresses and prefixes as netip
// prints them, anything else trimmed and lower-cased.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.IsSingleIP() {
			return p.Addr().Unmap().String()
		}
		return p.Masked().String()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	return strings.ToLower(s)
}

// actor finds the evidence actor s names: the same actor, or an address inside
// an actor that is a prefix (a model may name one address of an IPv6 /64).
func (ix *index) actor(s string) (string, bool) {
	if id, ok := ix.ids[normalize(s)]; ok {
		return id, true
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
		for _, p := range ix.prefixes {
			if p.p.Contains(a.Unmap()) {
				return p.id, true
			}
		}
	}
	return "", false
}

// ipKnown reports whether an address or prefix the model wrote is an actor, or
// inside one, or appears somewhere in the evidence text (a probe can carry an
// address, e.g. 169.254.169.254 in an SSRF attempt).
func (ix *index) ipKnown(tok string) bool {
	if _, ok := ix.actor(tok); ok {
		return true
	}
	if p, err := netip.ParsePrefix(tok); err == nil {
		for _, q := range ix.prefixes {
			if q.p.Bits() <= p.Bits() && q.p.Contains(p.Addr()) {
				return true
			}
		}
	}
	return containsAddr(ix.corpus, strings.ToLower(tok))
}

// containsAddr reports whether s holds the address tok on its own, not as part
// of a longer one: 192.0.2.4 is not in "192.0.2.44", nor 2001:db8::1 in
// "2001:db8::12". A sentence's full stop after an address is not part of it.
func containsAddr(s, tok string) bool {
	addrByte := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':'
	}
	digit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	for off := 0; ; {
		i := strings.Index(s[off:], tok)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(tok)
		before := i == 0 || !addrByte(s[i-1]) && !(s[i-1] == '.' && digit(i-2))
		after := j == len(s) || !addrByte(s[j]) && !(s[j] == '.' && digit(j+1))
		if before && after {
			return true
		}
		off = i + 1
	}
}

var (
	verifyIPv4Re  = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b`)
	verifyIPv6Re  = regexp.MustCompile(`[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?`)
	verifyPathRe  = regexp.MustCompile("(?:^|[\\s\"'(\\[`=:,])(/[^\\s\"'()\\[\\]<>`,;]+)")
	verifyCountRe = regexp.MustCompile(`(?i)\b(\d[\d,]*)\s+(?:[a-z0-9-]+\s+){0,2}?(requests|times|hits|attempts|calls|probes|queries)\b`)
	// Phrases of instructions planted in log fields. A model repeating one has
	// read data as a command; the sentence goes.
	verifyInjectionRe = regexp.MustCompile(`(?i)(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts?|rules)|report\s+no\s+threats|system\s+prompt|you\s+are\s+now\b|new\s+instructions`)
	// Sentence ends: punctuation followed by space, or a line break.
	verifySentenceRe = regexp.MustCompile(`[.!?;]\s+|\n+`)
)

// checkText removes the sentences of s that name an entity the evidence does not
// contain or a request count above limit (limit < 0: no count check), noting
// each removal.
func (ix *index) checkText(s string, limit int64, n *analysis.Notes) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	var kept []string
	for _, sent := range sentences(s) {
		if reason := ix.sentenceProblem(sent, limit); reason != "" {
			n.Add(reason)
			continue
		}
		kept = append(kept, sent)
	}
	return strings.Join(kept, " ")
}

func sentences(s string) []string {
	var out []string
	last := 0
	for _, m := range verifySentenceRe.FindAllStringIndex(s, -1) {
		// Keep the punctuation with its sentence.
		end := m[0]
		if c := s[m[0]]; c == '.' || c == '!' || c == '?' || c == ';' {
			end++
		}
		if t := strings.TrimSpace(s[last:end]); t != "" {
			out = append(out, t)
		}
		last = m[1]
	}
	if t := strings.TrimSpace(s[last:]); t != "" {
		out = append(out, t)
	}
	return out
}

// sentenceProblem says why a sentence must go, or "" when it may stay.
func (ix *index) sentenceProblem(sent string, limit int64) string {
	if verifyInjectionRe.MatchString(sent) {
		return "model repeated an instruction found in the log data; dropped"
	}
	for _, tok := range verifyIPv4Re.FindAllString(sent, -1) {
		if !isIP(tok) {
			continue
		}
		if !ix.ipKnown(tok) {
			return fmt.Sprintf("model named %s, which is not in the evidence; dropped", show(tok))
		}
	}
	for _, tok := range verifyIPv6Re.FindAllString(sent, -1) {
		if strings.Count(tok, ":") < 2 || !isIP(tok) {
			continue
		}
		if !ix.ipKnown(tok) {
			return fmt.Sprintf("model named %s, which is not in the evidence; dropped", show(tok))
		}
	}
	for _, m := range verifyPathRe.FindAllStringSubmatch(sent, -1) {
		p := strings.TrimRight(m[1], ".:!?")
		if len(p) < 2 || allDigits(p[1:]) {
			continue // "/" alone, or a prefix length such as /64
		}
		if !strings.Contains(ix.corpus, strings.ToLower(p)) {
			return fmt.Sprintf("model named path %s, which is not in the evidence; dropped", show(p))
		}
	}
	if limit >= 0 {
		for _, m := range verifyCountRe.FindAllStringSubmatch(sent, -1) {
			c, err := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
			if err != nil || c > limit {
				return fmt.Sprintf("model claimed %s %s where the evidence has %d requests; dropped", show(m[1]), strings.ToLower(m[2]), limit)
			}
		}
	}
	return ""
}

func isIP(tok string) bool {
	if _, err := netip.ParsePrefix(tok); err == nil {
		return true
	}
	_, err := netip.ParseAddr(tok)
	return err == nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func knownCategories(cs []evidence.Category) []evidence.Category {
	return evidence.UnionCategories(nil, cs)
}

// show quotes model text inside a note: sanitized and short.
func show(s string) string { return analysis.Sanitize(s, 80) }
