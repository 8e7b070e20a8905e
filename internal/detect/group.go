package detect

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Groups: an engine details at most Config.DetailLimit suspicious actors,
// WeakLimit weak ones and LoginLimit credential-stuffing members; every
// other actor with rule matches is counted in the group of its behaviour.
// A behaviour is what campaigns are formed from, so that a group takes part
// in a campaign as its members would one by one (Campaigns, PromoteCampaigns):
// the rules that fired or stayed weak (with their severities), the unusual
// user agents, the probe set and whether the actor probed beyond it, and a
// credential-stuffing member's login endpoint. It is computed from the
// actor's evidence alone, so the same actor gets the same group in any chunk
// and in Aggregate.
//
// Groups are bounded too (Config.GroupLimit): beyond the limit the smallest
// groups are folded into coarser ones, first without their user agents
// (campaigns by probe set and login endpoint still form), then by severity
// and categories, then by severity alone.

// Group levels, finest first.
const (
	levelBehaviour  = iota // everything campaigns look at
	levelNoUA              // without the user agents
	levelCategories        // weak or not, severity and categories
	levelSeverity          // weak or not and severity
)

// groupOf is the one-member group of a (detailed) actor's evidence.
func groupOf(a *evidence.Actor) evidence.Group {
	g := evidence.Group{
		Weak:      len(a.Hits) == 0,
		Actors:    1,
		Clients:   a.Clients(),
		Requests:  a.Requests,
		FirstSeen: a.FirstSeen,
		LastSeen:  a.LastSeen,
		Members:   []string{a.Actor},
	}
	hits := a.Hits
	if g.Weak {
		hits = a.Weak
	}
	for _, h := range hits {
		g.Rules = append(g.Rules, evidence.RuleRef{Rule: h.Rule, Category: h.Category, Severity: h.Severity, Weak: g.Weak})
		g.Severity = max(g.Severity, h.Severity)
		if !slices.Contains(g.Categories, h.Category) {
			g.Categories = append(g.Categories, h.Category)
		}
	}
	if !g.Weak {
		for _, h := range a.Weak {
			g.Rules = append(g.Rules, evidence.RuleRef{Rule: h.Rule, Category: h.Category, Severity: h.Severity, Weak: true})
		}
	}
	evidence.SortCategories(g.Categories)
	for _, u := range a.UserAgents {
		if k := strings.TrimSpace(u.Value); k != "" && k != "-" && unusualUA(k) && !slices.Contains(g.UserAgents, k) {
			g.UserAgents = append(g.UserAgents, k)
		}
	}
	slices.Sort(g.UserAgents)
	if set := probeSet(a); set != "" {
		g.ProbeSet = strings.Split(set, "\n")
		g.Probing = probing(a, set)
	}
	if h := stuffingHit(a); h != nil {
		g.Endpoint = loginEndpoint(h)
		g.Failures = h.Count
	}
	if s := firstSampleOf(a); s != nil {
		g.Samples = []evidence.Sample{*s}
	}
	g.Planted = a.Planted
	setGroupKey(&g, levelBehaviour)
	return g
}

// firstSampleOf is the earliest sample among an actor's hits, or its weak
// matches.
func firstSampleOf(a *evidence.Actor) *evidence.Sample {
	var best *evidence.Sample
	for _, hs := range [][]evidence.Hit{a.Hits, a.Weak} {
		for i := range hs {
			for j := range hs[i].Samples {
				if s := &hs[i].Samples[j]; best == nil || s.Line < best.Line {
					best = s
				}
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// setGroupKey drops what level leaves out of g and names what is left: Key
// in words, ID a hash of it.
func setGroupKey(g *evidence.Group, level int) {
	if level >= levelNoUA {
		g.UserAgents = nil
	}
	if level >= levelCategories {
		g.Coarse = true
		g.ProbeSet, g.Probing, g.Endpoint, g.Planted = nil, false, "", nil
		if g.Rules != nil {
			g.Rules = []evidence.RuleRef{}
		}
	}
	if level >= levelSeverity {
		g.Categories = []evidence.Category{}
	} else {
		g.Categories = slices.Clone(g.Categories)
	}
	var parts []string
	state := "suspicious"
	if g.Weak {
		state = "each below every threshold alone"
	}
	if g.Coarse {
		parts = append(parts, fmt.Sprintf("other %s clients at %s", state, g.Severity))
		if len(g.Categories) > 0 {
			parts = append(parts, "categories "+evidence.JoinCategories(g.Categories, ", "))
		}
	} else {
		var rs []string
		for _, r := range g.Rules {
			w := ""
			if r.Weak {
				w = " (weak)"
			}
			rs = append(rs, fmt.Sprintf("%s %s%s", r.Rule, r.Severity, w))
		}
		parts = append(parts, state+": "+strings.Join(rs, ", "))
		if len(g.ProbeSet) > 0 {
			probe := "probe set "
			if g.Probing {
				probe = "probing, probe set "
			}
			parts = append(parts, probe+strings.Join(g.ProbeSet, " "))
		}
		if g.Endpoint != "" {
			parts = append(parts, "failed logins on "+g.Endpoint)
		}
		if len(g.UserAgents) > 0 {
			parts = append(parts, "user agent "+strings.Join(g.UserAgents, " | "))
		}
		if p := g.Planted; p != nil {
			parts = append(parts, "payloads "+strings.Join(p.Targets, " ")+" from the page "+p.Host+p.Page)
		}
	}
	key := strings.Join(parts, "; ")
	h := fnv.New64a()
	h.Write([]byte(key))
	g.ID = fmt.Sprintf("g%013x", h.Sum64()>>12)
	g.Key = truncate(key, 400)
}

// groupSet gathers groups by ID and keeps their number bounded.
type groupSet struct {
	limit int
	byID  map[string]*evidence.Group
	// level is the finest level new groups may be kept at; it rises each
	// time the set outgrows its limit.
	level int
}

func newGroupSet(limit int) *groupSet {
	return &groupSet{limit: max(limit, 1), byID: map[string]*evidence.Group{}}
}

// add merges g into the set.
func (s *groupSet) add(g evidence.Group) {
	if s.level > levelBehaviour && groupLevel(&g) < s.level {
		if _, ok := s.byID[g.ID]; !ok {
			setGroupKey(&g, s.level)
		}
	}
	if o := s.byID[g.ID]; o != nil {
		o.Merge(&g)
		return
	}
	s.byID[g.ID] = &g
	if len(s.byID) > 2*s.limit {
		s.compact()
	}
}

// groupLevel is the level g was keyed at.
func groupLevel(g *evidence.Group) int {
	switch {
	case g.Coarse && len(g.Categories) == 0:
		return levelSeverity
	case g.Coarse:
		return levelCategories
	case len(g.UserAgents) == 0:
		return levelNoUA
	}
	return levelBehaviour
}

// compact keeps the largest groups (most clients, then ID) within the
// limit and folds the others one level coarser, until the set fits.
func (s *groupSet) compact() {
	for len(s.byID) > s.limit && s.level < levelSeverity {
		s.level++
		gs := s.sorted()
		clear(s.byID)
		keep := s.limit / 2
		for i := range gs {
			g := gs[i]
			if i >= keep && groupLevel(&g) < s.level {
				setGroupKey(&g, s.level)
			}
			if o := s.byID[g.ID]; o != nil {
				o.Merge(&g)
			} else {
				s.byID[g.ID] = &g
			}
		}
	}
}

// sorted returns the groups, suspicious before weak, most clients first.
func (s *groupSet) sorted() []evidence.Group {
	out := make([]evidence.Group, 0, len(s.byID))
	for _, g := range s.byID {
		out = append(out, *g)
	}
	slices.SortFunc(out, compareGroups)
	return out
}

func compareGroups(a, b evidence.Group) int {
	return cmp.Or(
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(b.Clients, a.Clients),
		strings.Compare(a.ID, b.ID),
	)
}

// list is the set within its limit, ordered as sorted.
func (s *groupSet) list() []evidence.Group {
	if len(s.byID) > s.limit {
		s.compact()
	}
	return s.sorted()
}

// MergeGroups merges the groups of several chunks (and the actors folded
// into groups) by ID, within limit groups: Aggregate's counterpart of what
// one engine does.
func MergeGroups(limit int, lists ...[]evidence.Group) []evidence.Group {
	s := newGroupSet(limit)
	for _, l := range lists {
		for _, g := range l {
			s.add(g)
		}
	}
	return s.list()
}

// GroupOf is the one-member group an actor's evidence belongs to.
func GroupOf(a *evidence.Actor) evidence.Group { return groupOf(a) }

// CoarseGroupIDs are the IDs of the coarse groups (by severity and
// categories, then by severity) that an actor's behaviour folds into when
// there are too many groups: with the IDs of its own behaviour (which only
// the engine can name), where an address list finds the group an actor is
// counted in.
func CoarseGroupIDs(weak bool, sev evidence.Severity, cats []evidence.Category) []string {
	g := evidence.Group{Weak: weak, Severity: sev, Categories: cats}
	setGroupKey(&g, levelCategories)
	ids := []string{g.ID}
	setGroupKey(&g, levelSeverity)
	return append(ids, g.ID)
}
