package report

import (
	"fmt"
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
	Actors    []evidence.Actor
	Verdicts  []analysis.Verdict // merged verdicts, at most one per actor counts
	Campaigns []evidence.Campaign
	Groups    []evidence.Group // the clients counted, not detailed
	Clients   evidence.Counts  // every client, accounted for
	// Addresses describes the address file, when one was written, and
	// Prefixes are the blocks it found to hold nothing but attackers
	// (PrefixEntry).
	Addresses *AddressFile
	Prefixes  []BlockEntry
	// Planted are the pages that made their visitors' browsers send attack
	// payloads (detect.SeparatePlanted), and how many more were left out.
	Planted         []evidence.PlantedPage
	PlantedMore     int
	Recommendations []analysis.Recommendation
	Observations    []analysis.Observation
	Analysis        AnalysisInfo
	// Timeline is the requests of the whole run over time; nil or empty
	// leaves it out of the report.
	Timeline *evidence.Histogram
}

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
		Planted:         slices.Clone(in.Planted),
		PlantedMore:     in.PlantedMore,
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

	verdicts := Verdicts(in.Verdicts)
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
	r.Blocklist = blocklist(r.Findings, in.Prefixes)
	if in.Addresses != nil {
		af := *in.Addresses
		af.Unlisted = max(0, af.Blockable-covered(r.Blocklist))
		r.AddressFile = &af
	}
	r.Summary = summarize(r)
	r.Summary.Clients = in.Clients
	return r
}

// Verdicts indexes merged verdicts by actor; the first for an actor counts.
func Verdicts(vs []analysis.Verdict) map[string]analysis.Verdict {
	m := make(map[string]analysis.Verdict, len(vs))
	for _, v := range vs {
		if _, dup := m[v.Actor]; !dup {
			m[v.Actor] = v
		}
	}
	return m
}

// Shown is the severity and categories a finding shows for an actor: its
// verdict's, or the rules' when it has none.
func Shown(a *evidence.Actor, verdicts map[string]analysis.Verdict) (evidence.Severity, []evidence.Category) {
	f := finding(a, verdicts)
	return f.Severity, f.Categories
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
	for _, p := range r.Planted {
		s.Severity = max(s.Severity, p.Severity)
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
	planted := plantedClause(r)
	if n == 0 {
		switch {
		case rows == 0:
			return "No requests could be read, so nothing was analysed."
		case planted != "":
			return "No client attacked the site on its own, but " + planted + "."
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
	if planted != "" {
		h += "; " + planted
	}
	return h + "."
}

// plantedClause says which pages make their visitors' browsers send attack
// payloads, or "" when none does. The page is the attacker's text: the
// renderers clean and escape the headline.
func plantedClause(r *Report) string {
	if len(r.Planted) == 0 {
		return ""
	}
	p := r.Planted[0]
	cats := make([]string, len(p.Categories))
	for i, c := range p.Categories {
		cats[i] = string(c)
	}
	pages := len(r.Planted) + r.PlantedMore
	page := cut(p.Page, 80)
	if pages == 1 {
		return fmt.Sprintf("the page %s makes its visitors' browsers send %s payloads (%s), so it likely carries injected content",
			page, joinAnd(cats), plural(p.Visitors, "visitor", "visitors"))
	}
	var visitors int64
	for _, q := range r.Planted {
		visitors += q.Visitors
	}
	who := plural(visitors, "visitor", "visitors")
	if r.PlantedMore > 0 {
		who = "at least " + who
	}
	return fmt.Sprintf("%d pages, such as %s, make their visitors' browsers send attack payloads (%s), so they likely carry injected content",
		pages, page, who)
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
