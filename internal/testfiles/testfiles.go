// Package testfiles finds the fixtures tests read, all under the repository's
// own testdata/ (third-party files and their licences are listed in NOTICE),
// so that a clone of the repository alone passes its tests.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

// Root walks up from the test's working directory (its package) to the
// directory holding go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// Path is the path of rel under the repository's testdata/.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Root(t), "testdata", filepath.FromSlash(rel))
}

// Read reads rel under the repository's testdata/.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
