package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/report"
)

// chunkResult is one chunk's evidence and verdicts, as Aggregate loads them.
type chunkResult struct {
	Evidence evidence.Chunk
	Verdicts *analysis.ClassifyResult // nil when the chunk was not analysed
}

// Aggregate merges the chunks' evidence and verdicts, finds campaigns across
// actors, asks for recommendations, and stores the report as JSON, HTML,
// Markdown and text under reports/<source key>/<run>.*.
func (s *Stages) Aggregate(ctx context.Context, in AggregateInput) (AggregateOutput, error) {
	p := in.Parse
	out := AggregateOutput{Run: p.Run, Source: p.Source}
	var input report.Input
	if p.InputKey != "" {
		if err := s.getJSON(ctx, p.InputKey, &input); err != nil {
			return out, fmt.Errorf("load input account: %w", err)
		}
	}
	chunks := make([]chunkResult, 0, len(in.Chunks))
	for _, c := range in.Chunks {
		var cr chunkResult
		if err := s.getJSON(ctx, c.EvidenceKey, &cr.Evidence); err != nil {
			return out, fmt.Errorf("load evidence of chunk %d: %w", c.Chunk, err)
		}
		if c.VerdictsKey != "" {
			cr.Verdicts = new(analysis.ClassifyResult)
			if err := s.getJSON(ctx, c.VerdictsKey, cr.Verdicts); err != nil {
				return out, fmt.Errorf("load verdicts of chunk %d: %w", c.Chunk, err)
			}
		} else if c.ModelUnavailable {
			// The state machine gave up on a throttled model for this chunk.
			cr.Verdicts = &analysis.ClassifyResult{ModelUnavailable: true,
				Notes: []string{fmt.Sprintf("chunk %d: the model stayed throttled; verdicts come from the rules", c.Chunk)}}
		}
		chunks = append(chunks, cr)
	}
	src := report.Source{
		Name:   "s3://" + p.Source.Bucket + "/" + p.Source.Key,
		ETag:   p.Source.ETag,
		Size:   p.Source.Size,
		Format: p.Format,
		Gzip:   p.Gzip,
	}
	rep, err := s.buildReport(ctx, src, input, chunks)
	if err != nil {
		return out, err
	}
	base := s.reportBase(p.Source, p.Run)
	out.Report = ReportKeys{JSON: base + ".json", HTML: base + ".html", MD: base + ".md", Text: base + ".txt"}
	for _, f := range []struct{ key, format, ctype string }{
		{out.Report.JSON, "json", "application/json"},
		{out.Report.HTML, "html", "text/html; charset=utf-8"},
		{out.Report.MD, "md", "text/markdown; charset=utf-8"},
		{out.Report.Text, "text", "text/plain; charset=utf-8"},
	} {
		var buf bytes.Buffer
		if err := report.Render(&buf, rep, f.format); err != nil {
			return out, fmt.Errorf("render %s: %w", f.format, err)
		}
		if err := s.Store.Put(ctx, f.key, bytes.NewReader(buf.Bytes()), f.ctype); err != nil {
			return out, fmt.Errorf("store report: %w", err)
		}
	}
	out.ReportURL = s.Store.URL(out.Report.HTML)
	out.Suspicious = len(rep.Findings)
	out.Severity = rep.Summary.Severity.String()
	out.Headline = rep.Summary.Headline
	u := rep.Analysis.Usage
	out.InputTokens, out.OutputTokens, out.CostUSD = u.InputTokens, u.OutputTokens, u.CostUSD
	s.log().Info("aggregated", "stage", "aggregate", "run", p.Run, "suspicious", out.Suspicious,
		"severity", out.Severity, "input_tokens", out.InputTokens)
	return out, nil
}

// buildReport is the part of Aggregate shared with the local run.
func (s *Stages) buildReport(ctx context.Context, src report.Source, input report.Input, chunks []chunkResult) (*report.Report, error) {
	var (
		suspicious, weak []evidence.Actor
		verdicts         []analysis.Verdict
		observations     []analysis.Observation
		info             = report.AnalysisInfo{Analyzer: s.analyzerName()}
		unanalysed       []evidence.Actor
		linked           [][]evidence.LinkedPath
	)
	for _, c := range chunks {
		linked = append(linked, c.Evidence.Linked)
		input.Actors += int64(c.Evidence.Actors)
		suspicious = append(suspicious, c.Evidence.Suspicious...)
		weak = append(weak, c.Evidence.Weak...)
		if c.Verdicts == nil {
			unanalysed = append(unanalysed, c.Evidence.Suspicious...)
			continue
		}
		v := c.Verdicts
		verdicts = append(verdicts, v.Verdicts...)
		observations = append(observations, v.Observations...)
		info.Notes = append(info.Notes, v.Notes...)
		info.Usage.Add(v.Usage)
		info.Truncated = info.Truncated || v.OverBudget > 0
		if v.ModelUnavailable {
			info.ModelUnavailable = true
			if len(v.Verdicts) == 0 {
				unanalysed = append(unanalysed, c.Evidence.Suspicious...)
			}
		}
	}
	if len(unanalysed) > 0 {
		res, err := s.fallback().Classify(ctx, unanalysed, nil)
		if err != nil {
			return nil, fmt.Errorf("offline analysis: %w", err)
		}
		verdicts = append(verdicts, res.Verdicts...)
	}

	// Weak actors (below every threshold alone) that share a campaign become
	// suspicious: one probe from each of fifty addresses is one scan.
	all := append(append([]evidence.Actor{}, suspicious...), weak...)
	campaigns := detect.Campaigns(all)
	suspicious = suspicious[:0]
	for _, a := range detect.PromoteCampaigns(all, campaigns) {
		if a.Suspicious() {
			suspicious = append(suspicious, a)
		}
	}

	observations = append(observations, linkedObservations(evidence.MergeLinked(maxLinkedObservations, linked...))...)

	recIn := analysis.RecommendInput{Actors: suspicious, Verdicts: verdicts, Campaigns: campaigns}
	var recs analysis.RecommendResult
	var err error
	if s.Analyzer != nil && len(suspicious) > 0 {
		recs, err = s.Analyzer.Recommend(ctx, recIn)
		if err != nil && ctx.Err() == nil {
			note := "recommendations: model unavailable: " + err.Error()
			if errors.Is(err, analysis.ErrThrottled) {
				note = "recommendations: the model stayed throttled; advice comes from the rules"
			}
			info.Notes = append(info.Notes, note)
			info.ModelUnavailable = true
			err = nil
			recs = analysis.RecommendResult{}
		}
		if err != nil {
			return nil, err
		}
		info.Usage.Add(recs.Usage)
		info.Notes = append(info.Notes, recs.Notes...)
		if recs.ModelUnavailable {
			info.ModelUnavailable = true
		}
	}
	if len(recs.Recommendations) == 0 && len(suspicious) > 0 {
		fb, err := s.fallback().Recommend(ctx, recIn)
		if err != nil {
			return nil, fmt.Errorf("offline recommendations: %w", err)
		}
		recs.Recommendations = fb.Recommendations
	}

	return report.Build(report.BuildInput{
		Generated:       time.Now().UTC(),
		Source:          src,
		Input:           input,
		Actors:          suspicious,
		Verdicts:        verdicts,
		Campaigns:       campaigns,
		Recommendations: recs.Recommendations,
		Observations:    observations,
		Analysis:        info,
	}), nil
}

func (s *Stages) analyzerName() string {
	if s.AnalyzerName != "" {
		return s.AnalyzerName
	}
	return "offline"
}

// maxLinkedObservations bounds the linked-path lines a report carries.
const maxLinkedObservations = 10

// linkedObservations words the paths visitors were led to by a page of the
// site (detect's lured visitors) as information for the report: they are
// not attacks, but a page that links to /admin may carry injected content.
func linkedObservations(linked []evidence.LinkedPath) []analysis.Observation {
	out := make([]analysis.Observation, 0, len(linked))
	for _, l := range linked {
		who := fmt.Sprintf("%d visitors", l.Visitors)
		if l.Visitors == 1 {
			who = "1 visitor"
		}
		out = append(out, analysis.Observation{
			Actors: []string{},
			Summary: fmt.Sprintf("%s who otherwise browsed normally asked once for the missing path %s (answered %d) from the page %s: that page links to it (a planted or stale link, worth checking for injected content). They are not reported as attackers.",
				who, l.Path, l.Status, l.From),
			Source: "rules",
		})
	}
	return out
}
