package detect

import (
	"hash/maphash"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Planted payloads. Who can inject HTML into one page of a site (a stored
// XSS in a comment, a compromised third-party script) can make every
// visitor's browser send an attack: <img src="/search?q=' union select…">
// is requested by each reader of the page, with the page as referer, from
// the reader's own address. Judged one by one, each reader sent SQL
// injection; blocking them blocks the site's readers, and the real news,
// that the page is compromised, goes unsaid.
//
// So the engine marks an actor (evidence.Actor.Planted) when it browsed
// like a person (browsedLikePerson, as for lured visitors) and every one of
// its rule matches is a payload in the target of a GET request, to at most
// maxPlantedTargets distinct targets, each requested with the same page of
// the same site as referer. Anything else ends the mark: a probe path, a
// payload in the user agent or referer, another method, another or no
// referer, a fifth target, a tool's user agent, a rule other than a payload
// rule (a weak http-probing match aside). The mark names the page and the
// targets and is part of a group's identity, so that it is counted however
// the actors are split into chunks and groups.
//
// The mark alone changes nothing: a lone attacker can browse, forge a
// same-site referer and send a payload. SeparatePlanted, over the whole
// run, takes out the marked actors only where at least MinPlantedVisitors
// clients, of as many networks (an IPv6 client's /48 is one), share the
// same page and the same targets, and reports the page instead
// (evidence.PlantedPage), at the payloads' severity.
//
// What it costs: that many attackers who each browse, forge the same
// referer and send the same few payloads become one planted-page finding
// instead of that many findings. The payloads and the page are still
// reported, at their severity, and the advice is the same (the WAF rules for
// the payloads); only the blocklist misses their addresses.

// MinPlantedVisitors is how many distinct clients must share a referring
// page and its payload targets for the page to be judged planted. A planted
// link is requested by every visitor of its page, so a page anyone reads
// makes many; five is far above what one attacker does by hand with a
// forged referer, and low enough for a page read by a handful of people a
// day to be seen.
const MinPlantedVisitors = 5

// maxPlantedTargets is how many distinct payload targets a planted page may
// make a browser request: a few injected elements. More is a scan.
const maxPlantedTargets = 4

// plant is what Result needs about an actor's payload requests to tell a
// planted link's visitor from an attacker.
type plant struct {
	host    string // the referring page's host (siteHost)
	page    string // the referring page's path, escaped
	hostOK  bool   // that host is the requests' Host
	targets []string
	strange bool // a payload request a planted link does not make
}

// notePlant records a request a payload rule matched in fields.
func (e *Engine) notePlant(q *request, rs *richState, fields field) {
	if rs.plant == nil {
		rs.plant = &plant{}
	}
	p := rs.plant
	if p.strange {
		return
	}
	host, page := refererPage(q.r.Referer)
	if fields&^fTarget != 0 || q.r.Method != "GET" || page == "" ||
		(q.r.Host != "" && host != siteHost(q.r.Host)) ||
		(p.page != "" && (host != p.host || page != p.page)) {
		p.strange = true
		return
	}
	if p.page == "" {
		p.host, p.page = strings.Clone(host), strings.Clone(page)
		p.hostOK = q.r.Host != ""
	}
	t := e.plantTarget(q)
	if slices.Contains(p.targets, t) {
		return
	}
	if len(p.targets) == maxPlantedTargets {
		p.strange = true
		return
	}
	p.targets = append(p.targets, strings.Clone(t))
}

// plantTarget is a request's target as the rules match it (path and query
// normalised): browsers may escape a planted URL differently, the target is
// the same.
func (e *Engine) plantTarget(q *request) string {
	rawQuery := q.r.RawQuery
	if rawQuery == "" {
		rawQuery = q.r.Query
	}
	t := q.npath
	if nq := e.norm(&e.qbuf, rawQuery, true); nq != "" {
		t += "?" + nq
	}
	return truncate(t, maxTarget)
}

// planted is the mark of an actor with these hits, or nil (see above).
func (e *Engine) planted(st *actorState, hits, weak []evidence.Hit) *evidence.Planted {
	p := st.rich.plant
	if p == nil || p.page == "" || p.strange || !browsedLikePerson(st) || (!p.hostOK && maphash.String(e.seed, p.host)|1 != st.siteRef) {
		return nil
	}
	for _, h := range hits {
		if k, _ := ruleKindOf(h.Rule); k != kindPayload {
			return nil
		}
	}
	for _, h := range weak {
		if k, _ := ruleKindOf(h.Rule); k != kindPayload && h.Rule != ruleHTTPProbing.id {
			return nil
		}
	}
	ts := slices.Clone(p.targets)
	slices.Sort(ts)
	return &evidence.Planted{Host: p.host, Page: p.page, Targets: ts}
}

// refererPage is the host (as siteHost has it) and escaped path of a
// referer URL, without its query; "" when it names no page.
func refererPage(ref string) (host, page string) {
	host = refererHost(ref)
	if host == "" {
		return "", ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", ""
	}
	page = truncate(u.EscapedPath(), 120)
	if page == "" {
		page = "/"
	}
	return host, page
}

// Planted is what SeparatePlanted took out of a run.
type Planted struct {
	// Pages are the planted pages, worst first, at most maxPlantedPages;
	// More counts the pages left out.
	Pages []evidence.PlantedPage
	More  int
	// took are the behaviours (group IDs) of the visitors taken out.
	took map[string]bool
}

// Took reports whether an actor whose behaviour is counted in these groups
// (an address list's) was taken out as a planted page's visitor: one of
// them carries the mark of a planted page (coarse groups never do).
func (p *Planted) Took(groups []string) bool {
	return p != nil && slices.ContainsFunc(groups, func(id string) bool { return p.took[id] })
}

// SeparatePlanted takes the visitors of planted pages out of a run's
// evidence (ev as merged, before Campaigns): where at least
// MinPlantedVisitors clients of as many networks (plantedNetwork), detailed
// or in groups, carry the same planted mark, they are removed from ev (its
// Counts move them to Planted) and their page is returned instead. Marked
// clients of a page with fewer visitors stay as they were.
func SeparatePlanted(ev *evidence.Chunk) *Planted {
	out := &Planted{took: map[string]bool{}}
	byKey := map[string]*evidence.PlantedPage{}
	nets := map[string]map[string]bool{} // per key, up to MinPlantedVisitors networks
	add := func(p *evidence.Planted, o evidence.PlantedPage) {
		k := p.Key()
		if byKey[k] == nil {
			byKey[k] = &evidence.PlantedPage{Planted: *p, Categories: []evidence.Category{}}
			nets[k] = map[string]bool{}
		}
		byKey[k].Add(&o)
		for _, m := range o.Members {
			if len(nets[k]) < MinPlantedVisitors {
				nets[k][plantedNetwork(m)] = true
			}
		}
	}
	for _, as := range [][]evidence.Actor{ev.Suspicious, ev.Weak} {
		for i := range as {
			if a := &as[i]; a.Planted != nil {
				add(a.Planted, plantedOfActor(a))
			}
		}
	}
	for i := range ev.Groups {
		if g := &ev.Groups[i]; g.Planted != nil {
			add(g.Planted, plantedOfGroup(g))
		}
	}
	judged := func(k string) bool {
		return byKey[k].Visitors >= MinPlantedVisitors && len(nets[k]) >= MinPlantedVisitors
	}
	taken := func(p *evidence.Planted) bool { return p != nil && judged(p.Key()) }
	var moved evidence.Counts
	takeActor := func(a evidence.Actor) bool {
		if !taken(a.Planted) {
			return false
		}
		if len(a.Hits) > 0 {
			moved.Suspicious += a.Clients()
		} else {
			moved.Weak += a.Clients()
		}
		for _, id := range listed(&a).Groups {
			out.took[id] = true
		}
		return true
	}
	ev.Suspicious = slices.DeleteFunc(ev.Suspicious, takeActor)
	ev.Weak = slices.DeleteFunc(ev.Weak, takeActor)
	ev.Groups = slices.DeleteFunc(ev.Groups, func(g evidence.Group) bool {
		if !taken(g.Planted) {
			return false
		}
		if g.Weak {
			moved.Weak += g.Clients
		} else {
			moved.Suspicious += g.Clients
		}
		out.took[g.ID] = true
		return true
	})
	ev.Counts.Suspicious -= moved.Suspicious
	ev.Counts.Weak -= moved.Weak
	ev.Counts.Planted += moved.Suspicious + moved.Weak
	for k, p := range byKey {
		if judged(k) {
			out.Pages = append(out.Pages, *p)
		}
	}
	evidence.SortPlanted(out.Pages)
	if len(out.Pages) > maxPlantedPages {
		out.More, out.Pages = len(out.Pages)-maxPlantedPages, out.Pages[:maxPlantedPages]
	}
	return out
}

// plantedNetwork is the network a planted page's visitor is counted by
// towards MinPlantedVisitors: an IPv4 address, or an IPv6 client's /48. A
// /48 is one customer's site (a free tunnel broker hands one out), so the
// /64s of one /48 are one party, not that many readers; IPv4 addresses are
// scarce and shared out by providers, so neighbours are other people. A
// group knows its first members only, so its networks are a lower bound:
// the safe side.
func plantedNetwork(actor string) string {
	p, err := netip.ParsePrefix(actor)
	if err != nil {
		return actor // an IPv4 address
	}
	if p.Addr().Is6() {
		p, _ = p.Addr().Prefix(48)
	}
	return p.String()
}

// maxPlantedPages bounds the planted pages a run reports.
const maxPlantedPages = 20

// plantedOfActor is one marked actor as a planted page's visitor: its
// payload matches' severity (a weak match's at most low) and categories,
// and its earliest payload requests.
func plantedOfActor(a *evidence.Actor) evidence.PlantedPage {
	p := evidence.PlantedPage{Visitors: a.Clients(), Requests: a.Requests, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen,
		Members: []string{a.Actor}}
	for _, h := range a.Hits {
		p.Severity = max(p.Severity, h.Severity)
		p.Categories = evidence.UnionCategories(p.Categories, []evidence.Category{h.Category})
		p.Samples = append(p.Samples, h.Samples...)
	}
	for _, h := range a.Weak {
		if k, _ := ruleKindOf(h.Rule); k != kindPayload {
			continue
		}
		p.Severity = max(p.Severity, min(h.Severity, evidence.Low))
		p.Categories = evidence.UnionCategories(p.Categories, []evidence.Category{h.Category})
		p.Samples = append(p.Samples, h.Samples...)
	}
	return p
}

func plantedOfGroup(g *evidence.Group) evidence.PlantedPage {
	p := evidence.PlantedPage{Visitors: g.Clients, Requests: g.Requests, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen,
		Members: g.Members, Samples: g.Samples, Severity: g.Severity, Categories: g.Categories}
	if g.Weak {
		p.Severity = min(p.Severity, evidence.Low)
	}
	return p
}

// ruleKindOf is the kind of the rule with this id.
func ruleKindOf(id string) (ruleKind, bool) {
	for _, ru := range rules {
		if ru.id == id {
			return ru.kind, true
		}
	}
	return 0, false
}
