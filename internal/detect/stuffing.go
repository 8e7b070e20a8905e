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
func stuffingCampaigns(actors []evidence.Actor) []evidence.Campaign {
	byEndpoint := map[string][]int{}
	for i := range actors {
		if h := stuffingHit(&actors[i]); h != nil {
			if ep := loginEndpoint(h); ep != "" {
				byEndpoint[ep] = append(byEndpoint[ep], i)
			}
		}
	}
	var out []evidence.Campaign
	for ep, idx := range byEndpoint {
		if len(idx) < MinStuffingActors {
			continue
		}
		c := evidence.Campaign{Kind: KindStuffing, Key: "failed logins on " + truncate(ep, 200),
			Categories: []evidence.Category{evidence.CredentialStuffing}, Severity: evidence.High}
		var fails int64
		uas := map[string]bool{}
		for _, i := range idx {
			a := &actors[i]
			c.Actors = append(c.Actors, a.Actor)
			c.Requests += a.Requests
			fails += stuffingHit(a).Count
			if c.FirstSeen.IsZero() || a.FirstSeen.Before(c.FirstSeen) {
				c.FirstSeen = a.FirstSeen
			}
			if a.LastSeen.After(c.LastSeen) {
				c.LastSeen = a.LastSeen
			}
			for _, u := range a.UserAgents {
				if len(uas) < 1000 {
					uas[u.Value] = true
				}
			}
		}
		slices.Sort(c.Actors)
		c.Reason = fmt.Sprintf("%d addresses did nothing but fail to log in on %s (%d failed logins in all, %d user agents) from %s to %s (%s): each stays below the brute-force threshold, together they are a credential-stuffing campaign (threshold %d addresses)",
			len(idx), truncate(ep, 120), fails, len(uas), c.FirstSeen.Format(time.RFC3339), c.LastSeen.Format(time.RFC3339),
			spanString(c.LastSeen.Sub(c.FirstSeen)), MinStuffingActors)
		out = append(out, c)
	}
	return out
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
// does. The weak match it came from is dropped.
func promoteStuffing(actors []evidence.Actor, campaigns []evidence.Campaign) {
	in := map[string]*evidence.Campaign{}
	for i := range campaigns {
		if campaigns[i].Kind == KindStuffing {
			for _, a := range campaigns[i].Actors {
				in[a] = &campaigns[i]
			}
		}
	}
	if len(in) == 0 {
		return
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
		h.Reason = fmt.Sprintf("one of %d addresses in the credential-stuffing campaign on %s from %s to %s; on its own: %s",
			len(c.Actors), strings.TrimPrefix(c.Key, "failed logins on "), c.FirstSeen.Format("2006-01-02"),
			c.LastSeen.Format("2006-01-02"), strings.TrimPrefix(h.Reason, "below threshold: "))
		a.Hits = append(slices.DeleteFunc(slices.Clone(a.Hits), func(x evidence.Hit) bool { return x.Rule == KindStuffing }), h)
		finishActor(a, 0)
	}
}
