package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// MaxNotes bounds the notes one answer of an analyzer can produce.
const MaxNotes = 30

// merge combines the floor's verdicts with the primary's (a model's, already
// verified), one verdict per actor in actors, in their order. For every actor
// the result keeps at least the severity and the categories of the evidence
// and of the floor's verdict; the model adds categories, may raise the
// severity and supplies the rationale unless it rated the actor below the
// floor. A model calling a rule-flagged actor benign is noted and ignored; an
// actor the model left out gets the floor's verdict.
func merge(actors []evidence.Actor, rules, model []Verdict) ([]Verdict, []string) {
	byRules := make(map[string]Verdict, len(rules))
	for _, v := range rules {
		if _, dup := byRules[v.Actor]; !dup {
			byRules[v.Actor] = v
		}
	}
	byModel := make(map[string]Verdict, len(model))
	for _, v := range model {
		if _, dup := byModel[v.Actor]; !dup {
			byModel[v.Actor] = v
		}
	}
	var n Notes
	var omitted, benign []string
	out := make([]Verdict, 0, len(actors))
	for i := range actors {
		a := &actors[i]
		floor := byRules[a.Actor] // the evidence below raises a missing one
		floor.Actor = a.Actor
		floor.Source = "rules"
		floor.Severity = max(floor.Severity, a.Severity)
		floor.Categories = evidence.UnionCategories(floor.Categories, a.Categories)

		m, ok := byModel[a.Actor]
		if !ok {
			if a.Suspicious() {
				omitted = append(omitted, a.Actor)
			}
			out = append(out, floor)
			continue
		}
		if a.Suspicious() && m.Severity == evidence.Info && len(m.Categories) == 0 {
			benign = append(benign, a.Actor)
			out = append(out, floor)
			continue
		}
		// A rationale written for a lower severity ("a harmless monitor")
		// would argue against the finding it is shown under: keep the rules'.
		downgraded := m.Severity < floor.Severity
		if downgraded {
			n.Addf("model rated %s %s; kept the rules' %s and their rationale", a.Actor, m.Severity, floor.Severity)
		}
		if missing := missing(floor.Categories, m.Categories); len(missing) > 0 {
			n.Addf("model left out %s for %s; kept from the rules", evidence.JoinCategories(missing, ", "), a.Actor)
		}
		v := m
		v.Actor = a.Actor
		v.Source = "model"
		v.Severity = max(m.Severity, floor.Severity)
		v.Categories = evidence.UnionCategories(floor.Categories, m.Categories)
		// A low confidence would be a quiet downgrade of a rule finding.
		v.Confidence = min(max(v.Confidence, floor.Confidence, 0), 1)
		if downgraded || strings.TrimSpace(v.Rationale) == "" {
			v.Rationale = floor.Rationale
		}
		out = append(out, v)
	}
	if len(benign) > 0 {
		n.Addf("model called %d rule-flagged actors benign (%s); the rules' verdicts stand", len(benign), few(benign))
	}
	if len(omitted) > 0 {
		if len(byModel) == 0 {
			n.Addf("model reported no threats; the rules' verdicts for %d actors stand", len(omitted))
		} else {
			n.Addf("model gave no verdict for %d actors (%s); the rules' verdicts are used", len(omitted), few(omitted))
		}
	}
	return out, n.List()
}

func missing(want, got []evidence.Category) []evidence.Category {
	var out []evidence.Category
	for _, c := range want {
		if !slices.Contains(got, c) {
			out = append(out, c)
		}
	}
	return out
}

func few(ids []string) string {
	if len(ids) <= 5 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
}

// Notes collects notes for the report without repeats, at most MaxNotes of
// them; the rest are counted in a last note.
type Notes struct {
	notes   []string
	dropped int
}

// Add appends notes not already present.
func (n *Notes) Add(notes ...string) {
	for _, s := range notes {
		if slices.Contains(n.notes, s) {
			continue
		}
		if len(n.notes) >= MaxNotes {
			n.dropped++
			continue
		}
		n.notes = append(n.notes, s)
	}
}

// Addf appends a formatted note.
func (n *Notes) Addf(format string, args ...any) { n.Add(fmt.Sprintf(format, args...)) }

// List returns the notes.
func (n *Notes) List() []string {
	if n.dropped > 0 {
		return append(slices.Clone(n.notes), fmt.Sprintf("and %d more notes about the model's answer", n.dropped))
	}
	return n.notes
}
