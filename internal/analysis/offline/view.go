package offline

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// maxActors bounds the actors one recommendation names.
const maxActors = 50

// view is what the run found, aggregated as the advice reads it.
type view struct {
	actors    []evidence.Actor // suspicious, worst first
	campaigns []evidence.Campaign
	cats      map[evidence.Category][]string // actors per category, worst first
	block     []string                       // actors at medium severity or above
	exposed   []exposure
	errors5   map[evidence.Category][]string // targets that drew a 5xx, per category
	samples   map[evidence.Category][]probe  // bounded per category
	format    string                         // the log format: "amplify", "" when unknown, ...
	// blockable counts every address at medium or above, grouped ones
	// too, when an address file lists them (addressFile).
	blockable   int64
	addressFile string
	planted     []evidence.PlantedPage // pages that made visitors send payloads
}

// probe is a logged request as the advice matches it. The path is
// lower-cased once here: every entry that asks about paths reads it.
type probe struct {
	target string // as logged
	path   string // the path part, lower-cased
	ok     bool   // answered 2xx
}

// exposure is a request for a secret or a backdoor that was answered 2xx.
type exposure struct{ actor, target string }

// buildView aggregates the run's actors once for every entry: each actor
// counts once, a verdict can add categories and raise the severity (never
// lower them), and samples, exposures and failing paths are bounded so that
// the view stays small however large the run.
func buildView(in analysis.RecommendInput, format string) *view {
	v := &view{
		actors:    in.Actors,
		campaigns: in.Campaigns,
		cats:      map[evidence.Category][]string{},
		errors5:   map[evidence.Category][]string{},
		samples:   map[evidence.Category][]probe{},
		format:    format,
		blockable: in.Blockable, addressFile: in.AddressFile,
		planted: in.Planted,
	}
	verdicts := make(map[string]analysis.Verdict, len(in.Verdicts))
	for _, vd := range in.Verdicts {
		verdicts[vd.Actor] = vd
	}
	seen := map[string]bool{}
	for i := range in.Actors {
		a := &in.Actors[i]
		if seen[a.Actor] {
			continue
		}
		seen[a.Actor] = true
		sev := a.Severity
		cats := slices.Clone(a.Categories)
		for _, h := range a.Hits {
			sev = max(sev, h.Severity)
			if !slices.Contains(cats, h.Category) {
				cats = append(cats, h.Category)
			}
			for _, s := range h.Samples {
				if len(v.samples[h.Category]) < 200 {
					v.samples[h.Category] = append(v.samples[h.Category], probe{s.Target, strings.ToLower(pathOf(s.Target)), is2xx(s.Status)})
				}
				if mayExpose(h.Category) && is2xx(s.Status) && len(v.exposed) < 100 {
					v.exposed = append(v.exposed, exposure{a.Actor, show(s.Target)})
				}
				if s.Status >= 500 && isPayload(h.Category) {
					t := show(pathOf(s.Target))
					if !slices.Contains(v.errors5[h.Category], t) && len(v.errors5[h.Category]) < 5 {
						v.errors5[h.Category] = append(v.errors5[h.Category], t)
					}
				}
			}
		}
		if vd, ok := verdicts[a.Actor]; ok {
			sev = max(sev, vd.Severity)
			for _, c := range vd.Categories {
				if c.Valid() && !slices.Contains(cats, c) {
					cats = append(cats, c)
				}
			}
		}
		for _, c := range cats {
			v.cats[c] = append(v.cats[c], a.Actor)
		}
		if sev >= evidence.Medium {
			v.block = append(v.block, a.Actor)
		}
	}
	return v
}

// pathOf is the path part of a logged target.
func pathOf(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// has reports whether any actor was flagged in one of cats.
func (v *view) has(cats ...evidence.Category) bool {
	for _, c := range cats {
		if len(v.cats[c]) > 0 {
			return true
		}
	}
	return false
}

// actorsFor lists the actors flagged in any of cats, worst first, bounded.
func (v *view) actorsFor(cats ...evidence.Category) []string {
	want := map[string]bool{}
	for _, c := range cats {
		for _, a := range v.cats[c] {
			want[a] = true
		}
	}
	var out []string
	for _, a := range v.actors {
		if want[a.Actor] && !slices.Contains(out, a.Actor) {
			out = append(out, a.Actor)
			if len(out) == maxActors {
				break
			}
		}
	}
	return out
}

func (v *view) present(cats ...evidence.Category) []evidence.Category {
	var out []evidence.Category
	for _, c := range cats {
		if v.has(c) {
			out = append(out, c)
		}
	}
	return out
}

// rate5 is an actor's average request rate over its active time, per 5 minutes.
func rate5(a *evidence.Actor) float64 {
	d := max(a.LastSeen.Sub(a.FirstSeen), time.Minute)
	return float64(a.Requests) / d.Minutes() * 5
}

// niceFloor rounds down to 1, 2 or 5 times a power of ten.
func niceFloor(x float64) int64 {
	if x < 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= x {
			return int64(m * p)
		}
	}
	return int64(p)
}

// sawTarget reports whether a sample of the categories has a path matching
// match (case-insensitive prefix, or suffix when match starts with '.'), and
// whether any such sample was answered 2xx.
func (v *view) sawTarget(match string, cats ...evidence.Category) (seen, answered bool) {
	m := strings.ToLower(match)
	suffix := strings.HasPrefix(m, ".")
	for _, c := range cats {
		for _, s := range v.samples[c] {
			if suffix && strings.HasSuffix(s.path, m) || !suffix && strings.HasPrefix(s.path, m) {
				seen = true
				answered = answered || s.ok
			}
		}
	}
	return seen, answered
}

// mayBeAmplify reports whether the advice should name Amplify Hosting: the
// log is Amplify's, or its format is not known.
func (v *view) mayBeAmplify() bool { return v.format == "amplify" || v.format == "" }

// onAmplify opens a sentence about Amplify Hosting, conditionally unless
// the log is Amplify's.
func (v *view) onAmplify() string {
	if v.format == "amplify" {
		return "On Amplify Hosting, "
	}
	return "If the site is on Amplify Hosting, "
}
