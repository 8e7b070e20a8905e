package pipeline

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/logsift/logsift/internal/steer"
)

// TestSteeredVerdictsStaged runs every steer case through the staged (AWS)
// sequence, in several chunks, and locally: both reach the verdict.
func TestSteeredVerdictsStaged(t *testing.T) {
	for _, c := range steer.Cases {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			if err := c.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			st := newStages(t)
			st.ChunkBytes = 8 << 10
			staged, _, err := st.RunStaged(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Check(staged) {
				t.Error("staged:", p)
			}
			local, err := newStages(t).AnalyzeFiles(context.Background(), []string{path}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Check(local) {
				t.Error("local:", p)
			}
		})
	}
}
