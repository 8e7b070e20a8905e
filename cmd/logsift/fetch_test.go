package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/amplifytest"
	"github.com/logsift/logsift/internal/report"
)

func amplifyServer(t *testing.T) *amplifytest.Server {
	t.Helper()
	srv := amplifytest.New()
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_AMPLIFY", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return srv
}

// TestFetchThenAnalyze: two downloads of overlapping ranges, analysed together, count the
// requests they share once.
func TestFetchThenAnalyze(t *testing.T) {
	srv := amplifyServer(t)
	srv.AddApp("d1abc", "example.com")
	now := time.Now().UTC()
	// One request every 5 minutes over the last 3 hours; a prober in the last hour.
	n := 0
	for at := now.Add(-3 * time.Hour); at.Before(now); at = at.Add(5 * time.Minute) {
		n++
		srv.AddRow("d1abc", "example.com", at, amplifytest.Row(at, "192.0.2.10", "/", 200, "id-"+at.Format("150405"), "www.example.com"))
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for _, c := range []struct{ since, out string }{{"3h", a}, {"1h", b}} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"fetch", "--app-id", "d1abc", "--domain", "example.com", "--since", c.since, "-o", c.out}, &stdout, &stderr); code != exitClean {
			t.Fatalf("fetch --since %s: exit %d: %s", c.since, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "rows to "+c.out) {
			t.Errorf("fetch summary: %s", stderr.String())
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Domain != "example.com" || now.Sub(reqs[0].Start) < 3*time.Hour-time.Minute {
		t.Fatalf("GenerateAccessLogs calls: %+v", reqs)
	}
	bBody, _ := os.ReadFile(b)
	shared := int64(strings.Count(string(bBody), "\n") - 1)

	var stdout, stderr bytes.Buffer
	run([]string{"analyze", "--format", "json", a, b}, &stdout, &stderr)
	var rep report.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("analyze: %v\n%s", err, stderr.String())
	}
	aBody, _ := os.ReadFile(a)
	if total := int64(strings.Count(string(aBody), "\n") - 1); total < int64(n)-1 || rep.Input.Duplicates != shared || rep.Input.Parsed != total+shared {
		t.Errorf("a has %d rows, b %d; report parsed %d, duplicates %d; want b's rows counted as duplicates", total, shared, rep.Input.Parsed, rep.Input.Duplicates)
	}
}

func TestFetchErrors(t *testing.T) {
	srv := amplifyServer(t)
	srv.AddApp("d1abc", "example.com")
	out := filepath.Join(t.TempDir(), "x.csv")
	tests := []struct {
		name  string
		args  []string
		setup func()
		want  string
	}{
		{"no app", []string{"--domain", "example.com"}, nil, "not an Amplify app id"},
		{"bad since", []string{"--app-id", "d1abc", "--domain", "example.com", "--since", "400h"}, nil, "--since"},
		{"unknown app", []string{"--app-id", "d2zzz", "--domain", "example.com", "-o", out}, nil, "app or domain not found"},
		{"denied", []string{"--app-id", "d1abc", "--domain", "example.com", "-o", out}, func() { srv.FailNext("d1abc", 1, amplifytest.ErrUnauthorized) }, "access denied (UnauthorizedException"},
		{"expired", []string{"--app-id", "d1abc", "--domain", "example.com", "-o", out}, func() { srv.SetExpired(true) }, "403 AccessDenied: Request has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"fetch"}, tt.args...), &stdout, &stderr); code != exitError {
				t.Fatalf("exit %d, want %d", code, exitError)
			}
			if !strings.Contains(stderr.String(), tt.want) || strings.Contains(stderr.String(), "X-Amz-Signature") {
				t.Errorf("stderr %q, want %q and no presigned URL", stderr.String(), tt.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a failed fetch left a file")
			}
		})
	}
}
