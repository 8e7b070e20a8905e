package analysis

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/logsift/logsift/internal/evidence"
)

// WithFallback returns an analyzer whose answers never fall below floor's:
// "the rules are the floor" is decided here and nowhere else. Its sessions
// merge primary's verdicts with floor's (primary may add categories and raise
// a severity, never lower or remove anything), give floor's verdicts to the
// actors primary passed over (ClassifyResult.Skipped), and answer with floor's
// alone, saying why, when primary fails. Only two failures pass through: the
// context's, and ErrThrottled from Classify, so that the caller can wait and
// try again.
func WithFallback(primary, floor Analyzer) Analyzer {
	return fallback{primary: primary, floor: floor}
}

type fallback struct{ primary, floor Analyzer }

// Name is the primary's name: the report names the model that was asked.
func (f fallback) Name() string { return f.primary.Name() }

func (f fallback) Begin(run RunInfo) Session {
	return fallbackSession{primary: f.primary.Begin(run), floor: f.floor.Begin(run)}
}

type fallbackSession struct{ primary, floor Session }

// Classify answers with primary's verdicts merged onto floor's.
func (s fallbackSession) Classify(ctx context.Context, actors []evidence.Actor, campaigns []evidence.Campaign) (ClassifyResult, error) {
	if len(actors) == 0 {
		return ClassifyResult{Verdicts: []Verdict{}}, nil
	}
	floor, err := s.floor.Classify(ctx, actors, campaigns)
	if err != nil {
		return ClassifyResult{}, fmt.Errorf("rules: %w", err)
	}
	res, err := s.primary.Classify(ctx, actors, campaigns)
	if err != nil {
		if errors.Is(err, ErrThrottled) || ctx.Err() != nil {
			return ClassifyResult{}, err
		}
		// Anything else (access denied, model not enabled, an outage): the
		// report still goes out, from the rules, and says why.
		floor.ModelUnavailable = true
		floor.Why = Why(err)
		floor.Usage.Add(res.Usage)
		floor.Notes = append(floor.Notes, "model unavailable: "+err.Error())
		return floor, nil
	}
	skipped := make(map[string]bool, len(res.Skipped))
	for _, id := range res.Skipped {
		skipped[id] = true
	}
	var judged, passed []evidence.Actor
	for _, a := range actors {
		if skipped[a.Actor] {
			passed = append(passed, a)
		} else {
			judged = append(judged, a)
		}
	}
	merged, notes := merge(judged, floor.Verdicts, res.Verdicts)
	rest, _ := merge(passed, floor.Verdicts, nil) // not omissions: the notes say why
	byActor := make(map[string]Verdict, len(merged)+len(rest))
	for _, v := range slices.Concat(merged, rest) {
		byActor[v.Actor] = v
	}
	out := res
	out.Verdicts = make([]Verdict, 0, len(byActor))
	for _, a := range actors {
		if v, ok := byActor[a.Actor]; ok {
			out.Verdicts = append(out.Verdicts, v)
			delete(byActor, a.Actor) // one verdict per actor even if listed twice
		}
	}
	out.Notes = append(slices.Clone(res.Notes), notes...)
	if len(out.Observations) == 0 {
		// The floor's remarks on campaigns, when primary made none.
		out.Observations = floor.Observations
	}
	if out.ModelUnavailable {
		out.Notes = append(out.Notes, floor.Notes...)
	}
	return out, nil
}

// Recommend answers with primary's advice, or floor's when primary fails or
// has none (throttling included: one small call is not worth failing a run
// for). A failing primary's result may still carry the notes and usage of
// what it tried; they are kept. Planted pages are floor's to advise on
// (primary is asked about the actors): its advice for them comes first
// whatever primary says, and alone when there is no actor.
func (s fallbackSession) Recommend(ctx context.Context, in RecommendInput) (RecommendResult, error) {
	if len(in.Actors) == 0 && len(in.Verdicts) == 0 {
		if len(in.Planted) == 0 {
			return RecommendResult{}, nil
		}
		return s.floor.Recommend(ctx, in)
	}
	res, err := s.primary.Recommend(ctx, in)
	if ctx.Err() != nil {
		return RecommendResult{}, ctx.Err()
	}
	if err == nil && len(res.Recommendations) > 0 {
		return s.withPlanted(ctx, in.Planted, res)
	}
	why, cause := "it gave none", &Unavailability{Cause: CauseFailed, Reason: "the model gave no recommendation"}
	if err != nil {
		why, cause = err.Error(), Why(err)
	}
	fb, ferr := s.floor.Recommend(ctx, in)
	if ferr != nil {
		return RecommendResult{}, fmt.Errorf("rules' recommendations: %w", ferr)
	}
	out := RecommendResult{
		Recommendations:  fb.Recommendations,
		Notes:            slices.Concat(res.Notes, []string{"recommendations come from the rules: " + why}, fb.Notes),
		Usage:            res.Usage,
		ModelUnavailable: true,
		Why:              cause,
	}
	out.Usage.Add(fb.Usage)
	return out, nil
}

// withPlanted puts floor's advice on the planted pages before primary's.
func (s fallbackSession) withPlanted(ctx context.Context, planted []evidence.PlantedPage, res RecommendResult) (RecommendResult, error) {
	if len(planted) == 0 {
		return res, nil
	}
	fb, err := s.floor.Recommend(ctx, RecommendInput{Planted: planted})
	if err != nil {
		return RecommendResult{}, fmt.Errorf("rules' recommendations: %w", err)
	}
	recs := slices.Concat(fb.Recommendations, res.Recommendations)
	for i := range recs {
		recs[i].Priority = i + 1
	}
	res.Recommendations = recs
	return res, nil
}
