package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
