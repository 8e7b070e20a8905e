package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/logsift/logsift/internal/report"
)

// RunStaged runs the AWS stage sequence (Parse, Filter and Analyze per chunk,
// Aggregate) on a local file, with s.Store standing in for the bucket: the file
// is copied in under uploads/ first. It is the local mirror of the state
// machine, for debugging the stages and measuring their memory; Notify is left
// out because there is no one to email.
func (s *Stages) RunStaged(ctx context.Context, path string) (*report.Report, AggregateOutput, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, AggregateOutput{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, AggregateOutput{}, err
	}
	src := SourceRef{Bucket: "local", Key: "uploads/" + filepath.Base(path), ETag: fmt.Sprintf("%x-%d", fi.ModTime().UnixNano(), fi.Size()), Size: fi.Size()}
	if err := s.Store.Put(ctx, src.Key, f, ""); err != nil {
		return nil, AggregateOutput{}, err
	}
	p, err := s.Parse(ctx, src)
	if err != nil {
		return nil, AggregateOutput{}, errStage("parse", err)
	}
	if p.AlreadyReported {
		return nil, AggregateOutput{}, fmt.Errorf("%s was already reported", path)
	}
	agg := AggregateInput{Parse: p}
	for _, c := range p.Chunks {
		fo, err := s.Filter(ctx, FilterInput{Run: p.Run, Chunk: c})
		if err != nil {
			return nil, AggregateOutput{}, errStage("filter", err)
		}
		ao := AnalyzeOutput{Run: fo.Run, Chunk: fo.Chunk, EvidenceKey: fo.EvidenceKey, Suspicious: fo.Suspicious}
		if fo.Suspicious > 0 {
			if ao, err = s.Analyze(ctx, fo); err != nil {
				return nil, AggregateOutput{}, errStage("analyze", err)
			}
		}
		agg.Chunks = append(agg.Chunks, ao)
	}
	out, err := s.Aggregate(ctx, agg)
	if err != nil {
		return nil, out, errStage("aggregate", err)
	}
	var rep report.Report
	if err := s.getJSON(ctx, out.Report.JSON, &rep); err != nil {
		return nil, out, err
	}
	return &rep, out, nil
}
