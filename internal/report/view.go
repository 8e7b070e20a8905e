package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// The report is shown through one view, built once per rendering: every count
// limit (actors, rules, samples, campaigns, blocklist lines…) is applied here,
// and every string that came from a log line or a model is cleaned and cut to
// its field's limit here. The templates then only lay the view out and escape
// it for their syntax (nothing for text, Markdown escapes and code spans,
// html/template's contextual escaping), so every format shows the same things.

// bounds are the count and length limits of one kind of rendering.
type bounds struct {
	detail       int // actors shown with their evidence
	list         int // further actors shown one line each
	hits         int // rule hits per detailed actor
	samples      int // sample requests per detailed actor
	campaigns    int
	campaignIPs  int // addresses listed per campaign
	groups       int // suspicious groups shown
	groupIPs     int // addresses listed per group
	blocks       int // blocklist lines
	blockReasons int // blocklist lines that the Markdown also explains one by one
	recs         int
	recActors    int
	rejects      int // rejected-line samples
	notes        int
	rationale    int // bytes of a finding's rationale
	errors       int // bytes of an input error
}

// reportBounds keep a report readable whatever the size of the attack.
var reportBounds = bounds{
	detail: 20, list: 200, hits: 8, samples: 3, campaigns: 20, campaignIPs: 20, groups: 20, groupIPs: 5, blocks: 500, blockReasons: 50,
	recs: 30, recActors: 8, rejects: 5, notes: 20, rationale: 800, errors: 400,
}

// emailBounds keep the email short: it points to the full report.
var emailBounds = bounds{
	detail: 10, hits: 0, samples: 0, recs: 5, recActors: 0, rationale: 400, errors: 300,
}

// Lengths, in bytes, of the strings the view shows.
const (
	fieldLimit  = 200 // a path, user agent, campaign key or rejected line
	actorLimit  = 64  // an actor key (address or prefix)
	nameLimit   = 40  // a rule, campaign kind or rejection reason
	titleLimit  = 300 // a headline item, rule reason, recommendation title or blocklist reason
	longLimit   = 400 // a campaign reason or a note
	proseLimit  = 600 // the headline or an observation
	detailLimit = 2000
)

type view struct {
	Source    string // the input's name, cleaned
	FileName  string // the input's last path element, reduced to a safe file name
	Format    string
	Generated string
	Parsed    int64
	Window    string

	Severity         string
	Headline         string
	Suspicious       int64
	Requests         int64
	Categories       []CategoryCount
	DoNow            []string
	ModelUnavailable bool

	Timeline      *timelineView  // nil without a timeline
	CategoryChart *categoryChart // nil without findings

	Top      []findingView
	Rest     []actorLine
	RestMore int
	Findings int // all findings, shown or not

	Planted     []plantedView
	PlantedMore int

	Groups     []groupView // suspicious groups
	GroupsMore int
	Grouped    int64 // actors in suspicious groups

	Campaigns         []campaignView
	CampaignsMore     int
	CampaignsTotal    int64
	CampaignAddresses int64 // addresses in all campaigns
	Observations      []string

	BlockMin         string
	Blocks           []blockView
	BlocksMore       int
	BlocksTotal      int64
	BlockReasons     []blockView
	BlockReasonsMore int
	// The address file, when one was written.
	AddressFile        string
	AddressesListed    int64 // suspicious addresses in it
	AddressesUnblocked int64 // of those at BlockMinSeverity, not covered by Blocks

	Recs     []recView
	RecsMore int

	Input    inputView
	Analysis analysisView
}

type findingView struct {
	N             int // rank, from 1
	Actor         string
	Severity      string
	Categories    []string
	Confidence    float64
	Source        string // who wrote the verdict
	Requests      int64
	DistinctPaths int
	First, Last   string
	Statuses      string
	Rationale     string
	Hits          []hitView
	HitsMore      int
	Samples       []sampleView
	Campaigns     string // "#1, #3"
}

type hitView struct {
	Rule     string
	Severity string
	Count    int64
	Reason   string
}

type sampleView struct {
	Line   int64
	Time   string
	Method string // "-" when the log has none
	Target string
	Status string // "-" when the log has none
	UA     string
}

type actorLine struct {
	Actor      string
	Severity   string
	Requests   int64
	Categories []string
}

type campaignView struct {
	N          int
	Kind       string
	Severity   string
	Addresses  int64
	Requests   int64
	Categories []string
	Key        string
	Reason     string
	Actors     string // the first addresses, space-separated
	ActorsMore int
}

type groupView struct {
	ID          string
	Severity    string
	Actors      int64
	Requests    int64
	Categories  []string
	Key         string
	Reason      string
	First, Last string
	Members     string // the first addresses, space-separated
	MembersMore int
	Samples     []sampleView
}

// plantedView is a page that made its visitors' browsers send payloads.
type plantedView struct {
	N           int
	Page        string
	Host        string
	Severity    string
	Categories  []string
	Visitors    int64
	Payloads    string // "attack payload", "2 attack payloads"
	First, Last string
	Members     string // the first visitors, space-separated
	MembersMore int
	Samples     []sampleView
}

type blockView struct {
	CIDR   string
	Reason string
}

type recView struct {
	Priority   int
	Kind       string
	Title      string
	Detail     string
	Categories []string
	Actors     []string
	ActorsMore int
}

type inputView struct {
	Clients                                              evidence.Counts
	Lines, Parsed, Skipped, Rejected, Duplicates, Actors int64
	Window                                               string
	Reasons                                              []reasonCount
	Samples                                              []rejectView
	Errors                                               []string
}

type reasonCount struct {
	Reason string
	N      int64
}

type rejectView struct {
	Line   int64
	Reason string
	Text   string
}

// Tokens is the model's input and output tokens together.
func (a analysisView) Tokens() int64 { return a.InputTokens + a.OutputTokens }

type analysisView struct {
	Name             string
	ModelUnavailable bool
	Calls            int
	InputTokens      int64
	OutputTokens     int64
	CostUSD          float64
	Truncated        bool
	Notes            []string
	NotesMore        int
}

// newView builds the view of r within b.
func newView(r *Report, b bounds) *view {
	s := &r.Summary
	v := &view{
		Source:           clean(r.Source.Name, titleLimit),
		FileName:         safeFileName(r.Source.Name, 120),
		Format:           clean(r.Source.Format, 20),
		Generated:        fmtTime(r.Generated),
		Parsed:           r.Input.Parsed,
		Window:           window(r.Input.First, r.Input.Last),
		Severity:         s.Severity.String(),
		Headline:         clean(s.Headline, proseLimit),
		Suspicious:       int64(s.Suspicious),
		Requests:         s.Requests,
		Categories:       s.Categories,
		DoNow:            cleanAll(s.DoNow, titleLimit),
		ModelUnavailable: r.Analysis.ModelUnavailable,
		Findings:         len(r.Findings),
		BlockMin:         BlockMinSeverity.String(),
		Input:            newInputView(&r.Input, b),
		Grouped:          s.Grouped,
		Analysis:         newAnalysisView(&r.Analysis, b),
	}
	if r.Source.Name == "" {
		v.Source = "(unnamed input)"
	}
	v.Input.Clients = s.Clients
	top, _ := part(r.Findings, b.detail)
	for i := range top {
		v.Top = append(v.Top, newFindingView(i+1, &top[i], b))
	}
	rest, more := part(r.Findings[len(top):], b.list)
	v.RestMore = more
	for _, f := range rest {
		v.Rest = append(v.Rest, actorLine{Actor: clean(f.Actor, actorLimit), Severity: f.Severity.String(),
			Requests: f.Evidence.Requests, Categories: categoryNames(f.Categories)})
	}
	v.Timeline = newTimelineView(r, v.Top)
	v.CategoryChart = newCategoryChart(s.Categories)
	v.addPlanted(r, b)
	v.addGroups(r, b)
	v.addCampaigns(r, b)
	v.addBlocklist(r.Blocklist, b)
	if af := r.AddressFile; af != nil {
		v.AddressFile, v.AddressesListed = clean(af.Name, titleLimit), af.Addresses
		v.AddressesUnblocked = af.Unlisted + covered(r.Blocklist[len(v.Blocks):])
	}
	recs, more := part(r.Recommendations, b.recs)
	v.RecsMore = more
	for _, rec := range recs {
		actors, more := part(rec.Actors, b.recActors)
		v.Recs = append(v.Recs, recView{Priority: rec.Priority, Kind: clean(rec.Kind, 20), Title: clean(rec.Title, titleLimit),
			Detail: clean(rec.Detail, detailLimit), Categories: categoryNames(rec.Categories), Actors: cleanAll(actors, actorLimit), ActorsMore: more})
	}
	return v
}

func newFindingView(n int, f *Finding, b bounds) findingView {
	e := &f.Evidence
	fv := findingView{
		N: n, Actor: clean(f.Actor, actorLimit), Severity: f.Severity.String(), Categories: categoryNames(f.Categories),
		Confidence: f.Confidence, Source: clean(f.VerdictSource, 10), Requests: e.Requests, DistinctPaths: e.DistinctPaths,
		First: fmtTime(e.FirstSeen), Last: fmtTime(e.LastSeen), Statuses: statusSummary(e.Statuses, 6),
		Rationale: clean(f.Rationale, b.rationale),
	}
	hits, more := part(e.Hits, b.hits)
	fv.HitsMore = more
	for _, h := range hits {
		fv.Hits = append(fv.Hits, hitView{Rule: clean(h.Rule, nameLimit), Severity: h.Severity.String(), Count: h.Count, Reason: clean(h.Reason, titleLimit)})
	}
	for _, s := range samples(f, b.samples) {
		fv.Samples = append(fv.Samples, newSampleView(s))
	}
	refs := make([]string, len(f.Campaigns))
	for i, c := range f.Campaigns {
		refs[i] = "#" + strconv.Itoa(c+1)
	}
	fv.Campaigns = strings.Join(refs, ", ")
	return fv
}

func newSampleView(s evidence.Sample) sampleView {
	sv := sampleView{Line: s.Line, Time: fmtTime(s.Time), Method: "-", Target: clean(s.Target, fieldLimit), Status: "-", UA: clean(s.UA, fieldLimit)}
	if s.Method != "" {
		sv.Method = clean(s.Method, 16)
	}
	if s.Status != 0 {
		sv.Status = strconv.Itoa(s.Status)
	}
	return sv
}

// addPlanted shows the planted pages: all of them (Build bounds the list),
// with the first visitors (as a group's members) and one sample per target.
func (v *view) addPlanted(r *Report, b bounds) {
	v.PlantedMore = r.PlantedMore
	for i, p := range r.Planted {
		members, _ := part(p.Members, b.groupIPs)
		pv := plantedView{N: i + 1, Page: clean(p.Page, fieldLimit), Host: clean(p.Host, fieldLimit), Severity: p.Severity.String(),
			Categories: categoryNames(p.Categories), Visitors: p.Visitors, Payloads: "attack payload",
			First: fmtTime(p.FirstSeen), Last: fmtTime(p.LastSeen),
			Members: clean(strings.Join(members, " "), detailLimit), MembersMore: int(p.Visitors) - len(members)}
		if len(p.Targets) > 1 {
			pv.Payloads = fmt.Sprintf("%d attack payloads", len(p.Targets))
		}
		if b.samples > 0 {
			for _, s := range p.Samples {
				pv.Samples = append(pv.Samples, newSampleView(s))
			}
		}
		v.Planted = append(v.Planted, pv)
	}
}

// addGroups shows the suspicious groups.
func (v *view) addGroups(r *Report, b bounds) {
	var shown []evidence.Group
	for _, g := range r.Groups {
		if !g.Suspicious() {
			continue // counted in Summary.Clients
		}
		if len(shown) < b.groups {
			shown = append(shown, g)
		} else {
			v.GroupsMore++
		}
	}
	for _, g := range shown {
		members, _ := part(g.Members, b.groupIPs)
		gv := groupView{ID: clean(g.ID, nameLimit), Severity: g.Severity.String(), Actors: g.Actors, Requests: g.Requests,
			Categories: categoryNames(g.Categories), Key: clean(g.Key, longLimit), Reason: clean(g.Reason, longLimit),
			First: fmtTime(g.FirstSeen), Last: fmtTime(g.LastSeen),
			Members: clean(strings.Join(members, " "), detailLimit), MembersMore: int(g.Clients) - len(members)}
		if b.samples > 0 {
			for _, s := range g.Samples[:min(len(g.Samples), b.samples)] {
				gv.Samples = append(gv.Samples, newSampleView(s))
			}
		}
		v.Groups = append(v.Groups, gv)
	}
}

func (v *view) addCampaigns(r *Report, b bounds) {
	v.CampaignsTotal = int64(len(r.Campaigns))
	for _, c := range r.Campaigns {
		v.CampaignAddresses += c.Size()
	}
	shown, more := part(r.Campaigns, b.campaigns)
	v.CampaignsMore = more
	for i, c := range shown {
		actors, _ := part(c.Actors, b.campaignIPs)
		v.Campaigns = append(v.Campaigns, campaignView{N: i + 1, Kind: clean(c.Kind, nameLimit), Severity: c.Severity.String(),
			Addresses: c.Size(), Requests: c.Requests, Categories: categoryNames(c.Categories), Key: clean(c.Key, fieldLimit),
			Reason: clean(c.Reason, longLimit), Actors: clean(strings.Join(actors, " "), detailLimit),
			ActorsMore: int(c.Size()) - len(actors)})
	}
	for _, o := range r.Observations {
		v.Observations = append(v.Observations, clean(o.Summary, proseLimit))
	}
}

func (v *view) addBlocklist(bl []BlockEntry, b bounds) {
	v.BlocksTotal = int64(len(bl))
	shown, more := part(bl, b.blocks)
	v.BlocksMore = more
	for _, e := range shown {
		v.Blocks = append(v.Blocks, blockView{CIDR: clean(e.CIDR, actorLimit), Reason: clean(e.Reason, titleLimit)})
	}
	v.BlockReasons, v.BlockReasonsMore = part(v.Blocks, b.blockReasons)
	v.BlockReasonsMore += more
}

func newInputView(in *Input, b bounds) inputView {
	iv := inputView{Lines: in.Lines, Parsed: in.Parsed, Skipped: in.Skipped, Rejected: in.Rejected, Duplicates: in.Duplicates,
		Actors: in.Actors, Window: window(in.First, in.Last), Errors: cleanAll(in.Errors, b.errors)}
	keys := make([]string, 0, len(in.Reasons))
	for k := range in.Reasons {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		iv.Reasons = append(iv.Reasons, reasonCount{Reason: clean(k, nameLimit), N: in.Reasons[k]})
	}
	rejects, _ := part(in.Samples, b.rejects)
	for _, s := range rejects {
		iv.Samples = append(iv.Samples, rejectView{Line: s.Line, Reason: clean(s.Reason, nameLimit), Text: clean(s.Text, fieldLimit)})
	}
	return iv
}

func newAnalysisView(a *AnalysisInfo, b bounds) analysisView {
	av := analysisView{Name: clean(a.Analyzer, 120), ModelUnavailable: a.ModelUnavailable, Calls: a.Usage.Calls,
		InputTokens: a.Usage.InputTokens, OutputTokens: a.Usage.OutputTokens, CostUSD: a.Usage.CostUSD, Truncated: a.Truncated}
	if av.Name == "" {
		av.Name = "offline"
	}
	notes, more := part(a.Notes, b.notes)
	av.Notes, av.NotesMore = cleanAll(notes, longLimit), more
	return av
}

// part splits xs after its first n items and says how many it left out.
func part[S ~[]E, E any](xs S, n int) (S, int) {
	if len(xs) <= n {
		return xs, 0
	}
	return xs[:n], len(xs) - n
}

func cleanAll(xs []string, limit int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = clean(x, limit)
	}
	return out
}

func categoryNames(cs []evidence.Category) []string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return s
}

// statusSummary lists status counts, most frequent first: "404×17 200×3".
func statusSummary(m map[string]int64, limit int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for i, k := range keys {
		if i == limit {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, clean(k, 8)+"×"+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(parts, " ")
}

// samples picks up to n sample requests of a finding, one per hit first.
func samples(f *Finding, n int) []evidence.Sample {
	var out []evidence.Sample
	has := func(s evidence.Sample) bool {
		return slices.ContainsFunc(out, func(o evidence.Sample) bool { return o.Line == s.Line && o.Target == s.Target })
	}
	for round := 0; round < n && len(out) < n; round++ {
		for _, h := range f.Evidence.Hits {
			if round < len(h.Samples) && !has(h.Samples[round]) {
				out = append(out, h.Samples[round])
				if len(out) == n {
					return out
				}
			}
		}
	}
	return out
}

// more says how many items a list left out: " … and 3 more".
func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" … and %d more", n)
}
