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
// suspicious and weak actors of every chunk):
//
//   - shared-user-agent: at least MinCampaignActors actors with rule matches
//     send the same unusual user agent (not a browser string, not a common
//     HTTP library, not empty);
//   - shared-probe-set: at least MinCampaignActors actors probed exactly the
//     same set of attack paths (taken from their hit and weak-hit samples);
//   - credential-stuffing: at least MinStuffingActors actors did nothing
//     but fail to log in on one endpoint (see stuffing.go).
//
// Weak actors in a campaign are not yet suspicious; PromoteCampaigns makes
// them so, with a hit whose reason names the campaign.
func Campaigns(actors []evidence.Actor) []evidence.Campaign {
	byUA := map[string][]int{}
	bySet := map[string][]int{}
	for i := range actors {
		a := &actors[i]
		if len(a.Hits) == 0 && len(a.Weak) == 0 {
			continue
		}
		seen := map[string]bool{}
		for _, u := range a.UserAgents {
			k := strings.TrimSpace(u.Value)
			if k == "" || k == "-" || seen[k] || !unusualUA(k) {
				continue
			}
			seen[k] = true
			byUA[k] = append(byUA[k], i)
		}
		if set := probeSet(a); set != "" && probing(a, set) {
			bySet[set] = append(bySet[set], i)
		}
	}
	var out []evidence.Campaign
	for ua, idx := range byUA {
		if len(idx) >= MinCampaignActors {
			c := campaign("shared-user-agent", truncate(ua, maxUA), actors, idx)
			c.Reason = fmt.Sprintf("%d actors with rule matches share the unusual user agent %q", len(c.Actors), truncate(ua, 120))
			out = append(out, c)
		}
	}
	for set, idx := range bySet {
		if len(idx) >= MinCampaignActors {
			paths := strings.Split(set, "\n")
			key := "probe set: " + strings.Join(paths, ", ")
			c := campaign("shared-probe-set", truncate(key, 300), actors, idx)
			c.Reason = fmt.Sprintf("%d actors probed exactly the same %d attack path%s (%s)", len(c.Actors), len(paths),
				plural(len(paths)), truncate(strings.Join(paths, ", "), 200))
			out = append(out, c)
		}
	}
	out = append(out, stuffingCampaigns(actors)...)
	slices.SortFunc(out, func(a, b evidence.Campaign) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(len(b.Actors), len(a.Actors)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func campaign(kind, key string, actors []evidence.Actor, idx []int) evidence.Campaign {
	c := evidence.Campaign{Kind: kind, Key: key, Categories: []evidence.Category{}}
	for _, i := range idx {
		a := &actors[i]
		c.Actors = append(c.Actors, a.Actor)
		c.Requests += a.Requests
		for _, h := range append(slices.Clip(a.Hits), a.Weak...) {
			if !slices.Contains(c.Categories, h.Category) {
				c.Categories = append(c.Categories, h.Category)
			}
			sev := h.Severity
			if len(a.Hits) == 0 {
				sev = min(sev, evidence.Medium) // thin evidence: cap it
			}
			c.Severity = max(c.Severity, sev)
		}
	}
	slices.Sort(c.Actors)
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

// PromoteCampaigns returns actors with every weak actor that belongs to a
// campaign made suspicious: it gets a hit with rule "campaign", the category
// of its most severe weak match, severity at most medium, and a reason that
// names the campaign. Aggregate calls it after Campaigns. Actors already
// suspicious are returned unchanged.
func PromoteCampaigns(actors []evidence.Actor, campaigns []evidence.Campaign) []evidence.Actor {
	member := map[string][]*evidence.Campaign{}
	for i := range campaigns {
		if campaigns[i].Kind == KindStuffing {
			continue // promoteStuffing
		}
		for _, a := range campaigns[i].Actors {
			member[a] = append(member[a], &campaigns[i])
		}
	}
	out := slices.Clone(actors)
	promoteStuffing(out, campaigns)
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
		var names []string
		for _, c := range cs {
			names = append(names, fmt.Sprintf("%s %q (%d actors)", c.Kind, truncate(c.Key, 80), len(c.Actors)))
		}
		a.Hits = []evidence.Hit{{
			Rule:     "campaign",
			Category: best.Category,
			Severity: min(best.Severity, evidence.Medium),
			Count:    count,
			Reason:   "part of campaign " + strings.Join(names, "; ") + "; on its own: " + strings.TrimPrefix(best.Reason, "below threshold: "),
			Samples:  samples,
		}}
		a.Weak = nil
		finishActor(a, 0)
	}
	return out
}
