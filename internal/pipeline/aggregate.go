package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
				Why:   &analysis.Unavailability{Cause: analysis.CauseThrottled, Reason: "Bedrock stayed throttled through the state machine's retries"},
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
	run := analysis.RunInfo{Format: runFormat(p.Format), Deadline: deadline(ctx)}
	rep, err := s.buildReport(ctx, run, s.analyzer().Begin(run), src, input, chunks)
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

// buildReport is the part of Aggregate shared with the local run; sess is the
// run's analyzer session, which writes the recommendations.
func (s *Stages) buildReport(ctx context.Context, run analysis.RunInfo, sess analysis.Session, src report.Source, input report.Input, chunks []chunkResult) (*report.Report, error) {
	var (
		verdicts     []analysis.Verdict
		observations []analysis.Observation
		info         = report.AnalysisInfo{Analyzer: s.analyzer().Name()}
		evs          = make([]evidence.Chunk, 0, len(chunks))
	)
	var timeline evidence.Histogram
	for _, c := range chunks {
		evs = append(evs, c.Evidence)
		timeline.Merge(c.Evidence.Timeline)
		if v := c.Verdicts; v != nil {
			verdicts = append(verdicts, v.Verdicts...)
			observations = append(observations, v.Observations...)
			info.Notes = append(info.Notes, v.Notes...)
			info.Usage.Add(v.Usage)
			info.Truncated = info.Truncated || v.OverBudget > 0
			info.ModelUnavailable = info.ModelUnavailable || v.ModelUnavailable
			info.Why = cmp.Or(info.Why, v.Why)
		}
	}
	// The run's detail limits, as one engine over the whole log applies them.
	ev := detect.MergeChunks(s.Detect, evs)
	input.Actors += int64(ev.Actors)

	// Weak actors (below every threshold alone) that share a campaign become
	// suspicious: one probe from each of fifty addresses is one scan.
	all := append(slices.Clip(ev.Suspicious), ev.Weak...)
	campaigns := detect.Campaigns(all, ev.Groups)
	promoted, groups := detect.PromoteCampaigns(all, ev.Groups, campaigns)
	var suspicious []evidence.Actor
	clients := evidence.Counts{Lured: ev.Counts.Lured, Clean: ev.Counts.Clean}
	for _, a := range promoted {
		if a.Suspicious() {
			suspicious = append(suspicious, a)
			clients.Suspicious += a.Clients()
		} else {
			clients.Weak += a.Clients()
		}
	}
	for _, g := range groups {
		if g.Suspicious() {
			clients.Suspicious += g.Clients
		} else {
			clients.Weak += g.Clients
		}
	}
	// The actors no session judged (a chunk the state machine gave up on for
	// throttling, the actors a campaign promoted) get the rules' verdict.
	judged := make(map[string]bool, len(verdicts))
	for _, v := range verdicts {
		judged[v.Actor] = true
	}
	var unjudged []evidence.Actor
	for _, a := range suspicious {
		if !judged[a.Actor] {
			unjudged = append(unjudged, a)
		}
	}
	if len(unjudged) > 0 {
		res, err := s.floor().Begin(run).Classify(ctx, unjudged, nil)
		if err != nil {
			return nil, fmt.Errorf("rules' verdicts: %w", err)
		}
		verdicts = append(verdicts, res.Verdicts...)
	}

	observations = append(observations, linkedObservations(evidence.MergeLinked(maxLinkedObservations, ev.Linked))...)

	recIn := analysis.RecommendInput{Actors: suspicious, Verdicts: verdicts, Campaigns: campaigns}
	var recs analysis.RecommendResult
	if len(suspicious) > 0 {
		var err error
		if recs, err = sess.Recommend(ctx, recIn); err != nil {
			return nil, fmt.Errorf("recommendations: %w", err)
		}
		info.Usage.Add(recs.Usage)
		info.Notes = append(info.Notes, recs.Notes...)
		info.ModelUnavailable = info.ModelUnavailable || recs.ModelUnavailable
		info.Why = cmp.Or(info.Why, recs.Why)
	}

	return report.Build(report.BuildInput{
		Generated:       time.Now().UTC(),
		Source:          src,
		Input:           input,
		Actors:          suspicious,
		Verdicts:        verdicts,
		Campaigns:       campaigns,
		Groups:          groups,
		Clients:         clients,
		Recommendations: recs.Recommendations,
		Observations:    observations,
		Analysis:        info,
		Timeline:        &timeline,
	}), nil
}

// runFormat is the format an analyzer is told about: a run that mixes
// formats (Parse joins them with commas) has none.
func runFormat(formats string) string {
	if strings.Contains(formats, ",") {
		return ""
	}
	return formats
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
