// Package fetch brings logs into the bucket on a schedule, so that logsift
// runs without anyone uploading by hand:
//
//   - Amplify Hosting keeps access logs but delivers them nowhere. For each
//     configured app, fetch calls GenerateAccessLogs for the windows since the
//     last successful fetch and streams the CSV behind the presigned URL to
//     uploads/amplify/<appId>/<domain>/<start>_<end>.csv, where the upload rule
//     starts a run as for any upload.
//   - CloudFront and ALB deliver many small files. For templated prefixes
//     under the log prefix, fetch writes yesterday's manifest, one report a day.
//
// Decisions:
//
//   - Windows are whole hours (see Windows), so a window's object holds exactly
//     that window's rows: adjacent windows do not repeat rows, and a retried or
//     repeated window writes the same key with the same bytes, whose ETag the
//     pipeline has already reported (every run is keyed by bucket, key and ETag).
//     Where downloads do overlap (console downloads analysed together, a
//     manifest of overlapping files), Parse counts the repeated rows once by
//     their x-edge-request-id (input.duplicates).
//   - The state is one small object per app and domain holding the end of the
//     last window that was stored. It advances only after the window's object is
//     written, one window at a time: a failure leaves it where it was, and the
//     next run fetches that window again.
//   - A download goes to a temporary file first, not to the bucket: a partial
//     download must not start a run. Memory stays flat whatever the log's size;
//     the file is capped (Client.MaxBytes).
//   - Failures are collected and sent as one email per run naming the app, the
//     window and the reason; the run itself then succeeds, so that the Lambda's
//     retries of a failed asynchronous invoke do not send the email again.
//   - The presigned URL is a credential: it is never logged or mailed.
package fetch

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/store"
)

// Notifier sends the failure email.
type Notifier interface {
	Notify(ctx context.Context, subject, body string) (messageID string, err error)
}

// Store is what fetch needs from the bucket.
type Store interface {
	store.Store
	store.Lister
}

// Fetcher runs the scheduled fetches and digests.
type Fetcher struct {
	Store    Store
	Amplify  *Client
	Notifier Notifier // nil: failures are only logged
	Apps     []App
	Digests  *Digests // nil: no digests

	UploadPrefix string // default "uploads/"
	StatePrefix  string // default "state/fetch/"
	TempDir      string // default os.TempDir()
	Logger       *slog.Logger
}

// Event is the schedule's payload. ScheduledTime is EventBridge Scheduler's
// <aws.scheduler.scheduled-time>: a retried invocation computes the same
// windows, and so writes the same keys. Empty means now.
type Event struct {
	ScheduledTime string `json:"scheduled_time,omitempty"`
}

// Failure is one source that could not be fetched.
type Failure struct {
	Source string `json:"source"` // "Amplify app d123 (example.com)" or "digest"
	Window string `json:"window"`
	Reason string `json:"reason"`
}

// Result says what a run stored and what failed.
type Result struct {
	Uploaded []string  `json:"uploaded"`
	Empty    int       `json:"empty_windows"` // windows with no request, state advanced, nothing uploaded
	Digest   string    `json:"digest,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
	Emailed  bool      `json:"emailed"`
}

// state is the stored progress of one app and domain.
type state struct {
	// End is where the last stored window ended; the next one starts here.
	End time.Time `json:"end"`
}

func (f *Fetcher) log() *slog.Logger    { return cmp.Or(f.Logger, slog.Default()) }
func (f *Fetcher) uploadPrefix() string { return cmp.Or(f.UploadPrefix, "uploads/") }
func (f *Fetcher) statePrefix() string  { return cmp.Or(f.StatePrefix, "state/fetch/") }

// Under the upload prefix, the fetch function writes Amplify windows in
// AmplifyDir and digest manifests in DigestDir. Notify tells scheduled runs
// from uploads by them (NotifyOn).
const (
	AmplifyDir = "amplify/"
	DigestDir  = "digests/"
)

// ObjectKey is where a window of an app's log is uploaded.
func (f *Fetcher) ObjectKey(app App, w Window) string {
	return fmt.Sprintf("%s%s%s/%s/%s_%s.csv", f.uploadPrefix(), AmplifyDir, app.ID, app.Domain,
		w.Start.UTC().Format(keyTime), w.End.UTC().Format(keyTime))
}

func (f *Fetcher) stateKey(app App) string {
	return f.statePrefix() + app.ID + "/" + app.Domain + ".json"
}

// Run fetches every app's missing windows and writes the digest, then sends
// one email if anything failed. It returns an error only when that email
// could not be sent.
func (f *Fetcher) Run(ctx context.Context, ev Event) (Result, error) {
	now := time.Now().UTC()
	if ev.ScheduledTime != "" {
		t, err := time.Parse(time.RFC3339, ev.ScheduledTime)
		if err != nil {
			return Result{}, fmt.Errorf("scheduled_time %q: %w", ev.ScheduledTime, err)
		}
		now = t.UTC()
	}
	res := Result{Uploaded: []string{}}
	for _, app := range f.Apps {
		f.fetchApp(ctx, app, now, &res)
	}
	if f.Digests != nil {
		day := now.Truncate(24 * time.Hour).Add(-24 * time.Hour)
		key, err := f.Digests.Write(ctx, f.Store, f.uploadPrefix(), day)
		if err != nil {
			res.Failures = append(res.Failures, Failure{Source: "daily digest", Window: day.Format("2006-01-02") + " (UTC)", Reason: err.Error()})
		}
		res.Digest = key
	}
	f.log().Info("fetch done", "uploaded", len(res.Uploaded), "empty", res.Empty, "digest", res.Digest, "failures", len(res.Failures))
	if len(res.Failures) == 0 {
		return res, nil
	}
	for _, fl := range res.Failures {
		f.log().Error("fetch failed", "source", fl.Source, "window", fl.Window, "reason", fl.Reason)
	}
	if f.Notifier == nil {
		return res, nil
	}
	subject, body := failureEmail(res.Failures)
	if _, err := f.Notifier.Notify(ctx, subject, body); err != nil {
		return res, fmt.Errorf("send the failure email: %w", err)
	}
	res.Emailed = true
	return res, nil
}

// fetchApp stores the app's missing windows, oldest first, and stops at the
// first failure so that the state never skips a window.
func (f *Fetcher) fetchApp(ctx context.Context, app App, now time.Time, res *Result) {
	source := "Amplify app " + app.String()
	fail := func(window string, err error) {
		res.Failures = append(res.Failures, Failure{Source: source, Window: window, Reason: Reason(err)})
	}
	st, err := f.loadState(ctx, app)
	if err != nil {
		fail("(state unreadable)", err)
		return
	}
	windows := Windows(st.End, now)
	if !st.End.IsZero() && len(windows) > 0 && windows[0].Start.After(st.End) {
		f.log().Warn("windows older than Amplify keeps are lost", "app", app.ID, "domain", app.Domain, "from", st.End, "to", windows[0].Start)
	}
	for _, w := range windows {
		key, empty, err := f.fetchWindow(ctx, app, w)
		if err != nil {
			fail(w.String(), err)
			return
		}
		if err := f.saveState(ctx, app, state{End: w.End}); err != nil {
			fail(w.String(), fmt.Errorf("save state: %w", err))
			return
		}
		if empty {
			res.Empty++
			continue
		}
		res.Uploaded = append(res.Uploaded, key)
	}
}

// fetchWindow downloads one window to a temporary file and, if it holds any
// request, uploads it. Amplify's range includes its end, so the request ends
// a second before the window does.
func (f *Fetcher) fetchWindow(ctx context.Context, app App, w Window) (key string, empty bool, err error) {
	tmp, err := os.CreateTemp(f.TempDir, "logsift-fetch-*.csv")
	if err != nil {
		return "", false, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	n, lines, err := f.Amplify.Download(ctx, app, w.Start, w.End.Add(-time.Second), tmp)
	if err != nil {
		return "", false, err
	}
	key = f.ObjectKey(app, w)
	log := f.log().With("app", app.ID, "domain", app.Domain, "window", w.String())
	// A header and no row: nothing to analyse, and a report saying so every
	// quiet day would teach the reader to ignore the emails.
	if lines <= 1 {
		log.Info("no request in window")
		return key, true, nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", false, err
	}
	if err := f.Store.Put(ctx, key, tmp, "text/csv"); err != nil {
		return "", false, fmt.Errorf("store %s: %w", key, err)
	}
	log.Info("stored", "key", key, "bytes", n, "lines", lines)
	return key, false, nil
}

func (f *Fetcher) loadState(ctx context.Context, app App) (state, error) {
	var st state
	rc, err := f.Store.Open(ctx, f.stateKey(app))
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read state: %w", err)
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, 64<<10)).Decode(&st); err != nil {
		return st, fmt.Errorf("read state %s: %w", f.stateKey(app), err)
	}
	return st, nil
}

func (f *Fetcher) saveState(ctx context.Context, app App, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return f.Store.Put(ctx, f.stateKey(app), bytes.NewReader(b), "application/json")
}

// failureEmail is the one email of a run with failures. Every value in it is
// configuration or an AWS error message, never log content.
func failureEmail(fs []Failure) (subject, body string) {
	subject = "logsift: fetch failed for " + fs[0].Source
	if len(fs) > 1 {
		subject = fmt.Sprintf("logsift: fetch failed for %d sources", len(fs))
	}
	if len(subject) > 100 {
		subject = subject[:97] + "..."
	}
	var b strings.Builder
	b.WriteString("logsift could not fetch these logs:\n\n")
	for _, fl := range fs {
		fmt.Fprintf(&b, "- %s, window %s:\n  %s\n", fl.Source, fl.Window, fl.Reason)
	}
	b.WriteString("\nThe fetch state did not advance: the next scheduled run fetches these Amplify windows again\n" +
		"(Amplify keeps about two weeks of logs). A digest can be written again by uploading its manifest by hand.\n")
	return subject, b.String()
}
