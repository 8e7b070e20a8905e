package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/bedrocktest"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const benignLine = `100.64.0.1 - - [20/Nov/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"` + "\n"

func TestRun(t *testing.T) {
	attack := benignLine +
		`198.51.100.23 - - [20/Nov/2026:08:00:01 +0000] "GET /.env HTTP/1.1" 200 931 "-" "curl/8.0"` + "\n" +
		`198.51.100.23 - - [20/Nov/2026:08:00:02 +0000] "GET /.git/config HTTP/1.1" 200 220 "-" "curl/8.0"` + "\n" +
		`198.51.100.23 - - [20/Nov/2026:08:00:03 +0000] "GET /.aws/credentials HTTP/1.1" 404 0 "-" "curl/8.0"` + "\n"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no args", nil, exitError, "", "usage"},
		{"unknown command", []string{"scan"}, exitError, "", "unknown command"},
		{"missing file", []string{"analyze", "/nonexistent/access.log"}, exitError, "", "no such file"},
		{"not a log", []string{"analyze", writeFile(t, "notes.txt", "Dear diary,\nToday I wrote no logs at all.\nNone.\n")}, exitError, "", "not a log"},
		{"bad format flag", []string{"analyze", "--format", "pdf", writeFile(t, "a.log", benignLine)}, exitError, "", "--format"},
		{"clean log", []string{"analyze", writeFile(t, "clean.log", benignLine)}, exitClean, "", ""},
		{"attack", []string{"analyze", writeFile(t, "attack.log", attack)}, exitFindings, "198.51.100.23", ""},
		{"fail-on critical", []string{"analyze", "--fail-on", "critical", writeFile(t, "attack2.log", attack)}, exitClean, "198.51.100.23", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
			if !strings.Contains(strings.ToLower(stderr.String()), strings.ToLower(tt.wantStderr)) {
				t.Errorf("stderr lacks %q: %s", tt.wantStderr, stderr.String())
			}
		})
	}
}

func TestRunJSONToFile(t *testing.T) {
	in := writeFile(t, "a.log", benignLine+`203.0.113.5 - - [20/Nov/2026:08:00:01 +0000] "GET /?q=${jndi:ldap://x/a} HTTP/1.1" 404 0 "-" "-"`+"\n")
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"analyze", "--format", "json", "--out", out, in}, &stdout, &stderr); code != exitFindings {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("report went to stdout with --out")
	}
	var rep struct {
		SchemaVersion string `json:"schema_version"`
		Findings      []struct {
			Actor      string   `json:"actor"`
			Severity   string   `json:"severity"`
			Categories []string `json:"categories"`
		} `json:"findings"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion == "" || len(rep.Findings) != 1 || rep.Findings[0].Actor != "203.0.113.5" {
		t.Fatalf("unexpected report: %s", b)
	}
	if rep.Findings[0].Severity == "" || len(rep.Findings[0].Categories) == 0 {
		t.Errorf("finding lacks severity or categories: %+v", rep.Findings[0])
	}
}

func TestExampleLog(t *testing.T) {
	const example = "../../examples/access-logs.csv"
	if _, err := os.Stat(example); err != nil {
		t.Fatalf("the README's sample log is missing: %v", err)
	}
	for _, staged := range []bool{false, true} {
		args := []string{"analyze"}
		if staged {
			args = append(args, "--staged")
		}
		var stdout, stderr bytes.Buffer
		code := run(append(args, example), &stdout, &stderr)
		if code != exitFindings {
			t.Fatalf("staged=%v: exit %d, want %d (the sample has attacks); stderr: %s", staged, code, exitFindings, stderr.String())
		}
		if stdout.Len() == 0 {
			t.Errorf("staged=%v: empty report", staged)
		}
	}
}

// TestErrorMessageEscaped checks that a file name carrying terminal escapes
// and a newline is shown escaped in the one-line error on stderr.
func TestErrorMessageEscaped(t *testing.T) {
	name := filepath.Join(t.TempDir(), "a\x1b]0;owned\x07\nb\u202e.log")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"analyze", name}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	msg := stderr.String()
	if strings.ContainsAny(msg, "\x1b\x07\u202e") || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "logsift: ") {
		t.Errorf("stderr %q is not one escaped line", msg)
	}
	if !strings.Contains(msg, `a\x1b]0;owned\a\nb\u202e.log`) {
		t.Errorf("stderr %q does not show the name escaped", msg)
	}
}

// TestFlagsAfterFiles checks that flags may follow the file names, and that
// after "--" a name that looks like a flag is a file.
func TestFlagsAfterFiles(t *testing.T) {
	in := writeFile(t, "a.log", benignLine)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"analyze", in, "--format", "json", "--fail-on", "high"}, &stdout, &stderr); code != exitClean {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !json.Valid(stdout.Bytes()) {
		t.Errorf("--format after the file was not applied: %.80q", stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"analyze", "--", in, "--quiet"}, &stdout, &stderr); code != exitError || !strings.Contains(stderr.String(), "--quiet") {
		t.Errorf("after --, --quiet should be a (missing) file: exit %d, stderr %q", code, stderr.String())
	}
}

// A model that cannot be used: the report says what happened, in its notes,
// and the CLI says why and what to do about that cause from a laptop; the
// advice for a person at a terminal is not in the report, which on AWS goes
// by email.
func TestModelUnavailableAdvice(t *testing.T) {
	attack := benignLine + `198.51.100.23 - - [20/Nov/2026:08:00:01 +0000] "GET /.env HTTP/1.1" 200 931 "-" "curl/8.0"` + "\n" +
		`198.51.100.23 - - [20/Nov/2026:08:00:02 +0000] "GET /.git/config HTTP/1.1" 200 220 "-" "curl/8.0"` + "\n"
	const model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
	tests := []struct {
		name        string
		reply       bedrocktest.Reply
		notes, hint string // in the report's notes; on stderr
	}{
		{"no model access", bedrocktest.NoModelAccess(), "access to " + model + " was denied in us-east-1", "enable access to the model"},
		{"no Marketplace subscription", bedrocktest.NoMarketplaceSubscription(), "no AWS Marketplace subscription", "from the Bedrock console's playground"},
		{"use-case form", bedrocktest.UseCaseFormMissing(), "use-case form has not been submitted", "use-case form in the Bedrock console"},
		{"invalid model id", bedrocktest.InvalidModelID(), model, "inference-profile prefix"},
		{"not authorized", bedrocktest.NotAuthorized("arn:aws:iam::123456789012:user/dev", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"+model), "IAM policy does not allow", "your AWS identity may not call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := bedrocktest.NewServer(func(bedrocktest.Request) bedrocktest.Reply { return tt.reply })
			defer srv.Close()
			dir := t.TempDir()
			for k, v := range map[string]string{
				"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
				"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
				"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": srv.URL,
			} {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"analyze", "--model", model, "--region", "us-east-1", "--format", "json", writeFile(t, "a.log", attack)}, &stdout, &stderr)
			if code != exitFindings {
				t.Fatalf("exit %d; stderr: %s", code, stderr.String())
			}
			var rep struct {
				Analysis struct {
					ModelUnavailable bool     `json:"model_unavailable"`
					Notes            []string `json:"notes"`
				} `json:"analysis"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(rep.Analysis.Notes, "\n")
			if !rep.Analysis.ModelUnavailable || !strings.Contains(notes, tt.notes) {
				t.Errorf("report does not say what happened: %q", notes)
			}
			if strings.Contains(notes, "--") || strings.Contains(notes, tt.hint) {
				t.Errorf("CLI advice in the report: %q", notes)
			}
			if msg := stderr.String(); !strings.Contains(msg, tt.hint) || !strings.Contains(msg, "run without --model") {
				t.Errorf("stderr does not say what to do (%q): %s", tt.hint, msg)
			}
		})
	}
}
