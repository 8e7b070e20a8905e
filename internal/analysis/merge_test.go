package analysis

import (
	"slices"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

// mergeActors are three flagged actors as the rules report them.
func mergeActors() []evidence.Actor {
	actor := func(id string, c evidence.Category, sev evidence.Severity, n int64, reason string) evidence.Actor {
		return evidence.Actor{Actor: id, Requests: n, Severity: sev, Categories: []evidence.Category{c},
			Hits: []evidence.Hit{{Rule: string(c), Category: c, Severity: sev, Count: n, Reason: reason}}}
	}
	return []evidence.Actor{
		actor("198.51.100.7", evidence.SQLInjection, evidence.High, 40, "40 requests with SQL injection payloads"),
		actor("2001:db8:1:2::/64", evidence.WordPressScan, evidence.Medium, 30, "30 WordPress probes"),
		actor("192.0.2.44", evidence.SensitiveFiles, evidence.Critical, 3, "3 distinct sensitive files requested"),
	}
}

func modelVerdict(actor, rationale string) Verdict {
	return Verdict{Actor: actor, Categories: []evidence.Category{evidence.SQLInjection}, Severity: evidence.High, Confidence: 0.9, Rationale: rationale, Source: "model"}
}

func hasNote(notes []string, sub string) bool {
	return slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, sub) })
}

func TestMerge(t *testing.T) {
	sev := func(vs []Verdict, actor string) (evidence.Severity, []evidence.Category, string) {
		for _, v := range vs {
			if v.Actor == actor {
				return v.Severity, v.Categories, v.Source
			}
		}
		t.Fatalf("no verdict for %s", actor)
		return 0, nil, ""
	}
	tests := []struct {
		name     string
		model    []Verdict
		actor    string
		wantSev  evidence.Severity
		wantCats []evidence.Category
		wantSrc  string
		wantNote string
	}{
		{"downgrade ignored", []Verdict{{Actor: "192.0.2.44", Categories: []evidence.Category{evidence.SensitiveFiles}, Severity: evidence.Low, Confidence: 0.5}},
			"192.0.2.44", evidence.Critical, []evidence.Category{evidence.SensitiveFiles}, "model", "model rated 192.0.2.44 low; kept the rules' critical"},
		{"benign ignored", []Verdict{{Actor: "198.51.100.7", Severity: evidence.Info, Rationale: "just a customer"}},
			"198.51.100.7", evidence.High, []evidence.Category{evidence.SQLInjection}, "rules", "model called 1 rule-flagged actors benign"},
		{"no threats", nil,
			"2001:db8:1:2::/64", evidence.Medium, []evidence.Category{evidence.WordPressScan}, "rules", "model reported no threats; the rules' verdicts for 3 actors stand"},
		{"omitted actor", []Verdict{modelVerdict("198.51.100.7", "x")},
			"192.0.2.44", evidence.Critical, []evidence.Category{evidence.SensitiveFiles}, "rules", "model gave no verdict for 2 actors"},
		{"model adds and raises", []Verdict{{Actor: "2001:db8:1:2::/64", Categories: []evidence.Category{evidence.ScannerUA}, Severity: evidence.High, Confidence: 0.8}},
			"2001:db8:1:2::/64", evidence.High, []evidence.Category{evidence.WordPressScan, evidence.ScannerUA}, "model", "model left out wordpress-scan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actors := mergeActors()
			got, notes := merge(actors, nil, tt.model)
			if len(got) != len(actors) {
				t.Fatalf("%d verdicts for %d actors", len(got), len(actors))
			}
			// Whatever the model said, nobody drops below the rules.
			for i, a := range actors {
				if got[i].Actor != a.Actor || got[i].Severity < a.Severity {
					t.Errorf("verdict %d %+v below the rules for %s", i, got[i], a.Actor)
				}
				for _, c := range a.Categories {
					if !slices.Contains(got[i].Categories, c) {
						t.Errorf("%s lost category %s", a.Actor, c)
					}
				}
			}
			s, cats, src := sev(got, tt.actor)
			if s != tt.wantSev || !slices.Equal(cats, tt.wantCats) || src != tt.wantSrc {
				t.Errorf("%s: got %s %v %s, want %s %v %s", tt.actor, s, cats, src, tt.wantSev, tt.wantCats, tt.wantSrc)
			}
			if !hasNote(notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", notes, tt.wantNote)
			}
		})
	}
}

// A model that rates a rule finding lower cannot explain it away either.
func TestMergeDowngradeKeepsRulesRationale(t *testing.T) {
	actors := mergeActors()
	model := []Verdict{
		{Actor: "192.0.2.44", Categories: []evidence.Category{evidence.SensitiveFiles}, Severity: evidence.Low, Confidence: 0.9,
			Rationale: "A harmless uptime monitor; a false positive, no action needed."},
		{Actor: "198.51.100.7", Categories: []evidence.Category{evidence.SQLInjection}, Severity: evidence.High, Confidence: 0.9,
			Rationale: "sqlmap sent union select payloads."},
	}
	rules := []Verdict{{Actor: "192.0.2.44", Categories: []evidence.Category{evidence.SensitiveFiles}, Severity: evidence.Critical, Rationale: "3 distinct sensitive files requested"}}
	got, _ := merge(actors, rules, model)
	if got[2].Rationale != "3 distinct sensitive files requested" {
		t.Errorf("downgraded verdict kept the model's rationale: %q", got[2].Rationale)
	}
	if got[0].Rationale != "sqlmap sent union select payloads." {
		t.Errorf("agreeing verdict lost the model's rationale: %q", got[0].Rationale)
	}
}

func TestMergeKeepsRulesVerdicts(t *testing.T) {
	actors := mergeActors()
	rules := []Verdict{{Actor: "198.51.100.7", Categories: []evidence.Category{evidence.ScannerUA}, Severity: evidence.Critical, Rationale: "offline text", Source: "rules"}}
	got, _ := merge(actors, rules, nil)
	if got[0].Severity != evidence.Critical || !slices.Equal(got[0].Categories, []evidence.Category{evidence.SQLInjection, evidence.ScannerUA}) || got[0].Rationale != "offline text" {
		t.Errorf("got %+v", got[0])
	}
	// No rules' verdict: the evidence is the floor.
	if got[1].Severity != evidence.Medium || !slices.Equal(got[1].Categories, []evidence.Category{evidence.WordPressScan}) || got[1].Source != "rules" {
		t.Errorf("evidence floor %+v", got[1])
	}
}

func TestMergeKeepsConfidence(t *testing.T) {
	actors := mergeActors()
	rules := []Verdict{{Actor: "198.51.100.7", Severity: evidence.High, Categories: []evidence.Category{evidence.SQLInjection}, Confidence: 0.9}}
	model := []Verdict{{Actor: "198.51.100.7", Severity: evidence.High, Categories: []evidence.Category{evidence.SQLInjection}, Confidence: 0.1, Rationale: "unsure"}}
	got, _ := merge(actors, rules, model)
	if got[0].Confidence != 0.9 || got[0].Rationale != "unsure" {
		t.Errorf("got %+v", got[0])
	}
}

func TestNotesBounded(t *testing.T) {
	var n Notes
	for i := range MaxNotes + 5 {
		n.Addf("note %d", i)
		n.Add("note 0") // repeats are kept once
	}
	got := n.List()
	if len(got) != MaxNotes+1 || got[MaxNotes] != "and 5 more notes about the model's answer" {
		t.Errorf("got %d notes ending %q", len(got), got[len(got)-1])
	}
}
