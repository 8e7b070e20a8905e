package pipeline

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/report"
)

// runEvidence gathers the chunks' evidence and verdicts as they are loaded,
// one at a time: the evidence merges within the detail limits
// (detect.Merger), so it holds no more than one chunk's whatever the count.
type runEvidence struct {
	merger       *detect.Merger
	timeline     evidence.Histogram
	verdicts     []analysis.Verdict
	observations []analysis.Observation
	info         report.AnalysisInfo
	lists        []listSource // the chunks' address lists
}

func (s *Stages) newRunEvidence() *runEvidence {
	return &runEvidence{merger: detect.NewMerger(s.Detect), info: report.AnalysisInfo{Analyzer: s.analyzer().Name()}}
}

// add merges a chunk's evidence and its verdicts (nil when the chunk was
// not analysed) and remembers its address list.
func (re *runEvidence) add(ev evidence.Chunk, v *analysis.ClassifyResult, list listSource) {
	re.merger.Add(ev)
	re.timeline.Merge(ev.Timeline)
	if list != nil {
		re.lists = append(re.lists, list)
	}
	if v == nil {
		return
	}
	re.verdicts = append(re.verdicts, v.Verdicts...)
	re.observations = append(re.observations, v.Observations...)
	re.info.Notes = append(re.info.Notes, v.Notes...)
	re.info.Usage.Add(v.Usage)
	re.info.Truncated = re.info.Truncated || v.OverBudget > 0
	re.info.ModelUnavailable = re.info.ModelUnavailable || v.ModelUnavailable
	re.info.Why = cmp.Or(re.info.Why, v.Why)
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
	re := s.newRunEvidence()
	for _, c := range in.Chunks {
		var ev evidence.Chunk
		if err := s.getJSON(ctx, c.EvidenceKey, &ev); err != nil {
			return out, fmt.Errorf("load evidence of chunk %d: %w", c.Chunk, err)
		}
		var v *analysis.ClassifyResult
		if c.VerdictsKey != "" {
			v = new(analysis.ClassifyResult)
			if err := s.getJSON(ctx, c.VerdictsKey, v); err != nil {
				return out, fmt.Errorf("load verdicts of chunk %d: %w", c.Chunk, err)
			}
		} else if c.ModelUnavailable {
			// The state machine gave up on a throttled model for this chunk.
			v = &analysis.ClassifyResult{ModelUnavailable: true,
				Why:   &analysis.Unavailability{Cause: analysis.CauseThrottled, Reason: "Bedrock stayed throttled through the state machine's retries"},
				Notes: []string{fmt.Sprintf("chunk %d: the model stayed throttled; verdicts come from the rules", c.Chunk)}}
		}
		key := s.addressesKey(p.Run, c.Chunk)
		re.add(ev, v, func() (io.ReadCloser, error) { return gunzipped(s.Store.Open(ctx, key)) })
	}
	src := report.Source{
		Name:   "s3://" + p.Source.Bucket + "/" + p.Source.Key,
		ETag:   p.Source.ETag,
		Size:   p.Source.Size,
		Format: p.Format,
		Gzip:   p.Gzip,
	}
	run := analysis.RunInfo{Format: runFormat(p.Format), Deadline: deadline(ctx)}
	base := s.reportBase(p.Source, p.Run)
	out.Report = ReportKeys{JSON: base + ".json", HTML: base + ".html", MD: base + ".md", Text: base + ".txt", Addresses: base + ".addresses.csv"}
	// The address file streams through a temporary file: S3 uploads need a seekable body.
	af, err := s.tempFile("logsift-addressfile-*")
	if err != nil {
		return out, fmt.Errorf("address file: %w", err)
	}
	defer func() { af.Close(); os.Remove(af.Name()) }()
	bw := bufio.NewWriterSize(af, 64<<10)
	dst := &addressDest{name: "s3://" + p.Source.Bucket + "/" + out.Report.Addresses, w: bw}
	rep, err := s.buildReport(ctx, run, s.analyzer().Begin(run), src, input, re, dst)
	if err != nil {
		return out, err
	}
	if err := bw.Flush(); err != nil {
		return out, fmt.Errorf("address file: %w", err)
	}
	if _, err := af.Seek(0, io.SeekStart); err != nil {
		return out, fmt.Errorf("address file: %w", err)
	}
	if err := s.Store.Put(ctx, out.Report.Addresses, af, "text/csv; charset=utf-8"); err != nil {
		return out, fmt.Errorf("store address file: %w", err)
	}
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
// run's analyzer session, which writes the recommendations. The address file
// goes to dst (nil: none is written).
func (s *Stages) buildReport(ctx context.Context, run analysis.RunInfo, sess analysis.Session, src report.Source, input report.Input, re *runEvidence, dst *addressDest) (*report.Report, error) {
	// The run's detail limits, as one engine over the whole log applies them.
	ev := re.merger.Result()
	input.Actors += int64(ev.Actors)
	verdicts, info := re.verdicts, re.info
	// Visitors whose browsers a planted page made send payloads are not
	// attackers: the page is the finding.
	planted := detect.SeparatePlanted(&ev)

	// Weak actors (below every threshold alone) that share a campaign become
	// suspicious: one probe from each of fifty addresses is one scan.
	all := append(slices.Clip(ev.Suspicious), ev.Weak...)
	campaigns := detect.Campaigns(all, ev.Groups)
	promoted, groups := detect.PromoteCampaigns(all, ev.Groups, campaigns)
	suspicious, clients := accountClients(promoted, groups, ev.Counts)

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

	var (
		addresses *report.AddressFile
		prefixes  []report.BlockEntry
	)
	if dst != nil {
		fs := newFinalStatus(suspicious, verdicts, groups, planted)
		var err error
		if addresses, prefixes, err = addressPass(ctx, re.lists, fs, *dst); err != nil {
			return nil, fmt.Errorf("address file: %w", err)
		}
	}

	observations := append(re.observations, linkedObservations(evidence.MergeLinked(maxLinkedObservations, ev.Linked))...)
	recIn := analysis.RecommendInput{Actors: suspicious, Verdicts: verdicts, Campaigns: campaigns, Planted: planted.Pages}
	if addresses != nil && slices.ContainsFunc(groups, func(g evidence.Group) bool {
		return g.Suspicious() && g.Severity >= report.BlockMinSeverity
	}) {
		// Addresses the report does not list one by one: the advice names the file.
		recIn.Blockable, recIn.AddressFile = addresses.Blockable, addresses.Name
	}
	var recs analysis.RecommendResult
	if len(suspicious) > 0 || recIn.Blockable > 0 || len(planted.Pages) > 0 {
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
		Planted:         planted.Pages,
		PlantedMore:     planted.More,
		Clients:         clients,
		Addresses:       addresses,
		Prefixes:        prefixes,
		Recommendations: recs.Recommendations,
		Observations:    observations,
		Analysis:        info,
		Timeline:        &re.timeline,
	}), nil
}

// accountClients returns the suspicious actors after promotion, and puts
// every client in one count: suspicious (a finding, or a suspicious group),
// weak (detailed or grouped), lured, planted or clean (as the engines and
// SeparatePlanted counted them).
func accountClients(actors []evidence.Actor, groups []evidence.Group, counted evidence.Counts) ([]evidence.Actor, evidence.Counts) {
	var suspicious []evidence.Actor
	clients := evidence.Counts{Lured: counted.Lured, Planted: counted.Planted, Clean: counted.Clean}
	for _, a := range actors {
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
	return suspicious, clients
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
