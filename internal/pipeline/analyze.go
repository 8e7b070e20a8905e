package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// Analyze asks the analyzer (the model, or the offline one) for verdicts on one
// chunk's suspicious actors and stores them under work/<run>/verdicts/.
// When the model stays throttled it returns *ModelThrottled so that the state
// machine can back off and retry; when it cannot be used at all, the verdicts
// come from the rules and say so.
func (s *Stages) Analyze(ctx context.Context, in FilterOutput) (AnalyzeOutput, error) {
	out := AnalyzeOutput{Run: in.Run, Chunk: in.Chunk, EvidenceKey: in.EvidenceKey, Suspicious: in.Suspicious}
	var ch evidence.Chunk
	if err := s.getJSON(ctx, in.EvidenceKey, &ch); err != nil {
		return out, fmt.Errorf("load evidence: %w", err)
	}
	// The chunk's session gets its share of the run's budget: every chunk is
	// analysed by its own invocation.
	run := analysis.RunInfo{Chunks: in.Chunks, Deadline: deadline(ctx)}
	res, err := s.classify(ctx, run, s.analyzer().Begin(run), ch.Suspicious)
	if err != nil {
		return out, err
	}
	out.VerdictsKey = s.workKey(in.Run, "verdicts", fmt.Sprintf("%03d.json", in.Chunk))
	if err := s.putJSON(ctx, out.VerdictsKey, res); err != nil {
		return out, err
	}
	out.InputTokens, out.OutputTokens = res.Usage.InputTokens, res.Usage.OutputTokens
	out.ModelUnavailable = res.ModelUnavailable
	s.log().Info("analyzed", "stage", "analyze", "run", in.Run, "chunk", in.Chunk,
		"verdicts", len(res.Verdicts), "input_tokens", out.InputTokens, "model_unavailable", out.ModelUnavailable)
	return out, nil
}

// deadline is ctx's deadline, zero when it has none.
func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// classify runs the session with the rules as the floor.
func (s *Stages) classify(ctx context.Context, run analysis.RunInfo, sess analysis.Session, actors []evidence.Actor) (analysis.ClassifyResult, error) {
	if len(actors) == 0 {
		return analysis.ClassifyResult{Verdicts: []analysis.Verdict{}}, nil
	}
	res, err := sess.Classify(ctx, actors, nil)
	if err == nil {
		return res, nil
	}
	if errors.Is(err, analysis.ErrThrottled) {
		return res, &ModelThrottled{Err: err}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	// Anything else (access denied, model not enabled, an outage): the report
	// still goes out, from the rules, and says why the model was not used.
	fb, ferr := s.fallback().Begin(run).Classify(ctx, actors, nil)
	if ferr != nil {
		return fb, fmt.Errorf("offline analysis after model error (%v): %w", err, ferr)
	}
	fb.ModelUnavailable = true
	fb.Notes = append(fb.Notes, "model unavailable: "+err.Error())
	s.log().Warn("model unavailable, using the rules", "error", err)
	return fb, nil
}
