package report

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// BuildInput is everything a report is made from.
type BuildInput struct {
	Generated time.Time
	Source    Source
	Input     Input
	// Actors are the suspicious actors from all chunks (any order).
	Actors          []evidence.Actor
	Verdicts        []analysis.Verdict // merged verdicts, at most one per actor counts
	Campaigns       []evidence.Campaign
	Groups          []evidence.Group // the clients counted, not detailed
	Clients         evidence.Counts  // every client, accounted for
	Recommendations []analysis.Recommendation
	Observations    []analysis.Observation
	Analysis        AnalysisInfo
	// Timeline is the requests of the whole run over time; nil or empty
	// leaves it out of the report.
	Timeline *evidence.Histogram
}

// BlockMinSeverity is the lowest severity whose actors go on the blocklist.
// Low findings (a fast crawler, a few technology probes) are left to rate
// limits and managed rules: blocking them outright hurts more than it helps.
const BlockMinSeverity = evidence.Medium

// Build assembles the report. Every actor in in.Actors becomes a finding, with
// its verdict as given: the verdicts are merged already, the rules' being the
// floor of each (analysis.WithFallback).
func Build(in BuildInput) *Report {
	r := &Report{
		SchemaVersion:   SchemaVersion,
		Generated:       in.Generated.UTC(),
		Source:          in.Source,
		Input:           in.Input,
		Findings:        []Finding{},
		Campaigns:       slices.Clone(in.Campaigns),
		Groups:          slices.Clone(in.Groups),
		Blocklist:       []BlockEntry{},
		Recommendations: slices.Clone(in.Recommendations),
		Observations:    slices.Clone(in.Observations),
		Analysis:        in.Analysis,
	}
	if in.Timeline != nil && len(in.Timeline.Counts) > 0 {
		r.Timeline = in.Timeline
	}
	if r.Campaigns == nil {
		r.Campaigns = []evidence.Campaign{}
	}
	if r.Groups == nil {
		r.Groups = []evidence.Group{}
	}
	if r.Recommendations == nil {
		r.Recommendations = []analysis.Recommendation{}
	}
	slices.SortStableFunc(r.Recommendations, func(a, b analysis.Recommendation) int { return a.Priority - b.Priority })

	verdicts := make(map[string]analysis.Verdict, len(in.Verdicts))
	for _, v := range in.Verdicts {
		if _, dup := verdicts[v.Actor]; !dup {
			verdicts[v.Actor] = v
		}
	}
	seen := make(map[string]int, len(in.Actors))
	for i := range in.Actors {
		a := &in.Actors[i]
		if j, dup := seen[a.Actor]; dup {
			// The same actor twice (it should not happen: chunks partition by
			// actor). Keep the stronger evidence.
			if a.Score > r.Findings[j].Evidence.Score {
				r.Findings[j] = finding(a, verdicts)
			}
			continue
		}
		seen[a.Actor] = len(r.Findings)
		r.Findings = append(r.Findings, finding(a, verdicts))
	}
	// The verdict's severity first, then the rules' ranking.
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return evidence.WorseAt(a.Severity, b.Severity, &a.Evidence, &b.Evidence)
	})
	index := make(map[string]int, len(r.Findings))
	for i, f := range r.Findings {
		index[f.Actor] = i
	}
	for ci, c := range r.Campaigns {
		for _, a := range c.Actors {
			if i, ok := index[a]; ok && !slices.Contains(r.Findings[i].Campaigns, ci) {
				r.Findings[i].Campaigns = append(r.Findings[i].Campaigns, ci)
			}
		}
	}
	r.Blocklist = blocklist(r.Findings)
	r.Summary = summarize(r)
	r.Summary.Clients = in.Clients
	return r
}

// finding is an actor's evidence with its verdict, as the analyzer merged it
// (analysis.WithFallback keeps the rules as the floor of every verdict). An
// actor without a verdict is shown as the evidence has it.
func finding(a *evidence.Actor, verdicts map[string]analysis.Verdict) Finding {
	f := Finding{
		Actor:         a.Actor,
		Severity:      a.Severity,
		Categories:    slices.Clone(a.Categories),
		VerdictSource: "rules",
		Evidence:      *a,
	}
	v, ok := verdicts[a.Actor]
	if !ok {
		return f
	}
	f.Severity = min(v.Severity, evidence.Critical)
	f.Categories = slices.Clone(v.Categories)
	f.Confidence = v.Confidence
	f.Rationale = v.Rationale
	if v.Source != "" {
		f.VerdictSource = v.Source
	}
	return f
}

// blockCIDR turns an actor key into a CIDR: IPv4 /32, IPv6 /64. ok is false
// for anything that is not an address or prefix.
func blockCIDR(actor string) (string, bool) {
	if p, err := netip.ParsePrefix(actor); err == nil {
		if p.Addr().Is4() {
			return p.Masked().String(), true
		}
		return netip.PrefixFrom(p.Addr(), min(p.Bits(), 64)).Masked().String(), true
	}
	a, err := netip.ParseAddr(actor)
	if err != nil {
		return "", false
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return netip.PrefixFrom(a, 32).String(), true
	}
	return netip.PrefixFrom(a, 64).Masked().String(), true
}

// blocklist lists every finding at BlockMinSeverity or above, worst first.
func blocklist(fs []Finding) []BlockEntry {
	out := []BlockEntry{}
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity < BlockMinSeverity {
			continue
		}
		cats := make([]string, 0, len(f.Categories))
		for _, k := range f.Categories {
			cats = append(cats, string(k))
		}
		reason := fmt.Sprintf("%s: %s; %s", f.Severity, strings.Join(cats, ", "), plural(f.Evidence.Requests, "request", "requests"))
		if !f.Evidence.FirstSeen.IsZero() {
			reason += " from " + f.Evidence.FirstSeen.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		for _, c := range blockCIDRs(&f.Evidence) {
			if seen[c] {
				continue
			}
			seen[c] = true
			r := reason
			if len(f.Evidence.Block) > 0 {
				r += fmt.Sprintf(" (part of the rotating scan from %s, which also holds %s not blocked)",
					f.Actor, plural(int64(f.Evidence.BlockOthers), "other client", "other clients"))
			}
			out = append(out, BlockEntry{CIDR: c, Severity: f.Severity, Reason: r})
		}
	}
	return out
}

// blockCIDRs is what to block for an actor: its own address or prefix, or
// for a rotating scan whose prefix others share, the prefixes that hold only
// its members.
func blockCIDRs(a *evidence.Actor) []string {
	if len(a.Block) == 0 {
		c, ok := blockCIDR(a.Actor)
		if !ok {
			return nil
		}
		return []string{c}
	}
	var out []string
	for _, b := range a.Block {
		if c, ok := blockCIDR(b); ok {
			out = append(out, c)
		}
	}
	return out
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// summarize fills the summary from the findings and recommendations.
func summarize(r *Report) Summary {
	s := Summary{Severity: evidence.Info, Suspicious: len(r.Findings), Categories: []CategoryCount{}, DoNow: []string{}}
	counts := map[evidence.Category]*CategoryCount{}
	count := func(c evidence.Category) *CategoryCount {
		cc := counts[c]
		if cc == nil {
			cc = &CategoryCount{Category: c}
			counts[c] = cc
		}
		return cc
	}
	exposed := false
	for _, f := range r.Findings {
		s.Severity = max(s.Severity, f.Severity)
		s.Requests += f.Evidence.Requests
		for _, c := range f.Categories {
			count(c).Actors++
		}
		for _, h := range f.Evidence.Hits {
			if cc := counts[h.Category]; cc != nil {
				cc.Requests += h.Count
			}
			if h.Category == evidence.SensitiveFiles || h.Category == evidence.Webshell {
				for _, sm := range h.Samples {
					exposed = exposed || (sm.Status >= 200 && sm.Status < 300)
				}
			}
		}
	}
	for _, g := range r.Groups {
		if !g.Suspicious() {
			continue
		}
		s.Severity = max(s.Severity, g.Severity)
		s.Grouped += g.Actors
		s.Requests += g.Requests
		for _, c := range g.Categories {
			count(c).Actors += int(g.Actors)
		}
	}
	for _, c := range evidence.Categories {
		if cc := counts[c]; cc != nil {
			s.Categories = append(s.Categories, *cc)
		}
	}
	s.Headline = headline(r, s, exposed)
	for _, rec := range r.Recommendations {
		if len(s.DoNow) == 3 {
			break
		}
		if t := strings.TrimSpace(rec.Title); t != "" {
			s.DoNow = append(s.DoNow, t)
		}
	}
	if len(s.DoNow) == 0 && len(r.Blocklist) > 0 {
		s.DoNow = append(s.DoNow, fmt.Sprintf("Block the %s in the blocklist", plural(int64(len(r.Blocklist)), "address", "addresses")))
	}
	return s
}

// headline is one sentence; the severity is shown next to it, not in it.
func headline(r *Report, s Summary, exposed bool) string {
	rows := r.Input.Parsed
	n := int64(s.Suspicious) + s.Grouped
	if n == 0 {
		if rows == 0 {
			return "No requests could be read, so nothing was analysed."
		}
		return fmt.Sprintf("No attacks found in %s from %s.", plural(rows, "request", "requests"), plural(r.Input.Actors, "client", "clients"))
	}
	var top []string
	for _, c := range s.Categories {
		if len(top) == 3 {
			break
		}
		top = append(top, string(c.Category))
	}
	of := ""
	if r.Input.Actors > 0 {
		of = " of " + thousands(r.Input.Actors)
	}
	req := plural(s.Requests, "request", "requests")
	if rows > 0 {
		req = fmt.Sprintf("%s of %s", thousands(s.Requests), plural(rows, "request", "requests"))
	}
	h := fmt.Sprintf("%s%s clients attacked or probed the site (%s), chiefly %s",
		thousands(n), of, req, joinAnd(top))
	if n == 1 {
		h = fmt.Sprintf("1%s client attacked or probed the site (%s), chiefly %s", of, req, joinAnd(top))
	}
	if exposed {
		h += "; a sensitive file or backdoor path was answered 2xx"
	}
	return h + "."
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}
