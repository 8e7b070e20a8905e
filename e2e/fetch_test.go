package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/logsift/logsift/internal/amplifytest"
	"github.com/logsift/logsift/internal/fetch"
)

// These tests invoke the fetch function as EventBridge Scheduler does (moto stores schedules but
// never fires them), with the schedule's Input, and follow what it writes through the pipeline.
// The Amplify API is internal/amplifytest, reached through the function's recording proxy.

const (
	fetchApp    = "d1e2e3a4b5"
	fetchDomain = "example.com"
	prober      = "198.51.100.23"
)

// siteRows logs, every hour of [from, to), two visitors browsing and, at minute 40 of each hour,
// a prober asking for a sensitive file. Request ids are unique per row.
func siteRows(srv *amplifytest.Server, from, to time.Time) {
	probes := []string{"/.env", "/.git/config", "/.aws/credentials", "/backup.sql", "/.env.production", "/config.php.bak"}
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		for i, ip := range []string{"192.0.2.10", "203.0.113.5"} {
			at := h.Add(time.Duration(10+i*10) * time.Minute)
			srv.AddRow(fetchApp, fetchDomain, at, amplifytest.Row(at, ip, "/", 200, "v"+at.Format("0102T1504")+ip, "www.example.com"))
		}
		at := h.Add(40 * time.Minute)
		srv.AddRow(fetchApp, fetchDomain, at, amplifytest.Row(at, prober, probes[h.Hour()%len(probes)], 404, "p"+at.Format("0102T1504"), "www.example.com"))
	}
}

func fetchStack(t *testing.T, params map[string]string) (*stack, *amplifytest.Server) {
	srv := amplifytest.New()
	t.Cleanup(srv.Close)
	params["UseModel"] = "false"
	return deploy(t, stackOptions{params: params, amplifyURL: srv.URL}), srv
}

// runFetch invokes the fetch function for a scheduled time and decodes its result.
func (st *stack) runFetch(scheduled string) fetch.Result {
	st.t.Helper()
	out := st.invoke("FetchFunction", `{"scheduled_time": "`+scheduled+`"}`)
	var res fetch.Result
	if err := json.Unmarshal(out, &res); err != nil {
		st.t.Fatalf("fetch result: %v\n%s", err, out)
	}
	return res
}

// object reads an object of the bucket ("" when it does not exist).
func (st *stack) object(key string) string {
	st.t.Helper()
	obj, err := st.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &st.bucket, Key: &key})
	if err != nil {
		return ""
	}
	defer obj.Body.Close()
	b, _ := io.ReadAll(obj.Body)
	return string(b)
}

func (st *stack) put(key, body string) {
	st.t.Helper()
	if _, err := st.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &st.bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
		st.t.Fatal(err)
	}
}

// uploadEvents returns the upload events of the objects the function wrote, in key order.
func (st *stack) uploadEvents(want int) map[string]json.RawMessage {
	st.t.Helper()
	out := map[string]json.RawMessage{}
	for _, raw := range st.receive(st.eventQueue, want, 10*time.Second) {
		ev := normaliseEvent(st.t, raw)
		var e struct {
			Detail struct {
				Object struct{ Key string } `json:"object"`
			} `json:"detail"`
		}
		json.Unmarshal(ev, &e)
		out[e.Detail.Object.Key] = ev
	}
	return out
}

// TestFetchAmplifyScheduled: a scheduled run catches up two missed days as two windows, each
// window is one upload, one run and one report; the same window fetched again is not reported again.
func TestFetchAmplifyScheduled(t *testing.T) {
	t.Parallel()
	st, srv := fetchStack(t, map[string]string{"AmplifyApps": fetchApp + ":" + fetchDomain})
	srv.AddApp(fetchApp, fetchDomain)
	siteRows(srv, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
	stateKey := "state/fetch/" + fetchApp + "/" + fetchDomain + ".json"
	st.put(stateKey, `{"end":"2026-11-28T00:00:00Z"}`)

	res := st.runFetch("2026-11-30T00:20:00Z")
	day1 := "uploads/amplify/d1e2e3a4b5/example.com/20261128T0000Z_20261129T0000Z.csv"
	day2 := "uploads/amplify/d1e2e3a4b5/example.com/20261129T0000Z_20261130T0000Z.csv"
	if !slices.Equal(res.Uploaded, []string{day1, day2}) || len(res.Failures) != 0 {
		t.Fatalf("fetch result %+v; want the two missed days", res)
	}
	if got := st.object(stateKey); !strings.Contains(got, "2026-11-30T00:00:00Z") {
		t.Errorf("state after the run: %s", got)
	}
	events := st.uploadEvents(2)
	for _, key := range []string{day1, day2} {
		ev, ok := events[key]
		if !ok {
			t.Fatalf("no upload event for %s (got %d events)", key, len(events))
		}
		out := st.execute(ev, runTimeout)
		if out.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("%s: status %s; history:\n%s", key, out.Status, st.history(*out.ExecutionArn))
		}
		final := st.finalState(*out.Output)
		// Two visitors and the prober each hour of the day: the window's rows and no other.
		if final.Parse.Format != "amplify" || final.Parse.Rows != 72 {
			t.Errorf("%s: format %q, %d rows; want amplify and 72", key, final.Parse.Format, final.Parse.Rows)
		}
		rep := st.report(final.Aggregate.Report.JSON)
		var actors []string
		for _, f := range rep.Findings {
			actors = append(actors, strings.TrimSuffix(f.Actor, "/32"))
		}
		if !slices.Contains(actors, prober) || len(actors) != 1 {
			t.Errorf("%s: findings %v, want the prober only", key, actors)
		}
	}
	if mails := st.emails(2, 10*time.Second); len(mails) != 2 {
		t.Fatalf("%d emails, want one report per window", len(mails))
	}

	// The state is lost after a window was stored (or the schedule fires twice): the window is
	// fetched again, written to the same key with the same bytes, and not reported again.
	st.put(stateKey, `{"end":"2026-11-29T00:00:00Z"}`)
	res = st.runFetch("2026-11-30T00:20:00Z")
	if !slices.Equal(res.Uploaded, []string{day2}) {
		t.Fatalf("repeated window: %+v", res)
	}
	ev := st.uploadEvents(1)[day2]
	if ev == nil {
		t.Fatal("the repeated window wrote no object")
	}
	again := st.execute(ev, runTimeout)
	if again.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("repeated window: %s; history:\n%s", again.Status, st.history(*again.ExecutionArn))
	}
	if _, ok := st.stateOutputs(*again.ExecutionArn)["AlreadyReported"]; !ok {
		t.Errorf("repeated window was reported again; history:\n%s", st.history(*again.ExecutionArn))
	}
	if more := st.emails(1, 3*time.Second); len(more) != 0 {
		t.Errorf("repeated window sent an email: %q", more[0].Subject)
	}
	for _, r := range srv.Requests() {
		if r.End.Sub(r.Start) != 24*time.Hour-time.Second {
			t.Errorf("GenerateAccessLogs asked for %v..%v; a window is a day ending a second early (the range includes its end)", r.Start, r.End)
		}
	}
}

// TestFetchFailuresAndDigest (one stack for both, to keep the suite short):
//   - a failed fetch leaves the state where it was, writes nothing, and sends one email per run naming
//     the app, the window and the reason; another app's fetch still succeeds;
//   - the schedule writes yesterday's manifest of a templated CloudFront prefix, which makes one
//     report; rows that two delivered files both hold (same x-edge-request-id) count once.
func TestFetchFailuresAndDigest(t *testing.T) {
	t.Parallel()
	const missing = "d9f8e7d6c5" // configured, unknown to Amplify
	st, srv := fetchStack(t, map[string]string{
		"AmplifyApps":    fetchApp + ":" + fetchDomain + "," + missing + ":" + fetchDomain,
		"DigestPrefixes": "logs/cloudfront/E2ABCDEF.{yyyy}-{MM}-{dd}-",
	})
	srv.AddApp(fetchApp, fetchDomain)
	siteRows(srv, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	stateOf := func(app string) string { return st.object("state/fetch/" + app + "/" + fetchDomain + ".json") }
	putCloudFrontDay(st)

	// First run: the known app's day and the digest are stored, the unknown app fails (404).
	res := st.runFetch("2026-11-30T00:20:00Z")
	if len(res.Uploaded) != 1 || len(res.Failures) != 1 || !res.Emailed || res.Digest != "uploads/digests/2026-11-29.txt" {
		t.Fatalf("first run: %+v", res)
	}
	if stateOf(missing) != "" {
		t.Errorf("the failed app has a state: %s", stateOf(missing))
	}
	mails := st.emails(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("%d emails, want one failure email", len(mails))
	}
	for _, want := range []string{missing, fetchDomain, "2026-11-29 00:00 to 2026-11-30 00:00 UTC", "NotFoundException"} {
		if !strings.Contains(mails[0].Subject+mails[0].Message, want) {
			t.Errorf("failure email does not name %q:\n%s\n%s", want, mails[0].Subject, mails[0].Message)
		}
	}
	events := st.uploadEvents(2)
	if events[res.Digest] == nil || events[res.Uploaded[0]] == nil {
		t.Fatalf("upload events for %v, want the window and the digest", slices.Collect(maps.Keys(events)))
	}
	checkDigestRun(st, events[res.Digest])

	// Throttled throughout (after the SDK's retries), then a presigned URL that has expired.
	for _, c := range []struct {
		name   string
		setup  func()
		reason string
	}{
		{"throttled", func() { srv.FailNext(fetchApp, 20, amplifytest.ErrLimit) }, "throttled by Amplify after retries (LimitExceededException"},
		{"expired URL", func() { srv.ClearFailures(fetchApp); srv.SetExpired(true) }, "HTTP 403 AccessDenied: Request has expired"},
	} {
		before := stateOf(fetchApp)
		c.setup()
		res := st.runFetch("2026-12-01T00:20:00Z")
		if len(res.Uploaded) != 0 || len(res.Failures) != 2 || !res.Emailed {
			t.Fatalf("%s: %+v", c.name, res)
		}
		mails := st.emails(1, 10*time.Second)
		if more := st.emails(1, 2*time.Second); len(mails) != 1 || len(more) != 0 {
			t.Fatalf("%s: %d emails, want one for the run", c.name, len(mails)+len(more))
		}
		m := mails[0]
		for _, want := range []string{"2 sources", fetchApp, missing, "2026-11-30 00:00 to 2026-12-01 00:00 UTC", c.reason} {
			if !strings.Contains(m.Subject+m.Message, want) {
				t.Errorf("%s: email does not name %q:\n%s\n%s", c.name, want, m.Subject, m.Message)
			}
		}
		if strings.Contains(m.Message, "X-Amz-Signature") {
			t.Errorf("%s: the email holds the presigned URL", c.name)
		}
		if after := stateOf(fetchApp); after != before {
			t.Errorf("%s: state moved from %s to %s", c.name, before, after)
		}
		if evs := st.receive(st.eventQueue, 1, time.Second); len(evs) != 0 {
			t.Errorf("%s: a failed fetch wrote an upload", c.name)
		}
	}
}

// cloudFrontLog writes a CloudFront standard log (W3C, tab-separated) with the given rows.
func cloudFrontLog(rows [][2]string, at time.Time, path string) string {
	var b strings.Builder
	b.WriteString("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken\n")
	for i, r := range rows {
		t := at.Add(time.Duration(i) * time.Second)
		fmt.Fprintf(&b, "%s\t%s\tFRA56-P1\t512\t%s\tGET\td111111abcdef8.cloudfront.net\t%s\t404\t-\tcurl/8.5.0\t-\t-\tError\t%s\twww.example.com\thttps\t120\t0.001\n",
			t.Format("2006-01-02"), t.Format("15:04:05"), r[0], path+fmt.Sprint(i%6), r[1])
	}
	return b.String()
}

// putCloudFrontDay stores two CloudFront files of 2026-11-29 that share 10 rows (a file delivered
// again with more rows), and one of a later day.
func putCloudFrontDay(st *stack) {
	day := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var first, second [][2]string
	for i := range 30 {
		first = append(first, [2]string{"192.0.2.77", fmt.Sprintf("req-a-%02d==", i)})
	}
	second = append(second, first[20:]...)
	for i := range 20 {
		second = append(second, [2]string{"192.0.2.77", fmt.Sprintf("req-b-%02d==", i)})
	}
	st.put("logs/cloudfront/E2ABCDEF.2026-11-29-10.aaaa.gz", string(gzipped([]byte(cloudFrontLog(first, day, "/.env")))))
	st.put("logs/cloudfront/E2ABCDEF.2026-11-29-10.bbbb.gz", string(gzipped([]byte(cloudFrontLog(second, day.Add(20*time.Second), "/.env")))))
	st.put("logs/cloudfront/E2ABCDEF.2026-12-01-00.cccc.gz", string(gzipped([]byte(cloudFrontLog(first, day.Add(38*time.Hour), "/x")))))
}

// checkDigestRun runs the digest's upload event: one report of the day's two files, their shared
// rows counted once, one email.
func checkDigestRun(st *stack, ev json.RawMessage) {
	t := st.t
	t.Helper()
	out := st.execute(ev, runTimeout)
	if out.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("digest: status %s; history:\n%s", out.Status, st.history(*out.ExecutionArn))
	}
	final := st.finalState(*out.Output)
	if final.Parse.Objects != 2 || final.Parse.Format != "cloudfront" {
		t.Errorf("digest: %d objects, format %q; want the day's 2 CloudFront files", final.Parse.Objects, final.Parse.Format)
	}
	rep := st.report(final.Aggregate.Report.JSON)
	if rep.Input.Duplicates != 10 || rep.Input.Parsed != 60 {
		t.Errorf("digest input: parsed %d, duplicates %d; want 60 and the 10 rows both files hold", rep.Input.Parsed, rep.Input.Duplicates)
	}
	found := false
	for _, f := range rep.Findings {
		if strings.TrimSuffix(f.Actor, "/32") == "192.0.2.77" {
			found = true
			if f.Evidence.Requests != 50 {
				t.Errorf("digest: the prober's requests: %d, want 50 (each request once)", f.Evidence.Requests)
			}
		}
	}
	if !found {
		t.Errorf("digest: no finding for the prober")
	}
	if mails := st.emails(1, 10*time.Second); len(mails) != 1 {
		t.Fatalf("digest: %d emails, want one report for the day", len(mails))
	}
}
