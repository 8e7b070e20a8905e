package analysis_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/analysis/offline"
	"github.com/logsift/logsift/internal/evidence"
)

// scripted is a primary analyzer (a model) that answers as told.
type scripted struct {
	classify  analysis.ClassifyResult
	err       error
	recommend analysis.RecommendResult
	recErr    error
}

func (s scripted) Name() string                            { return "scripted" }
func (s scripted) Begin(analysis.RunInfo) analysis.Session { return s }
func (s scripted) Classify(context.Context, []evidence.Actor, []evidence.Campaign) (analysis.ClassifyResult, error) {
	return s.classify, s.err
}
func (s scripted) Recommend(context.Context, analysis.RecommendInput) (analysis.RecommendResult, error) {
	return s.recommend, s.recErr
}

// flagged are three actors as the rules report them.
func flagged() []evidence.Actor {
	actor := func(id string, c evidence.Category, sev evidence.Severity) evidence.Actor {
		return evidence.Actor{Actor: id, Requests: 30, Severity: sev, Categories: []evidence.Category{c},
			Hits: []evidence.Hit{{Rule: string(c), Category: c, Severity: sev, Count: 30, Reason: "30 " + string(c) + " requests"}}}
	}
	return []evidence.Actor{
		actor("198.51.100.7", evidence.SQLInjection, evidence.High),
		actor("192.0.2.10", evidence.WordPressScan, evidence.Medium),
		actor("192.0.2.44", evidence.SensitiveFiles, evidence.Critical),
	}
}

func byActor(vs []analysis.Verdict) map[string]analysis.Verdict {
	m := map[string]analysis.Verdict{}
	for _, v := range vs {
		m[v.Actor] = v
	}
	return m
}

func hasNote(notes []string, sub string) bool {
	return slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, sub) })
}

func TestWithFallbackClassify(t *testing.T) {
	actors := flagged()
	rules, err := offline.Analyzer{}.Begin(analysis.RunInfo{}).Classify(context.Background(), actors, nil)
	if err != nil {
		t.Fatal(err)
	}
	floor := byActor(rules.Verdicts)
	model := func(id string, sev evidence.Severity, cats ...evidence.Category) analysis.Verdict {
		return analysis.Verdict{Actor: id, Severity: sev, Categories: cats, Confidence: 0.9, Rationale: "model: " + id, Source: "model"}
	}
	tests := []struct {
		name        string
		primary     scripted
		wantErr     error
		unavailable bool
		// per actor: the source and severity wanted
		want     map[string]evidence.Severity
		wantSrc  map[string]string
		wantNote string
	}{
		{name: "model raises and adds",
			primary: scripted{classify: analysis.ClassifyResult{Verdicts: []analysis.Verdict{
				model("198.51.100.7", evidence.Critical, evidence.SQLInjection, evidence.ScannerUA),
				model("192.0.2.10", evidence.Medium, evidence.WordPressScan),
				model("192.0.2.44", evidence.Critical, evidence.SensitiveFiles)}}},
			want:    map[string]evidence.Severity{"198.51.100.7": evidence.Critical, "192.0.2.10": evidence.Medium, "192.0.2.44": evidence.Critical},
			wantSrc: map[string]string{"198.51.100.7": "model", "192.0.2.10": "model", "192.0.2.44": "model"}},
		{name: "model cannot lower or omit",
			primary: scripted{classify: analysis.ClassifyResult{Verdicts: []analysis.Verdict{
				model("198.51.100.7", evidence.Low, evidence.SQLInjection),
				model("192.0.2.10", evidence.Info)}}},
			want:     map[string]evidence.Severity{"198.51.100.7": evidence.High, "192.0.2.10": evidence.Medium, "192.0.2.44": evidence.Critical},
			wantSrc:  map[string]string{"198.51.100.7": "model", "192.0.2.10": "rules", "192.0.2.44": "rules"},
			wantNote: "model gave no verdict for 1 actors (192.0.2.44)"},
		{name: "skipped actors get the rules' verdict, not an omission note",
			primary: scripted{classify: analysis.ClassifyResult{
				Verdicts: []analysis.Verdict{model("198.51.100.7", evidence.High, evidence.SQLInjection)},
				Skipped:  []string{"192.0.2.10", "192.0.2.44"}, OverBudget: 2, Notes: []string{"2 actors over the token budget were summarised by the rules"}}},
			want:     map[string]evidence.Severity{"198.51.100.7": evidence.High, "192.0.2.10": evidence.Medium, "192.0.2.44": evidence.Critical},
			wantSrc:  map[string]string{"198.51.100.7": "model", "192.0.2.10": "rules", "192.0.2.44": "rules"},
			wantNote: "over the token budget"},
		{name: "unavailable: the rules' answer, saying why",
			primary:     scripted{err: fmt.Errorf("access to m was denied: %w", analysis.ErrUnavailable)},
			unavailable: true,
			want:        map[string]evidence.Severity{"198.51.100.7": evidence.High, "192.0.2.10": evidence.Medium, "192.0.2.44": evidence.Critical},
			wantSrc:     map[string]string{"198.51.100.7": "rules", "192.0.2.10": "rules", "192.0.2.44": "rules"},
			wantNote:    "model unavailable: access to m was denied"},
		{name: "any other failure falls back too",
			primary:     scripted{err: errors.New("connection reset")},
			unavailable: true,
			want:        map[string]evidence.Severity{"198.51.100.7": evidence.High, "192.0.2.10": evidence.Medium, "192.0.2.44": evidence.Critical},
			wantSrc:     map[string]string{"198.51.100.7": "rules", "192.0.2.10": "rules", "192.0.2.44": "rules"},
			wantNote:    "model unavailable: connection reset"},
		{name: "throttled passes through",
			primary: scripted{err: fmt.Errorf("kept throttling: %w", analysis.ErrThrottled)},
			wantErr: analysis.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := analysis.WithFallback(tt.primary, offline.Analyzer{})
			if a.Name() != "scripted" {
				t.Errorf("name %q, want the primary's", a.Name())
			}
			res, err := a.Begin(analysis.RunInfo{}).Classify(context.Background(), actors, nil)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Verdicts) != len(actors) || res.ModelUnavailable != tt.unavailable {
				t.Fatalf("%d verdicts, unavailable %v: %+v", len(res.Verdicts), res.ModelUnavailable, res)
			}
			for i, v := range res.Verdicts {
				id := actors[i].Actor
				if v.Actor != id || v.Severity != tt.want[id] || v.Source != tt.wantSrc[id] {
					t.Errorf("verdict %d %+v, want %s %s %s", i, v, id, tt.want[id], tt.wantSrc[id])
				}
				// Nothing the rules found is ever lost.
				for _, c := range floor[id].Categories {
					if !slices.Contains(v.Categories, c) {
						t.Errorf("%s lost category %s", id, c)
					}
				}
				if v.Source == "rules" && v.Rationale != floor[id].Rationale {
					t.Errorf("%s: rationale %q, want the rules' %q", id, v.Rationale, floor[id].Rationale)
				}
			}
			if tt.wantNote != "" && !hasNote(res.Notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", res.Notes, tt.wantNote)
			}
			if hasNote(res.Notes, "gave no verdict") && tt.wantNote != "" && !strings.Contains(tt.wantNote, "gave no verdict") {
				t.Errorf("skipped actors noted as omitted: %q", res.Notes)
			}
		})
	}
}

func TestWithFallbackObservations(t *testing.T) {
	camp := evidence.Campaign{Kind: "shared-user-agent", Key: "zgrab/0.x", Actors: []string{"198.51.100.7", "192.0.2.10"}, Requests: 60}
	mine := analysis.Observation{Actors: []string{"198.51.100.7"}, Summary: "model's remark", Source: "model"}
	for _, tt := range []struct {
		name  string
		model []analysis.Observation
		want  string
	}{
		{"the model's when it made some", []analysis.Observation{mine}, "model's remark"},
		{"the rules' otherwise", nil, "2 addresses shared the user agent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := analysis.WithFallback(scripted{classify: analysis.ClassifyResult{Observations: tt.model}}, offline.Analyzer{})
			res, err := a.Begin(analysis.RunInfo{}).Classify(context.Background(), flagged(), []evidence.Campaign{camp})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Observations) != 1 || !strings.Contains(res.Observations[0].Summary, tt.want) {
				t.Errorf("observations %+v, want %q", res.Observations, tt.want)
			}
		})
	}
}

func TestWithFallbackRecommend(t *testing.T) {
	in := analysis.RecommendInput{Actors: flagged()}
	mine := analysis.Recommendation{Priority: 1, Kind: analysis.ActionApp, Title: "the model's", Source: "model"}
	spent := analysis.Usage{Calls: 1, InputTokens: 900, OutputTokens: 100}
	for _, tt := range []struct {
		name        string
		primary     scripted
		wantTitle   string
		unavailable bool
		wantNote    string
	}{
		{name: "the model's advice", primary: scripted{recommend: analysis.RecommendResult{Recommendations: []analysis.Recommendation{mine}}}, wantTitle: "the model's"},
		{name: "throttled: the rules' advice", primary: scripted{recErr: fmt.Errorf("kept throttling: %w", analysis.ErrThrottled)},
			unavailable: true, wantNote: "recommendations come from the rules: kept throttling"},
		{name: "nothing left after checks", primary: scripted{recommend: analysis.RecommendResult{Notes: []string{"dropped an invented path"}, Usage: spent},
			recErr: errors.New("nothing was left")},
			unavailable: true, wantNote: "dropped an invented path"},
		{name: "no advice at all", primary: scripted{}, unavailable: true, wantNote: "recommendations come from the rules: it gave none"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := analysis.WithFallback(tt.primary, offline.Analyzer{})
			res, err := a.Begin(analysis.RunInfo{Format: "amplify"}).Recommend(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Recommendations) == 0 || res.ModelUnavailable != tt.unavailable {
				t.Fatalf("result %+v", res)
			}
			if tt.wantTitle != "" && res.Recommendations[0].Title != tt.wantTitle {
				t.Errorf("first %q, want %q", res.Recommendations[0].Title, tt.wantTitle)
			}
			if tt.unavailable && res.Recommendations[0].Source != "rules" {
				t.Errorf("fallback advice from %q", res.Recommendations[0].Source)
			}
			if tt.wantNote != "" && !hasNote(res.Notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", res.Notes, tt.wantNote)
			}
			if tt.primary.recommend.Usage.Calls > 0 && res.Usage.InputTokens != spent.InputTokens {
				t.Errorf("usage %+v lost what the model spent", res.Usage)
			}
		})
	}
}

func TestWithFallbackCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := analysis.WithFallback(scripted{err: context.Canceled, recErr: context.Canceled}, offline.Analyzer{})
	s := a.Begin(analysis.RunInfo{})
	if _, err := s.Classify(ctx, flagged(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("classify err = %v", err)
	}
	if _, err := s.Recommend(ctx, analysis.RecommendInput{Actors: flagged()}); !errors.Is(err, context.Canceled) {
		t.Errorf("recommend err = %v", err)
	}
	if res, err := s.Classify(context.Background(), nil, nil); err != nil || res.Verdicts == nil || len(res.Verdicts) != 0 {
		t.Errorf("no actors: %+v %v, want an empty list", res, err)
	}
}

// caused is an error that knows its cause, as the model analyzers' do.
type caused struct{ cause analysis.Cause }

func (c caused) Error() string         { return "refused: " + string(c.cause) }
func (c caused) Cause() analysis.Cause { return c.cause }

// When the model fails, the answer from the rules says why, with the cause
// the model's error knows (or CauseFailed).
func TestWithFallbackWhy(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want analysis.Cause
	}{
		{fmt.Errorf("classify: %w", caused{analysis.CauseMarketplace}), analysis.CauseMarketplace},
		{errors.New("connection reset"), analysis.CauseFailed},
	} {
		s := analysis.WithFallback(scripted{err: tt.err, recErr: tt.err}, offline.Analyzer{}).Begin(analysis.RunInfo{})
		res, err := s.Classify(context.Background(), flagged(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.ModelUnavailable || res.Why == nil || res.Why.Cause != tt.want || res.Why.Reason != tt.err.Error() {
			t.Errorf("%v: classify why %+v, want %s", tt.err, res.Why, tt.want)
		}
		rec, err := s.Recommend(context.Background(), analysis.RecommendInput{Actors: flagged(), Verdicts: res.Verdicts})
		if err != nil {
			t.Fatal(err)
		}
		if !rec.ModelUnavailable || rec.Why == nil || rec.Why.Cause != tt.want {
			t.Errorf("%v: recommend why %+v, want %s", tt.err, rec.Why, tt.want)
		}
	}
	// A model that answers leaves Why empty.
	s := analysis.WithFallback(scripted{}, offline.Analyzer{}).Begin(analysis.RunInfo{})
	if res, err := s.Classify(context.Background(), flagged(), nil); err != nil || res.Why != nil {
		t.Errorf("answered: why %+v, err %v", res.Why, err)
	}
}

// A planted page is the rules' to advise on: its advice comes first beside
// the model's, and alone (the model not asked, not unavailable) when no
// actor is left to advise about.
func TestWithFallbackRecommendPlanted(t *testing.T) {
	page := evidence.PlantedPage{Planted: evidence.Planted{Host: "shop.example.com", Page: "/blog/post-1", Targets: []string{"/search?q=' union select 1--"}},
		Severity: evidence.High, Categories: []evidence.Category{evidence.SQLInjection}, Visitors: 40}
	mine := analysis.Recommendation{Priority: 1, Kind: analysis.ActionApp, Title: "the model's", Source: "model"}
	model := scripted{recommend: analysis.RecommendResult{Recommendations: []analysis.Recommendation{mine}}}
	a := analysis.WithFallback(model, offline.Analyzer{})

	res, err := a.Begin(analysis.RunInfo{}).Recommend(context.Background(), analysis.RecommendInput{Actors: flagged(), Planted: []evidence.PlantedPage{page}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recommendations) != 2 || !strings.Contains(res.Recommendations[0].Title, "/blog/post-1") ||
		res.Recommendations[1].Title != "the model's" || res.Recommendations[1].Priority != 2 || res.ModelUnavailable {
		t.Errorf("with actors: %+v", res)
	}

	res, err = a.Begin(analysis.RunInfo{}).Recommend(context.Background(), analysis.RecommendInput{Planted: []evidence.PlantedPage{page}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recommendations) == 0 || !strings.Contains(res.Recommendations[0].Title, "/blog/post-1") || res.ModelUnavailable {
		t.Errorf("planted page alone: %+v", res)
	}
	if slices.ContainsFunc(res.Recommendations, func(r analysis.Recommendation) bool { return r.Title == "the model's" }) {
		t.Errorf("the model was asked with no actor: %+v", res.Recommendations)
	}

	res, err = a.Begin(analysis.RunInfo{}).Recommend(context.Background(), analysis.RecommendInput{Actors: flagged()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recommendations) != 1 || res.Recommendations[0].Title != "the model's" {
		t.Errorf("no planted page: %+v", res.Recommendations)
	}
}
