package detect

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// Credential stuffing spread over many addresses: each address posts a few
// failed logins, days apart, and does nothing else, so no address reaches
// the brute-force thresholds and each alone looks like a person's typo. The
// engine keeps such addresses as weak actors with a "credential-stuffing"
// match (rule credential-stuffing); across the whole run, many of them
// failing on one login endpoint are a campaign.
//
// Why "does nothing else" is the test for a member: a person posts a login
// form from the page that holds it, so a browser loads that page (and
// usually its assets) first, and a person who gets the password right goes
// on to use the site; an app that fails a login makes its other calls too.
// An address whose every request is a failed login does neither.
const (
	// KindStuffing is the Campaign.Kind of credential-stuffing campaigns.
	KindStuffing = "credential-stuffing"
	// MinStuffingActors addresses that do nothing but fail to log in on one
	// endpoint make a campaign: a couple of dozen people who each mistype
	// a password and never load a page in one log is not how people fail.
	MinStuffingActors = 20
)

// stuffingHit returns an actor's credential-stuffing match, weak or not.
func stuffingHit(a *evidence.Actor) *evidence.Hit {
	for _, hs := range [][]evidence.Hit{a.Hits, a.Weak} {
		for i := range hs {
			if hs[i].Category == evidence.CredentialStuffing && hs[i].Rule == KindStuffing {
				return &hs[i]
			}
		}
	}
	return nil
}

// loginEndpoint is the lowercased, decoded path of a hit's first sample.
func loginEndpoint(h *evidence.Hit) string {
	if len(h.Samples) == 0 {
		return ""
	}
	p, _, _ := strings.Cut(h.Samples[0].Target, "?")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return strings.ToLower(p)
}

// stuffingCampaigns groups the members by login endpoint.
func stuffingCampaigns(ms []member) []evidence.Campaign {
	byEndpoint := map[string][]int{}
	for i, m := range ms {
		if ep, _ := m.stuffing(); ep != "" {
			byEndpoint[ep] = append(byEndpoint[ep], i)
		}
	}
	var out []evidence.Campaign
	for ep, idx := range byEndpoint {
		var n int64
		for _, i := range idx {
			n += ms[i].actors()
		}
		if n < MinStuffingActors {
			continue
		}
		c := evidence.Campaign{Kind: KindStuffing, Key: "failed logins on " + truncate(ep, 200), Actors: []string{},
			Categories: []evidence.Category{evidence.CredentialStuffing}, Severity: evidence.High}
		var fails int64
		uas := map[string]bool{}
		grouped := false
		for _, i := range idx {
			m := ms[i]
			_, f := m.stuffing()
			fails += f
			c.ActorCount += m.actors()
			c.Requests += m.requests()
			first, last := m.span()
			if c.FirstSeen.IsZero() || first.Before(c.FirstSeen) {
				c.FirstSeen = first
			}
			if last.After(c.LastSeen) {
				c.LastSeen = last
			}
			if m.g != nil {
				c.Groups = append(c.Groups, m.g.ID)
				grouped = true
				continue
			}
			c.Actors = append(c.Actors, m.a.Actor)
			for _, u := range m.a.UserAgents {
				if len(uas) < 1000 {
					uas[u.Value] = true
				}
			}
		}
		slices.Sort(c.Actors)
		slices.Sort(c.Groups)
		agents := fmt.Sprintf("%d user agents", len(uas))
		if grouped {
			// A group keeps only unusual user agents: count what is known.
			agents = fmt.Sprintf("%d user agents among the %d addresses shown", len(uas), len(c.Actors))
		}
		c.Reason = fmt.Sprintf("%d addresses did nothing but fail to log in on %s (%d failed logins in all, %s) from %s to %s (%s): each stays below the brute-force threshold, together they are a credential-stuffing campaign (threshold %d addresses)",
			n, truncate(ep, 120), fails, agents, c.FirstSeen.Format(time.RFC3339), c.LastSeen.Format(time.RFC3339),
			spanString(c.LastSeen.Sub(c.FirstSeen)), MinStuffingActors)
		out = append(out, c)
	}
	return out
}

// stuffing is the member's login endpoint and failed logins, if it has a
// credential-stuffing match.
func (m member) stuffing() (string, int64) {
	if m.g != nil {
		return m.g.Endpoint, m.g.Failures
	}
	if h := stuffingHit(m.a); h != nil {
		return loginEndpoint(h), h.Count
	}
	return "", 0
}

func (m member) span() (first, last time.Time) {
	if m.a != nil {
		return m.a.FirstSeen, m.a.LastSeen
	}
	return m.g.FirstSeen, m.g.LastSeen
}

// spanString writes a duration in days, hours or minutes.
func spanString(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.1f hours", d.Hours())
	case d < 2*time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
	if m := int(d.Minutes()); m != 1 {
		return fmt.Sprintf("%d minutes", m)
	}
	return "1 minute"
}

// promoteStuffing gives every member of a credential-stuffing campaign a
// hit with the campaign's severity, whatever its own evidence: one member
// alone proves nothing (its finding's confidence stays low), the campaign
// does. The weak match it came from is dropped. Groups in the campaign get
// the same.
func promoteStuffing(actors []evidence.Actor, groups []evidence.Group, campaigns []evidence.Campaign) {
	in := map[string]*evidence.Campaign{}
	inGroup := map[string]*evidence.Campaign{}
	for i := range campaigns {
		if campaigns[i].Kind == KindStuffing {
			for _, a := range campaigns[i].Actors {
				in[a] = &campaigns[i]
			}
			for _, g := range campaigns[i].Groups {
				inGroup[g] = &campaigns[i]
			}
		}
	}
	for i := range actors {
		a := &actors[i]
		c := in[a.Actor]
		if c == nil {
			continue
		}
		h := *stuffingHit(a)
		a.Weak = slices.DeleteFunc(slices.Clone(a.Weak), func(w evidence.Hit) bool { return w.Rule == KindStuffing })
		if len(a.Weak) == 0 {
			a.Weak = nil
		}
		h.Severity = c.Severity
		h.Reason = stuffingReason(c) + "; on its own: " + strings.TrimPrefix(h.Reason, "below threshold: ")
		a.Hits = append(slices.DeleteFunc(slices.Clone(a.Hits), func(x evidence.Hit) bool { return x.Rule == KindStuffing }), h)
		finishActor(a, 0)
	}
	for i := range groups {
		g := &groups[i]
		c := inGroup[g.ID]
		if c == nil {
			continue
		}
		rules := []evidence.RuleRef{{Rule: KindStuffing, Category: evidence.CredentialStuffing, Severity: c.Severity}}
		var weak []evidence.RuleRef
		for _, r := range g.Rules {
			switch {
			case r.Rule == KindStuffing:
			case r.Weak:
				weak = append(weak, r)
			default:
				rules = append(rules, r)
			}
		}
		g.Rules = append(rules, weak...)
		g.Weak = false
		g.Severity = evidence.Info
		g.Categories = []evidence.Category{}
		for _, r := range rules {
			g.Severity = max(g.Severity, r.Severity)
			if !slices.Contains(g.Categories, r.Category) {
				g.Categories = append(g.Categories, r.Category)
			}
		}
		evidence.SortCategories(g.Categories)
		g.Reason = stuffingReason(c)
	}
}

func stuffingReason(c *evidence.Campaign) string {
	return fmt.Sprintf("one of %d addresses in the credential-stuffing campaign on %s from %s to %s",
		c.ActorCount, strings.TrimPrefix(c.Key, "failed logins on "), c.FirstSeen.Format("2006-01-02"),
		c.LastSeen.Format("2006-01-02"))
}
