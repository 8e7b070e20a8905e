package detect

import (
	"cmp"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Visitors lured to a planted link. A page that carries <img src="/admin">
// (an injected comment, a compromised widget) makes every visitor's browser
// ask for /admin once, with the page as referer. Those visitors are not
// probing, and reporting them would put the site's own readers on the
// blocklist, in one "campaign" per planted path.
//
// So an actor that browsed like a person (2xx/3xx answers to pages and to
// assets, the assets referred from the site, a browser's user agent) and
// whose only rule matches are
// failures on one probe path (a presence rule: an admin, WordPress,
// technology, sensitive-file or backdoor path), requested with a referer
// from the same site, is not reported at all. Result counts such requests
// per path and referring page instead (evidence.Chunk.Linked), which the
// report gives as information: a page links to a missing admin path.
//
// What it costs: a prober that fetches a page and its assets first, forges
// the referer and then asks for one path per address goes unreported for
// that path. One path per address is what a planted link asks of each
// visitor too; a second path, a payload, a 2xx answer or a tool's user
// agent ends the exemption.

// browse counts a request no rule matched: 2xx/3xx answers to pages and
// assets, and the site its assets were referred from.
func (e *Engine) browse(q *request) {
	s := q.r.Status
	if s < 200 || s >= 400 || q.r.Malformed {
		return
	}
	st := q.st
	if !q.static {
		st.okPages = sat(st.okPages)
		return
	}
	st.okAssets = sat(st.okAssets)
	if st.siteRef == 0 {
		if h := refererHost(q.r.Referer); h != "" && (q.r.Host == "" || h == siteHost(q.r.Host)) {
			st.siteRef = maphash.String(e.seed, h) | 1
		}
	}
}

func sat(n uint32) uint32 {
	if n == ^uint32(0) {
		return n
	}
	return n + 1
}

// lure is what Result needs about an actor's failing probes to tell a lured
// visitor from a prober.
type lure struct {
	ref     uint64 // hash of the probes' referer host; 0 before the first
	mixed   bool   // a probe without a referer, or from another host than the first
	hostOK  bool   // the referer host is the request's Host
	from    string // the referring page's path, for the observation
	path    string // the probe's path, for the observation
	status  int
	strange bool // a probe that did not fail, or more than one path
}

// noteLure records a request a presence rule matched.
func (e *Engine) noteLure(q *request, rs *richState) {
	l := &rs.lure
	p := truncate(strings.ToLower(q.r.Path), 120)
	switch {
	case !q.failing():
		l.strange = true
		return
	case l.path != "" && l.path != p:
		l.strange = true
		return
	}
	h := refererHost(q.r.Referer)
	if h == "" {
		l.mixed = true
		return
	}
	ref := maphash.String(e.seed, h) | 1
	if l.ref == 0 {
		l.ref, l.path, l.status = ref, strings.Clone(p), q.r.Status
		l.hostOK = q.r.Host != "" && h == siteHost(q.r.Host)
		if u, err := url.Parse(q.r.Referer); err == nil {
			l.from = strings.Clone(truncate(u.EscapedPath(), 120))
		}
		if l.from == "" {
			l.from = "/"
		}
		return
	}
	if ref != l.ref {
		l.mixed = true
	}
}

// lured reports whether an actor with these hits is a visitor lured to a
// planted link (see browse).
func (e *Engine) lured(st *actorState, hits, weak []evidence.Hit) bool {
	rs := st.rich
	l := &rs.lure
	if !browsedLikePerson(st) || l.ref == 0 || l.mixed || l.strange ||
		(l.ref != st.siteRef && !l.hostOK) || rs.probe.events() > 3 || len(rs.probeSet) > 1 {
		return false
	}
	for _, h := range slices.Concat(hits, weak) {
		if k, _ := ruleKindOf(h.Rule); k != kindPresence && h.Rule != ruleHTTPProbing.id {
			return false
		}
	}
	return true
}

// browsedLikePerson reports whether an actor with full evidence browsed as
// a person does: pages and assets answered 2xx/3xx, the assets referred
// from the site, and only browsers' user agents.
func browsedLikePerson(st *actorState) bool {
	if st.okPages == 0 || st.okAssets == 0 || st.siteRef == 0 {
		return false
	}
	for _, u := range st.rich.topUAs.slots {
		if !browserUA(strings.ToLower(u.Value)) {
			return false
		}
	}
	return true
}

// maxLinked bounds the linked paths a chunk reports.
const maxLinked = 50

// linkedPaths turns the lured actors' probes into the chunk's Linked list,
// most visitors first.
func linkedPaths(counts map[[2]string]*evidence.LinkedPath) []evidence.LinkedPath {
	out := make([]evidence.LinkedPath, 0, len(counts))
	for _, l := range counts {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b evidence.LinkedPath) int {
		if c := cmp.Compare(b.Visitors, a.Visitors); c != 0 {
			return c
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.From, b.From)
	})
	return out[:min(len(out), maxLinked)]
}

// refererHost is the host of a referer URL, lowercase, without port or a
// leading "www."; "" when the referer names no host.
func refererHost(ref string) string {
	if ref == "" || ref == "-" {
		return ""
	}
	_, rest, ok := strings.Cut(ref, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	return siteHost(rest)
}

// siteHost is a Host value as refererHost compares it.
func siteHost(h string) string {
	h = strings.ToLower(stripPort(h))
	return strings.TrimPrefix(h, "www.")
}
