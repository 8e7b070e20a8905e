package detect

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// MinCampaignActors is how many actors must share a pattern to make a campaign.
const MinCampaignActors = 3

// Campaigns finds patterns shared across actors of a whole run (pass the
// suspicious and weak actors and the groups of every chunk; a group counts
// as its members would one by one):
//
//   - shared-user-agent: at least MinCampaignActors actors with rule matches
//     send the same unusual user agent (not a browser string, not a common
//     HTTP library, not empty);
//   - shared-probe-set: at least MinCampaignActors actors probed exactly the
//     same set of attack paths (taken from their hit and weak-hit samples);
//   - credential-stuffing: at least MinStuffingActors actors did nothing
//     but fail to log in on one endpoint (see stuffing.go).
//
// Weak actors and groups in a campaign are not yet suspicious;
// PromoteCampaigns makes them so, with a hit whose reason names the campaign.
func Campaigns(actors []evidence.Actor, groups []evidence.Group) []evidence.Campaign {
	ms := members(actors, groups)
	byUA := map[string][]int{}
	bySet := map[string][]int{}
	count := func(idx []int) int64 {
		var n int64
		for _, i := range idx {
			n += ms[i].actors()
		}
		return n
	}
	for i, m := range ms {
		for _, ua := range m.userAgents() {
			byUA[ua] = append(byUA[ua], i)
		}
		if set, probing := m.probeSet(); set != "" && probing {
			bySet[set] = append(bySet[set], i)
		}
	}
	var out []evidence.Campaign
	for ua, idx := range byUA {
		if count(idx) >= MinCampaignActors {
			c := campaign("shared-user-agent", truncate(ua, maxUA), ms, idx)
			c.Reason = fmt.Sprintf("%d actors with rule matches share the unusual user agent %q", c.ActorCount, truncate(ua, 120))
			out = append(out, c)
		}
	}
	for set, idx := range bySet {
		if count(idx) >= MinCampaignActors {
			paths := strings.Split(set, "\n")
			key := "probe set: " + strings.Join(paths, ", ")
			c := campaign("shared-probe-set", truncate(key, 300), ms, idx)
			c.Reason = fmt.Sprintf("%d actors probed exactly the same %d attack path%s (%s)", c.ActorCount, len(paths),
				plural(len(paths)), truncate(strings.Join(paths, ", "), 200))
			out = append(out, c)
		}
	}
	out = append(out, stuffingCampaigns(ms)...)
	slices.SortFunc(out, func(a, b evidence.Campaign) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(b.ActorCount, a.ActorCount); c != 0 {
			return c
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// member is an actor or a group as campaigns see it.
type member struct {
	a *evidence.Actor // nil for a group
	g *evidence.Group
}

// members are the actors and groups with rule matches.
func members(actors []evidence.Actor, groups []evidence.Group) []member {
	var ms []member
	for i := range actors {
		if a := &actors[i]; len(a.Hits) > 0 || len(a.Weak) > 0 {
			ms = append(ms, member{a: a})
		}
	}
	for i := range groups {
		ms = append(ms, member{g: &groups[i]})
	}
	return ms
}

// actors counts the member's actors (a rotating scan is one).
func (m member) actors() int64 {
	if m.a != nil {
		return 1
	}
	return m.g.Actors
}

func (m member) requests() int64 {
	if m.a != nil {
		return m.a.Requests
	}
	return m.g.Requests
}

// userAgents are the member's distinct unusual user agents.
func (m member) userAgents() []string {
	if m.g != nil {
		return m.g.UserAgents
	}
	var out []string
	for _, u := range m.a.UserAgents {
		k := strings.TrimSpace(u.Value)
		if k == "" || k == "-" || slices.Contains(out, k) || !unusualUA(k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// probeSet is the member's probe set (one path a line) and whether it
// probed beyond it.
func (m member) probeSet() (string, bool) {
	if m.g != nil {
		return strings.Join(m.g.ProbeSet, "\n"), m.g.Probing
	}
	set := probeSet(m.a)
	return set, set != "" && probing(m.a, set)
}

// rules are the member's rule matches, and whether all of them are weak.
func (m member) rules() ([]evidence.RuleRef, bool) {
	if m.g != nil {
		return m.g.Rules, m.g.Weak
	}
	var out []evidence.RuleRef
	for _, h := range append(slices.Clip(m.a.Hits), m.a.Weak...) {
		out = append(out, evidence.RuleRef{Rule: h.Rule, Category: h.Category, Severity: h.Severity})
	}
	return out, len(m.a.Hits) == 0
}

func campaign(kind, key string, ms []member, idx []int) evidence.Campaign {
	c := evidence.Campaign{Kind: kind, Key: key, Actors: []string{}, Categories: []evidence.Category{}}
	for _, i := range idx {
		m := ms[i]
		if m.a != nil {
			c.Actors = append(c.Actors, m.a.Actor)
		} else {
			c.Groups = append(c.Groups, m.g.ID)
		}
		c.ActorCount += m.actors()
		c.Requests += m.requests()
		rules, weak := m.rules()
		for _, r := range rules {
			if !slices.Contains(c.Categories, r.Category) {
				c.Categories = append(c.Categories, r.Category)
			}
			sev := r.Severity
			if weak {
				sev = min(sev, evidence.Medium) // thin evidence: cap it
			}
			c.Severity = max(c.Severity, sev)
		}
	}
	slices.Sort(c.Actors)
	slices.Sort(c.Groups)
	evidence.SortCategories(c.Categories)
	return c
}

// unusualUA reports whether a user agent is distinctive enough that several
// attackers sharing it means something: not a browser string and not the
// default UA of a common HTTP library.
func unusualUA(ua string) bool {
	l := strings.ToLower(ua)
	if browserUA(l) {
		return false
	}
	for _, p := range []string{"curl/", "wget/", "python-requests/", "go-http-client/", "python-urllib/",
		"okhttp/", "java/", "apache-httpclient/", "libwww-perl/", "axios/", "node-fetch", "python-httpx/", "aiohttp/"} {
		if strings.HasPrefix(l, p) {
			return false
		}
	}
	return true
}

// browserUA reports whether a lowercased user agent is a browser's.
func browserUA(l string) bool {
	return (strings.HasPrefix(l, "mozilla/5.0 (") && (strings.Contains(l, "chrome/") || strings.Contains(l, "firefox/") ||
		strings.Contains(l, "safari/") || strings.Contains(l, "gecko")) && !strings.Contains(l, "bot")) ||
		strings.HasPrefix(l, "mozilla/4.0 (compatible; msie")
}

// probing reports whether an actor shows probing of its own beyond the probe
// set it shares: several distinct paths, a user agent that is not a
// browser's, or no browsing at all (Actor.Browsed). Visitors who browse with
// a browser and each fail on the same one path are what a planted link on a
// page makes (see lured.go), not a campaign.
func probing(a *evidence.Actor, set string) bool {
	if strings.Contains(set, "\n") || a.Browsed == 0 {
		return true
	}
	for _, u := range a.UserAgents {
		if !browserUA(strings.ToLower(u.Value)) {
			return true
		}
	}
	return false
}

// probeSet is the sorted set of attack paths in an actor's samples, one per
// line; "" when there are none.
func probeSet(a *evidence.Actor) string {
	var paths []string
	for _, h := range append(slices.Clip(a.Hits), a.Weak...) {
		switch h.Category {
		case evidence.ScannerUA, evidence.HTTPProbing, evidence.AggressiveCrawl, evidence.BadRequest, evidence.BruteForce,
			evidence.CredentialStuffing, evidence.Enumeration:
			continue
		}
		for _, s := range h.Samples {
			p := s.Target
			if i := strings.IndexByte(p, '?'); i >= 0 {
				p = p[:i]
			}
			if u, err := url.PathUnescape(p); err == nil {
				p = u
			}
			p = strings.ToLower(p)
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	slices.Sort(paths)
	return strings.Join(paths, "\n")
}

// PromoteCampaigns returns actors and groups with every weak actor and weak
// group that belongs to a campaign made suspicious: an actor gets a hit with
// rule "campaign", the category of its most severe weak match, severity at
// most medium, and a reason that names the campaign; a group the same rule.
// Aggregate calls it after Campaigns. Actors and groups already suspicious
// are returned unchanged.
func PromoteCampaigns(actors []evidence.Actor, groups []evidence.Group, campaigns []evidence.Campaign) ([]evidence.Actor, []evidence.Group) {
	member := map[string][]*evidence.Campaign{}
	inGroup := map[string][]*evidence.Campaign{}
	for i := range campaigns {
		if campaigns[i].Kind == KindStuffing {
			continue // promoteStuffing
		}
		for _, a := range campaigns[i].Actors {
			member[a] = append(member[a], &campaigns[i])
		}
		for _, g := range campaigns[i].Groups {
			inGroup[g] = append(inGroup[g], &campaigns[i])
		}
	}
	out := slices.Clone(actors)
	gs := slices.Clone(groups)
	promoteStuffing(out, gs, campaigns)
	for i := range out {
		a := &out[i]
		cs := member[a.Actor]
		if len(a.Hits) > 0 || len(a.Weak) == 0 || len(cs) == 0 {
			continue
		}
		best := a.Weak[0]
		var count int64
		var samples []evidence.Sample
		for _, w := range a.Weak {
			count += w.Count
			if w.Severity > best.Severity {
				best = w
			}
			for _, s := range w.Samples {
				if len(samples) < maxSamples {
					samples = append(samples, s)
				}
			}
		}
		a.Hits = []evidence.Hit{{
			Rule:     "campaign",
			Category: best.Category,
			Severity: min(best.Severity, evidence.Medium),
			Count:    count,
			Reason:   "part of campaign " + campaignNames(cs) + "; on its own: " + strings.TrimPrefix(best.Reason, "below threshold: "),
			Samples:  samples,
		}}
		a.Weak = nil
		finishActor(a, 0)
	}
	for i := range gs {
		g := &gs[i]
		cs := inGroup[g.ID]
		if !g.Weak || len(g.Rules) == 0 || len(cs) == 0 {
			continue
		}
		best := g.Rules[0]
		for _, r := range g.Rules {
			if r.Severity > best.Severity {
				best = r
			}
		}
		sev := min(best.Severity, evidence.Medium)
		g.Weak = false
		g.Rules = []evidence.RuleRef{{Rule: "campaign", Category: best.Category, Severity: sev}}
		g.Severity = sev
		g.Categories = []evidence.Category{best.Category}
		g.Reason = "part of campaign " + campaignNames(cs)
	}
	return out, gs
}

func campaignNames(cs []*evidence.Campaign) string {
	var names []string
	for _, c := range cs {
		names = append(names, fmt.Sprintf("%s %q (%d actors)", c.Kind, truncate(c.Key, 80), c.ActorCount))
	}
	return strings.Join(names, "; ")
}
