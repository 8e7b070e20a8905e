package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/hostile"
	"github.com/logsift/logsift/internal/report"
)

// hostileDeadline bounds one CLI run on a hostile file: a hang is a failure.
const hostileDeadline = 20 * time.Second

// runGuarded is run, failing the test on a panic or a run that does not
// return within hostileDeadline, instead of losing the whole test binary.
func runGuarded(t *testing.T, args []string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code           int
		stdout, stderr bytes.Buffer
		panic          any
	}
	done := make(chan *result, 1)
	go func() {
		r := new(result)
		defer func() {
			r.panic = recover()
			done <- r
		}()
		r.code = run(args, &r.stdout, &r.stderr)
	}()
	select {
	case r := <-done:
		if r.panic != nil {
			t.Fatalf("logsift %s: panic: %v", strings.Join(args, " "), r.panic)
		}
		return r.code, r.stdout.String(), r.stderr.String()
	case <-time.After(hostileDeadline):
		t.Fatalf("logsift %s: still running after %v", strings.Join(args, " "), hostileDeadline)
		return 0, "", ""
	}
}

// TestHostileInput runs every file of the hostile corpus through `logsift
// analyze`, locally and --staged: a file that is not a log exits 2 with one
// message naming the file and the reason; anything else gives a report whose
// input account matches the case, exit 1 exactly when attacks were planted,
// and renders that neutralise the attacker's bytes.
func TestHostileInput(t *testing.T) {
	gen := t.TempDir()
	if err := hostile.Write(gen); err != nil {
		t.Fatal(err)
	}
	for _, c := range hostile.Cases {
		name := c.Name
		if c.MaxInflatedBytes > 0 {
			name += fmt.Sprintf("/limit=%d", c.MaxInflatedBytes)
		}
		t.Run(name, func(t *testing.T) {
			if c.Skip != "" {
				t.Skip("known bug: " + c.Skip)
			}
			path := filepath.Join("..", "..", "testdata", "hostile", c.Name)
			if c.Generated {
				path = filepath.Join(gen, c.Name)
			}
			var limit []string
			if c.MaxInflatedBytes > 0 {
				limit = []string{"--max-inflated-bytes", strconv.FormatInt(c.MaxInflatedBytes, 10)}
			}
			for _, mode := range []string{"local", "staged"} {
				args := append([]string{"analyze", "--format", "json"}, limit...)
				if mode == "staged" {
					args = append(args, "--staged")
				}
				t.Run(mode, func(t *testing.T) { hostileRun(t, c.Want, append(args, path)) })
			}
			if c.Want.Err != nil {
				return
			}
			for _, format := range []string{"text", "md", "html"} {
				args := append(append([]string{"analyze", "--format", format}, limit...), path)
				code, stdout, stderr := runGuarded(t, args)
				if code == exitError {
					t.Fatalf("--format %s: exit %d: %s", format, code, stderr)
				}
				for _, p := range hostile.CheckRender(format, []byte(stdout), c.Want.Shows...) {
					t.Error(p)
				}
			}
		})
	}
}

func hostileRun(t *testing.T, w hostile.Want, args []string) {
	path := args[len(args)-1]
	code, stdout, stderr := runGuarded(t, args)
	if w.Err != nil {
		if code != exitError || stdout != "" {
			t.Errorf("exit %d with %d bytes on stdout, want exit %d and nothing", code, len(stdout), exitError)
		}
		// One line on stderr, naming the file (the staged run names the
		// object it copied the file to) and the reason.
		if !strings.HasPrefix(stderr, "logsift: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("stderr is not one logsift: message: %q", stderr)
		}
		if !strings.Contains(stderr, filepath.Base(path)) || !strings.Contains(stderr, w.Reason) {
			t.Errorf("stderr %q does not name the file %s and the reason %q", stderr, filepath.Base(path), w.Reason)
		}
		return
	}
	want := exitClean
	if w.Findings {
		want = exitFindings
	}
	if code != want {
		t.Errorf("exit %d, want %d; stderr: %s", code, want, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%.500s", err, stdout)
	}
	for _, p := range w.CheckInput(rep.Input) {
		t.Error(p)
	}
}
