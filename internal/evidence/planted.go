package evidence

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Planted marks an actor (or a group) whose every rule match is a payload
// its browser may have been made to send by a page of the site: a few GET
// requests for the same targets, each with that page as referer, by a
// client that otherwise browsed like a person. The engine only marks it;
// whether it was a planted link is decided over the whole run, by how many
// clients share the mark (detect.SeparatePlanted).
type Planted struct {
	// Host and Page are the referring page: its host (lower case, without
	// port or "www.") and its path, escaped as in a URL (⚠).
	Host string `json:"host"`
	Page string `json:"page"`
	// Targets are the payload targets, path and query decoded and lower
	// case as the rules match them, sorted (⚠).
	Targets []string `json:"targets"`
}

// Key is the mark's identity: the same page and the same targets.
func (p *Planted) Key() string {
	return p.Host + "\x00" + p.Page + "\x00" + strings.Join(p.Targets, "\x00")
}

// PlantedPage is a page of the site whose visitors' browsers sent the same
// attack payloads: enough clients (detect.MinPlantedVisitors) shared a
// Planted mark that the page, not the visitors, is the likely source: it
// carries injected content (a stored XSS, a compromised third-party script).
// Its visitors are not findings, not on the blocklist and in no campaign.
type PlantedPage struct {
	Planted
	// Severity and Categories are the visitors' rule matches': what the
	// payloads are.
	Severity   Severity   `json:"severity"`
	Categories []Category `json:"categories"`
	// Visitors counts the clients whose browsers sent the payloads;
	// Requests all their requests.
	Visitors  int64     `json:"visitors"`
	Requests  int64     `json:"requests"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Members are the first MaxGroupMembers visitors (in string order);
	// Samples the earliest request for each target as logged, at most
	// MaxPlantedSamples.
	Members []string `json:"members"`
	Samples []Sample `json:"samples"`
}

// Add counts one more visitor (or group of them) under p.
func (p *PlantedPage) Add(o *PlantedPage) {
	p.Visitors += o.Visitors
	p.Requests += o.Requests
	p.Severity = max(p.Severity, o.Severity)
	p.Categories = UnionCategories(p.Categories, o.Categories)
	widen(&p.FirstSeen, &p.LastSeen, o.FirstSeen, o.LastSeen)
	p.Members = mergeFirst(p.Members, o.Members, MaxGroupMembers, strings.Compare)
	p.Samples = firstPerTarget(append(slices.Clone(p.Samples), o.Samples...))
}

// MaxPlantedSamples bounds PlantedPage.Samples: about one per target.
const MaxPlantedSamples = 4

// firstPerTarget is the earliest sample of each target, earliest first, at
// most MaxPlantedSamples; the same whatever order samples are merged in.
func firstPerTarget(ss []Sample) []Sample {
	slices.SortFunc(ss, compareSample)
	var out []Sample
	for _, s := range ss {
		if len(out) == MaxPlantedSamples {
			break
		}
		if !slices.ContainsFunc(out, func(o Sample) bool { return o.Target == s.Target }) {
			out = append(out, s)
		}
	}
	return out
}

// SortPlanted orders planted pages by severity, then visitors, then page.
func SortPlanted(ps []PlantedPage) {
	slices.SortFunc(ps, func(a, b PlantedPage) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Visitors, a.Visitors),
			strings.Compare(a.Key(), b.Key()))
	})
}
