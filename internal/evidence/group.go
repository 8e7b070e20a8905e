package evidence

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Group is the actors that are counted, not detailed: beyond the detail
// limits, actors that behaved the same way (the same rules fired at the same
// severities, the same probe set, the same user agents) are one group. Groups
// are merged across chunks by ID, so that a behaviour spread over many
// chunks counts once, as one engine over the whole log would count it.
type Group struct {
	// ID names the behaviour (a hash of it), the same in every chunk and in
	// the address file. Key says it in words (attacker text: ⚠).
	ID  string `json:"id"`
	Key string `json:"key"`
	// Weak is set while the members stayed below every threshold alone;
	// a campaign takes it away (PromoteCampaigns).
	Weak       bool       `json:"weak"`
	Severity   Severity   `json:"severity"`
	Categories []Category `json:"categories"`
	Rules      []RuleRef  `json:"rules"`
	// Actors counts the members as the rules see them (a rotating scan is
	// one actor); Clients counts their addresses (its members each).
	Actors    int64     `json:"actors"`
	Clients   int64     `json:"clients"`
	Requests  int64     `json:"requests"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// What campaigns are formed from (the same for every member): the
	// members' user agents, the attack paths they probed, whether they
	// probed beyond that set (Campaigns' probing test), and for
	// credential-stuffing members the login endpoint and their failures.
	UserAgents []string `json:"user_agents"`
	ProbeSet   []string `json:"probe_set"`
	Probing    bool     `json:"probing"`
	Endpoint   string   `json:"endpoint,omitempty"`
	Failures   int64    `json:"failures,omitempty"`
	// Members are the first MaxGroupMembers addresses (in string order);
	// Samples the earliest MaxGroupSamples requests of the group.
	Members []string `json:"members"`
	Samples []Sample `json:"samples"`
	// Reason says why a promoted group is suspicious (the campaign).
	Reason string `json:"reason,omitempty"`
	// Coarse is set for the group of actors whose own behaviour did not
	// make the limit of groups: it gathers them by categories only.
	Coarse bool `json:"coarse,omitempty"`
	// Planted is the members' planted-link mark (Actor.Planted), part of
	// the behaviour; coarse groups drop it, and their members are then
	// judged as attackers.
	Planted *Planted `json:"planted,omitempty"`
}

// RuleRef is a rule that fired (or stayed weak) for every member of a group.
type RuleRef struct {
	Rule     string   `json:"rule"`
	Category Category `json:"category"`
	Severity Severity `json:"severity"`
	Weak     bool     `json:"weak,omitempty"`
}

// Limits of one group's lists.
const (
	MaxGroupMembers = 20
	MaxGroupSamples = 3
)

// Suspicious reports whether the group's members are suspicious (not weak).
func (g *Group) Suspicious() bool { return !g.Weak }

// Merge adds o (a group of the same ID from another chunk, or one more
// member) to g: counts add up, the span widens, and the lists keep the
// first members by address and the earliest samples, so the result does
// not depend on the order of merging.
func (g *Group) Merge(o *Group) {
	g.Actors += o.Actors
	g.Clients += o.Clients
	g.Requests += o.Requests
	g.Failures += o.Failures
	widen(&g.FirstSeen, &g.LastSeen, o.FirstSeen, o.LastSeen)
	g.Members = mergeFirst(g.Members, o.Members, MaxGroupMembers, strings.Compare)
	g.Samples = mergeFirst(g.Samples, o.Samples, MaxGroupSamples, compareSample)
}

// widen stretches the span first..last to hold of..ol; a zero time is no
// bound.
func widen(first, last *time.Time, of, ol time.Time) {
	if first.IsZero() || (!of.IsZero() && of.Before(*first)) {
		*first = of
	}
	if ol.After(*last) {
		*last = ol
	}
}

// mergeFirst is the n smallest distinct items of a and b.
func mergeFirst[E comparable](a, b []E, n int, c func(x, y E) int) []E {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, c)
	return slices.Clip(out[:min(len(out), n)])
}

func compareSample(a, b Sample) int {
	return cmp.Or(cmp.Compare(a.Line, b.Line), a.Time.Compare(b.Time), strings.Compare(a.Target, b.Target))
}

// Worse is the one ranking of suspicious actors, worst first: severity, then
// the rules' score, then requests, then the address. The detail limits keep
// the first actors in this order and the report lists findings in it.
func Worse(a, b *Actor) int { return WorseAt(a.Severity, b.Severity, a, b) }

// WorseAt is Worse with the severities given (a verdict's, in the report).
func WorseAt(sa, sb Severity, a, b *Actor) int {
	return cmp.Or(
		cmp.Compare(sb, sa),
		cmp.Compare(b.Score, a.Score),
		cmp.Compare(b.Requests, a.Requests),
		strings.Compare(a.Actor, b.Actor),
	)
}

// WeakMatches is how many requests matched an actor's below-threshold rules.
func WeakMatches(a *Actor) int64 {
	var n int64
	for _, h := range a.Weak {
		n += h.Count
	}
	return n
}

// Stronger is the ranking of weak actors, the ones closest to a finding
// first: more matching requests, then the address.
func Stronger(a, b *Actor) int {
	return cmp.Or(cmp.Compare(WeakMatches(b), WeakMatches(a)), strings.Compare(a.Actor, b.Actor))
}

// Clients is how many clients an actor stands for: the members of a
// rotating scan, or one.
func (a *Actor) Clients() int64 {
	if a.MemberCount > 0 {
		return int64(a.MemberCount)
	}
	return 1
}

// Counts accounts for every actor an engine saw: each is in exactly one of
// these, so they add up to Chunk.Actors. Clients of a rotating scan count
// once each, under Suspicious.
type Counts struct {
	Suspicious int64 `json:"suspicious"` // detailed or grouped, rule fired
	Weak       int64 `json:"weak"`       // detailed or grouped, below every threshold
	Lured      int64 `json:"lured"`      // visitors led to a missing path by a page (Chunk.Linked)
	// Planted counts the visitors whose browsers a planted page made send
	// attack payloads (PlantedPage): a run's account has them, not a chunk's.
	Planted int64 `json:"planted,omitempty"`
	Clean   int64 `json:"clean"` // no rule matched
}

// Total is the sum of the counts.
func (c Counts) Total() int64 { return c.Suspicious + c.Weak + c.Lured + c.Planted + c.Clean }

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Suspicious += o.Suspicious
	c.Weak += o.Weak
	c.Lured += o.Lured
	c.Planted += o.Planted
	c.Clean += o.Clean
}
