package fetch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/amplify"

	"github.com/logsift/logsift/internal/amplifytest"
	"github.com/logsift/logsift/internal/store"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindows(t *testing.T) {
	now := day("2026-11-30T00:20:00Z")
	w := func(a, b string) Window { return Window{day(a), day(b)} }
	tests := []struct {
		name string
		last time.Time
		now  time.Time
		want []Window
	}{
		{"first run takes the last day", time.Time{}, now, []Window{w("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z")}},
		{"daily run", day("2026-11-29T00:00:00Z"), now, []Window{w("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z")}},
		{"up to date", day("2026-11-30T00:00:00Z"), now, nil},
		{"within the hour: nothing yet", day("2026-11-30T00:00:00Z"), day("2026-11-30T00:59:59Z"), nil},
		{"missed days in steps of a day", day("2026-11-27T00:00:00Z"), now, []Window{
			w("2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"),
			w("2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z"),
			w("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z"),
		}},
		{"an odd hour catches up to the last full hour", day("2026-11-29T07:00:00Z"), day("2026-11-30T09:45:00Z"), []Window{
			w("2026-11-29T07:00:00Z", "2026-11-30T07:00:00Z"),
			w("2026-11-30T07:00:00Z", "2026-11-30T09:00:00Z"),
		}},
		{"first run mid-day is hour-aligned", time.Time{}, day("2026-11-30T13:30:00+02:00"), []Window{w("2026-11-29T11:00:00Z", "2026-11-30T11:00:00Z")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Windows(tt.last, tt.now)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Windows = %v\nwant %v", got, tt.want)
			}
		})
	}
	t.Run("never further back than two weeks", func(t *testing.T) {
		got := Windows(day("2026-10-01T00:00:00Z"), now)
		if len(got) != 14 || !got[0].Start.Equal(day("2026-11-16T00:00:00Z")) || !got[13].End.Equal(day("2026-11-30T00:00:00Z")) {
			t.Errorf("got %d windows from %v", len(got), got[0])
		}
		for i := 1; i < len(got); i++ {
			if !got[i].Start.Equal(got[i-1].End) || got[i].End.Sub(got[i].Start) > MaxWindow {
				t.Fatalf("windows %v and %v", got[i-1], got[i])
			}
		}
	})
}

func TestParseApps(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"", "[]", ""},
		{"d1abc:example.com", "[d1abc (example.com)]", ""},
		{" d1abc:example.com , d2xyz:www.example.org. ", "[d1abc (example.com) d2xyz (www.example.org)]", ""},
		{"d1abc", "", "want appId:domain"},
		{"D1ABC:example.com", "", "not an Amplify app id"},
		{"d1abc:../../etc", "", "not a domain"},
		{"d1abc:-bad.example.com", "", "not a domain"},
		{"d1abc:localhost", "", "not a domain"},
		{"d1abc:exa_mple.com", "", "not a domain"},
	}
	for _, tt := range tests {
		apps, err := ParseApps(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseApps(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || fmt.Sprint(apps) != tt.want && !(tt.want == "[]" && apps == nil) {
			t.Errorf("ParseApps(%q) = %v, %v; want %s", tt.in, apps, err, tt.want)
		}
	}
}

func TestParseDigests(t *testing.T) {
	tests := []struct {
		in, err string
		n       int
	}{
		{"", "", 0},
		{"logs/cloudfront/E2ABCDEF.{yyyy}-{MM}-{dd}-, logs/alb/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/", "", 2},
		{"other/E2.{yyyy}-{MM}-{dd}-", "not under the log prefix", 0},
		{"logs/cf/E2.{yyyy}-{MM}-", "must name the day", 0},
		{"logs/cf/E2.{YYYY}-{MM}-{dd}-", "unknown placeholder", 0},
	}
	for _, tt := range tests {
		d, err := ParseDigests(tt.in, "logs/", "123456789012", "eu-west-1")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDigests(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseDigests(%q): %v", tt.in, err)
		}
		if n := 0; d != nil {
			n = len(d.Templates)
			if n != tt.n {
				t.Errorf("ParseDigests(%q): %d templates, want %d", tt.in, n, tt.n)
			}
		} else if tt.n != 0 {
			t.Errorf("ParseDigests(%q) = nil", tt.in)
		}
	}
	d, _ := ParseDigests("logs/alb/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/", "logs/", "123456789012", "eu-west-1")
	if got, want := d.Expand(d.Templates[0], day("2026-03-07T00:00:00Z")), "logs/alb/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/03/07/"; got != want {
		t.Errorf("Expand = %q, want %q", got, want)
	}
}

func TestDigestWrite(t *testing.T) {
	ctx := context.Background()
	st := store.Dir{Root: t.TempDir()}
	for _, k := range []string{
		"logs/cloudfront/E2ABCDEF.2026-11-29-10.abc.gz",
		"logs/cloudfront/E2ABCDEF.2026-11-30-00.abc.gz", // the next day: not in the digest
		"logs/alb/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/28/x.log.gz",
	} {
		if err := st.Put(ctx, k, strings.NewReader("x"), ""); err != nil {
			t.Fatal(err)
		}
	}
	d, err := ParseDigests("logs/cloudfront/E2ABCDEF.{yyyy}-{MM}-{dd}-,logs/alb/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/", "logs/", "123456789012", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := d.Write(ctx, st, "uploads/", day("2026-11-29T00:00:00Z"))
	if err != nil || key != "uploads/digests/2026-11-29.txt" {
		t.Fatalf("Write = %q, %v", key, err)
	}
	b, _ := os.ReadFile(filepath.Join(st.Root, key))
	want := "# logsift manifest\n# daily digest of 2026-11-29 (UTC), written by logsift's fetch function\nlogs/cloudfront/E2ABCDEF.2026-11-29-\n"
	if string(b) != want {
		t.Errorf("manifest:\n%s\nwant (the ALB prefix of that day is empty):\n%s", b, want)
	}
	// A day with no log anywhere writes nothing: a manifest naming nothing fails its run.
	key, err = d.Write(ctx, st, "uploads/", day("2026-11-20T00:00:00Z"))
	if err != nil || key != "" {
		t.Errorf("empty day: Write = %q, %v", key, err)
	}
}

// rig is a Fetcher on a folder, talking to an Amplify test server through the real SDK client.
type rig struct {
	srv   *amplifytest.Server
	st    store.Dir
	f     *Fetcher
	mails []string
}

func (r *rig) Notify(_ context.Context, subject, body string) (string, error) {
	r.mails = append(r.mails, subject+"\n"+body)
	return "m", nil
}

const testApp, testDomain = "d1abc2def3", "example.com"

func newRig(t *testing.T, maxAttempts int) *rig {
	t.Helper()
	srv := amplifytest.New()
	t.Cleanup(srv.Close)
	srv.AddApp(testApp, testDomain)
	api := amplify.New(amplify.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: maxAttempts,
	})
	r := &rig{srv: srv, st: store.Dir{Root: t.TempDir()}}
	r.f = &Fetcher{Store: r.st, Amplify: &Client{API: api}, Notifier: r, Apps: []App{{testApp, testDomain}}, TempDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	return r
}

// addHours logs one request at minute 30 of every hour in [from, to).
func (r *rig) addHours(from, to time.Time) {
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		at := h.Add(30 * time.Minute)
		r.srv.AddRow(testApp, testDomain, at, amplifytest.Row(at, "198.51.100.7", "/", 200, "id-"+at.Format("0102T15"), "www.example.com"))
	}
}

func (r *rig) object(t *testing.T, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.st.Root, key))
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	return string(b)
}

func (r *rig) stateEnd(t *testing.T) string {
	st, err := r.f.loadState(context.Background(), App{testApp, testDomain})
	if err != nil {
		t.Fatal(err)
	}
	if st.End.IsZero() {
		return ""
	}
	return st.End.Format(time.RFC3339)
}

func TestRunFetchesWindowsOnce(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, 1)
	r.addHours(day("2026-11-27T00:00:00Z"), day("2026-11-30T02:00:00Z"))
	ev := Event{ScheduledTime: "2026-11-30T00:20:00Z"}

	res, err := r.f.Run(ctx, ev)
	if err != nil || len(res.Failures) != 0 {
		t.Fatalf("Run: %v %+v", err, res)
	}
	wantKey := "uploads/amplify/d1abc2def3/example.com/20261129T0000Z_20261130T0000Z.csv"
	if len(res.Uploaded) != 1 || res.Uploaded[0] != wantKey {
		t.Fatalf("uploaded %v, want [%s]", res.Uploaded, wantKey)
	}
	body := r.object(t, wantKey)
	if lines := strings.Count(body, "\n"); lines != 25 || !strings.HasPrefix(body, "date,time,") {
		t.Errorf("object has %d lines, want the header and the day's 24 rows", lines)
	}
	if strings.Contains(body, "2026-11-30,00:30") || strings.Contains(body, "2026-11-28,23:30") {
		t.Error("object holds rows outside its window")
	}
	req := r.srv.Requests()[0]
	if !req.Start.Equal(day("2026-11-29T00:00:00Z")) || !req.End.Equal(day("2026-11-29T23:59:59Z")) || req.Domain != testDomain {
		t.Errorf("GenerateAccessLogs got %+v; its range includes the end, so it must stop a second early", req)
	}
	if got := r.stateEnd(t); got != "2026-11-30T00:00:00Z" {
		t.Errorf("state %s", got)
	}

	// The same schedule again (a retried invoke): nothing new to fetch.
	res, err = r.f.Run(ctx, ev)
	if err != nil || len(res.Uploaded) != 0 || len(r.srv.Requests()) != 1 {
		t.Errorf("second run: %v %+v, %d requests", err, res, len(r.srv.Requests()))
	}
	// A repeated window (state lost after the upload) writes the same key with the same bytes.
	os.Remove(filepath.Join(r.st.Root, r.f.stateKey(App{testApp, testDomain})))
	if _, err := r.f.Run(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if again := r.object(t, wantKey); again != body {
		t.Error("a repeated window wrote different bytes")
	}
	if len(r.mails) != 0 {
		t.Errorf("emails: %q", r.mails)
	}
}

func TestRunCatchesUpAndEmptyWindows(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, 1)
	// Nothing on the 28th.
	r.addHours(day("2026-11-27T00:00:00Z"), day("2026-11-28T00:00:00Z"))
	r.addHours(day("2026-11-29T00:00:00Z"), day("2026-11-30T00:00:00Z"))
	if err := r.f.saveState(ctx, App{testApp, testDomain}, state{End: day("2026-11-27T00:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	res, err := r.f.Run(ctx, Event{ScheduledTime: "2026-11-30T00:20:00Z"})
	if err != nil || len(res.Failures) != 0 {
		t.Fatalf("Run: %v %+v", err, res)
	}
	if len(res.Uploaded) != 2 || res.Empty != 1 {
		t.Errorf("uploaded %v, %d empty; want two days and one empty window", res.Uploaded, res.Empty)
	}
	if got := r.stateEnd(t); got != "2026-11-30T00:00:00Z" {
		t.Errorf("state %s", got)
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(r *rig)
		reason string
	}{
		{"app not found", func(r *rig) { r.f.Apps = []App{{"d9zzz", testDomain}} }, "app or domain not found (NotFoundException"},
		{"domain not found", func(r *rig) { r.f.Apps = []App{{testApp, "other.example.com"}} }, "Domain other.example.com not found"},
		{"unauthorized", func(r *rig) { r.srv.FailNext(testApp, 5, amplifytest.ErrUnauthorized) }, "access denied (UnauthorizedException"},
		{"throttled", func(r *rig) { r.srv.FailNext(testApp, 5, amplifytest.ErrLimit) }, "throttled by Amplify after retries (LimitExceededException"},
		{"throttling", func(r *rig) { r.srv.FailNext(testApp, 5, amplifytest.ErrThrottling) }, "throttled by Amplify after retries (ThrottlingException"},
		{"internal", func(r *rig) { r.srv.FailNext(testApp, 5, amplifytest.ErrInternal) }, "Amplify failed (InternalFailureException"},
		{"expired URL", func(r *rig) { r.srv.SetExpired(true) }, "HTTP 403 AccessDenied: Request has expired"},
		{"cut download", func(r *rig) { r.srv.CutAfter(600) }, "download from"},
		{"too large", func(r *rig) { r.f.Amplify.MaxBytes = 1000 }, "larger than the download limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 2)
			r.addHours(day("2026-11-28T00:00:00Z"), day("2026-11-30T00:00:00Z"))
			tt.setup(r)
			prev := day("2026-11-28T00:00:00Z")
			r.f.saveState(context.Background(), r.f.Apps[0], state{End: prev})
			res, err := r.f.Run(context.Background(), Event{ScheduledTime: "2026-11-30T00:20:00Z"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Uploaded) != 0 || len(res.Failures) != 1 || !res.Emailed {
				t.Fatalf("result %+v: want no upload and one failure, emailed", res)
			}
			if len(r.mails) != 1 {
				t.Fatalf("%d emails, want 1", len(r.mails))
			}
			mail := r.mails[0]
			app := r.f.Apps[0]
			for _, want := range []string{app.ID, app.Domain, "2026-11-28 00:00 to 2026-11-29 00:00 UTC", tt.reason} {
				if !strings.Contains(mail, want) {
					t.Errorf("email does not name %q:\n%s", want, mail)
				}
			}
			if strings.Contains(mail, "X-Amz-Signature") || strings.Contains(mail, "X-Amz-Credential") {
				t.Errorf("email leaks the presigned URL:\n%s", mail)
			}
			st, _ := r.f.loadState(context.Background(), app)
			if !st.End.Equal(prev) {
				t.Errorf("state moved to %v", st.End)
			}
			if objs, _, _ := r.st.List(context.Background(), "uploads/", 10); len(objs) != 0 {
				t.Errorf("objects written: %v", objs)
			}
		})
	}
}

func TestRunStopsAtFirstFailedWindow(t *testing.T) {
	r := newRig(t, 1)
	r.addHours(day("2026-11-27T00:00:00Z"), day("2026-11-30T00:00:00Z"))
	app := App{testApp, testDomain}
	r.f.saveState(context.Background(), app, state{End: day("2026-11-27T00:00:00Z")})
	// The first window succeeds, the second is throttled: the state stops between them.
	r.srv.AddRow(testApp, testDomain, day("2026-11-27T00:00:00Z"), amplifytest.Row(day("2026-11-27T00:00:00Z"), "192.0.2.1", "/", 200, "x", "www.example.com"))
	first, err := r.f.Run(context.Background(), Event{ScheduledTime: "2026-11-28T00:20:00Z"})
	if err != nil || len(first.Uploaded) != 1 {
		t.Fatalf("first: %v %+v", err, first)
	}
	r.srv.FailNext(testApp, 1, amplifytest.ErrLimit)
	res, err := r.f.Run(context.Background(), Event{ScheduledTime: "2026-11-30T00:20:00Z"})
	if err != nil || len(res.Failures) != 1 || len(res.Uploaded) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	if got := r.stateEnd(t); got != "2026-11-28T00:00:00Z" {
		t.Errorf("state %s", got)
	}
	res, _ = r.f.Run(context.Background(), Event{ScheduledTime: "2026-11-30T00:20:00Z"})
	if len(res.Uploaded) != 2 || r.stateEnd(t) != "2026-11-30T00:00:00Z" {
		t.Errorf("next run: %+v, state %s", res, r.stateEnd(t))
	}
}
