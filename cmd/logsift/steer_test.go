package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/steer"
)

// TestSteeredVerdicts runs every steer case through the CLI: the verdict the
// people in the log tried to steer holds.
func TestSteeredVerdicts(t *testing.T) {
	for _, c := range steer.Cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "access.log")
			if err := c.WriteFile(in); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "report.json")
			var stdout, stderr bytes.Buffer
			if code := run([]string{"analyze", "--format", "json", "--out", out, in}, &stdout, &stderr); code == exitError {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var r report.Report
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Check(&r) {
				t.Error(p)
			}
		})
	}
}

// A planted page is suspicious activity: the exit status says so at its
// severity, though none of its visitors is a finding.
func TestPlantedPageExitStatus(t *testing.T) {
	in := filepath.Join(t.TempDir(), "access.log")
	i := slices.IndexFunc(steer.Cases, func(c steer.Case) bool { return c.Name == "planted-payload-alone-combined" })
	if err := steer.Cases[i].WriteFile(in); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"at its severity", []string{"analyze", "--quiet", in}, exitFindings},
		{"below --fail-on", []string{"analyze", "--quiet", "--fail-on", "critical", in}, exitClean},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.want, stderr.String())
			}
		})
	}
}
