package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logsift/logsift/internal/report"
)

// Notify emails a finished report or a failure, at most once per source object
// version: it claims a marker object before publishing, so a redelivered event
// or a retried task does not send a second email. It claims nothing when no
// subscriber has confirmed (*NoConfirmedSubscription): a marker spent on an
// email nobody receives would make the report unrecoverable.
func (s *Stages) Notify(ctx context.Context, in NotifyInput) (NotifyOutput, error) {
	run := RunID(in.Source)
	var (
		subject, marker string
		body            bytes.Buffer
	)
	switch in.Mode {
	case "report":
		if in.Aggregate == nil {
			return NotifyOutput{}, fmt.Errorf("report mode without an aggregate result")
		}
		var rep report.Report
		if err := s.getJSON(ctx, in.Aggregate.Report.JSON, &rep); err != nil {
			return NotifyOutput{}, fmt.Errorf("load report: %w", err)
		}
		subject = report.Subject(&rep, in.Source.Key)
		if err := report.EmailText(&body, &rep, in.Aggregate.ReportURL); err != nil {
			return NotifyOutput{}, fmt.Errorf("render email: %w", err)
		}
		marker = s.sentKey(in.Source, run)
	case "failure":
		f := Failure{Stage: "unknown"}
		if in.Failure != nil {
			f = *in.Failure
		}
		msg := failureMessage(f)
		subject = report.FailureSubject(in.Source.Key, f.Stage)
		if err := report.FailureText(&body, "s3://"+in.Source.Bucket+"/"+in.Source.Key, f.Stage, msg); err != nil {
			return NotifyOutput{}, fmt.Errorf("render failure email: %w", err)
		}
		marker = s.reportBase(in.Source, run) + ".failed"
	default:
		return NotifyOutput{}, fmt.Errorf("unknown notify mode %q", in.Mode)
	}
	out := NotifyOutput{Subject: subject}
	if s.Notifier == nil {
		out.Reason = "no notifier configured"
		return out, nil
	}
	subscribed, err := s.Notifier.Subscribed(ctx)
	if err != nil {
		return out, fmt.Errorf("check the subscription: %w", err)
	}
	if !subscribed {
		return out, &NoConfirmedSubscription{Execution: in.Execution}
	}
	claimed, err := s.Store.PutIfAbsent(ctx, marker, []byte(subject))
	if err != nil {
		return out, fmt.Errorf("claim notification: %w", err)
	}
	if !claimed {
		out.Reason = "already sent for this object version"
		s.log().Info("notification already sent", "stage", "notify", "run", run)
		return out, nil
	}
	id, err := s.Notifier.Notify(ctx, subject, body.String())
	if err != nil {
		// Release the claim so that the retry can send.
		if derr := s.Store.Delete(ctx, marker); derr != nil {
			s.log().Error("release notification claim", "error", derr)
		}
		return out, fmt.Errorf("send email: %w", err)
	}
	out.Sent, out.MessageID = true, id
	s.log().Info("notified", "stage", "notify", "run", run, "mode", in.Mode)
	return out, nil
}

// failureMessage extracts a readable message from a Step Functions error: a
// Lambda failure's Cause is the JSON {"errorMessage": ..., "errorType": ...},
// and a chunk's failure prefixes it with the stage and chunk ("Filter failed
// on chunk 3: {...}").
func failureMessage(f Failure) string {
	msg := f.Cause
	var le struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if i := strings.IndexByte(f.Cause, '{'); i >= 0 && json.Unmarshal([]byte(f.Cause[i:]), &le) == nil && le.ErrorMessage != "" {
		msg = f.Cause[:i] + le.ErrorMessage
	}
	if f.Error != "" && !strings.Contains(msg, f.Error) {
		msg = f.Error + ": " + msg
	}
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	return msg
}
