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
// come from the rules and say so (analysis.WithFallback).
func (s *Stages) Analyze(ctx context.Context, in FilterOutput) (AnalyzeOutput, error) {
	out := AnalyzeOutput{Run: in.Run, Chunk: in.Chunk, EvidenceKey: in.EvidenceKey, Suspicious: in.Suspicious}
	var ch evidence.Chunk
	if err := s.getJSON(ctx, in.EvidenceKey, &ch); err != nil {
		return out, fmt.Errorf("load evidence: %w", err)
	}
	// The chunk's session gets its share of the run's budget: every chunk is
	// analysed by its own invocation.
	run := analysis.RunInfo{Chunks: in.Chunks, Deadline: deadline(ctx)}
	res, err := classify(ctx, s.analyzer().Begin(run), ch.Suspicious)
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

// classify asks the session for verdicts. Its answer is a result (from the
// rules when the model could not be used, saying so) or, when the model stayed
// throttled, *ModelThrottled for the state machine's Retry.
func classify(ctx context.Context, sess analysis.Session, actors []evidence.Actor) (analysis.ClassifyResult, error) {
	res, err := sess.Classify(ctx, actors, nil)
	if errors.Is(err, analysis.ErrThrottled) {
		return res, &ModelThrottled{Err: err}
	}
	return res, err
}
