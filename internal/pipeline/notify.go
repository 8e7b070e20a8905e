package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/report"
)

// Notify emails a finished report or a failure, at most once per source object
// version: it claims a marker object before publishing, so a redelivered event
// or a retried task does not send a second email. It claims nothing when no
// subscriber has confirmed (*NoConfirmedSubscription): a marker spent on an
// email nobody receives would make the report unrecoverable. A scheduled run
// with nothing to report (QuietPrefixes) is marked as reported and emails no
// one; its output says why.
func (s *Stages) Notify(ctx context.Context, in NotifyInput) (NotifyOutput, error) {
	var (
		m   email
		err error
	)
	switch in.Mode {
	case "report":
		m, err = s.reportEmail(ctx, in)
	case "failure":
		m, err = s.failureEmail(in)
	default:
		err = fmt.Errorf("unknown notify mode %q", in.Mode)
	}
	if err != nil {
		return NotifyOutput{}, err
	}
	run := RunID(in.Source)
	out := NotifyOutput{Subject: m.subject, LinkExpires: m.linkExpires}
	if s.Notifier == nil {
		out.Reason = "no notifier configured"
		return out, nil
	}
	if m.quiet != "" {
		// Handled as a sent report is, so that Parse stops a repeated run of
		// this object version (a scheduled window fetched again).
		if _, err := s.Store.PutIfAbsent(ctx, m.marker, []byte(m.subject)); err != nil {
			return out, fmt.Errorf("mark as reported: %w", err)
		}
		out.Reason = m.quiet
		s.log().Info("no email", "stage", "notify", "run", run, "reason", m.quiet)
		return out, nil
	}
	subscribed, err := s.Notifier.Subscribed(ctx)
	if err != nil {
		return out, fmt.Errorf("check the subscription: %w", err)
	}
	if !subscribed {
		return out, &NoConfirmedSubscription{Execution: in.Execution}
	}
	claimed, err := s.Store.PutIfAbsent(ctx, m.marker, []byte(m.subject))
	if err != nil {
		return out, fmt.Errorf("claim notification: %w", err)
	}
	if !claimed {
		out.Reason = "already sent for this object version"
		s.log().Info("notification already sent", "stage", "notify", "run", run)
		return out, nil
	}
	id, err := s.Notifier.Notify(ctx, m.subject, m.body)
	if err != nil {
		// Release the claim so that the retry can send.
		if derr := s.Store.Delete(ctx, m.marker); derr != nil {
			s.log().Error("release notification claim", "error", derr)
		}
		return out, fmt.Errorf("send email: %w", err)
	}
	out.Sent, out.MessageID = true, id
	s.log().Info("notified", "stage", "notify", "run", run, "mode", in.Mode)
	return out, nil
}

// email is one message Notify may send and the marker that makes it once
// per object version.
type email struct {
	subject, body, marker string
	quiet                 string     // why no email is wanted; empty: send it
	linkExpires           *time.Time // the end of the presigned report link, if there is one
}

// quietReason is Notify's output for a scheduled run it does not email.
const quietReason = "no email: a scheduled run with nothing to report (no finding, every line read), and NotifyOn is findings"

// reportEmail renders the email for a finished report.
func (s *Stages) reportEmail(ctx context.Context, in NotifyInput) (email, error) {
	if in.Aggregate == nil {
		return email{}, fmt.Errorf("report mode without an aggregate result")
	}
	var rep report.Report
	if err := s.getJSON(ctx, in.Aggregate.Report.JSON, &rep); err != nil {
		return email{}, fmt.Errorf("load report: %w", err)
	}
	m := email{subject: report.Subject(&rep, in.Source.Key), marker: s.sentKey(in.Source, RunID(in.Source))}
	if rep.NothingToReport() && slices.ContainsFunc(s.QuietPrefixes, func(p string) bool { return strings.HasPrefix(in.Source.Key, p) }) {
		m.quiet = quietReason
		return m, nil
	}
	links := report.EmailLinks{Console: in.Aggregate.ReportURL}
	if s.Links != nil && in.Aggregate.Report.HTML != "" {
		// Without it the email still goes, with the console link.
		if l, err := s.Links.Link(ctx, in.Aggregate.Report.HTML); err != nil {
			s.log().Warn("no presigned report link", "stage", "notify", "error", err)
		} else {
			links.Presigned, links.Expires, links.ExpiresExact = l.URL, l.Expires, l.Exact
			m.linkExpires = &l.Expires
		}
	}
	var body bytes.Buffer
	if err := report.EmailText(&body, &rep, links); err != nil {
		return email{}, fmt.Errorf("render email: %w", err)
	}
	m.body = body.String()
	return m, nil
}

// failureEmail renders the email for a failed run.
func (s *Stages) failureEmail(in NotifyInput) (email, error) {
	f := Failure{Stage: "unknown"}
	if in.Failure != nil {
		f = *in.Failure
	}
	var body bytes.Buffer
	if err := report.FailureText(&body, "s3://"+in.Source.Bucket+"/"+in.Source.Key, f.Stage, failureMessage(f)); err != nil {
		return email{}, fmt.Errorf("render failure email: %w", err)
	}
	return email{subject: report.FailureSubject(in.Source.Key, f.Stage), body: body.String(),
		marker: s.reportBase(in.Source, RunID(in.Source)) + ".failed"}, nil
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
