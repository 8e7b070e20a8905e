// Package testfiles finds the fixtures tests read: the repository's own
// testdata/ (MIT and Apache-2.0 files, see NOTICE) and the GPL and Elastic
// License files kept beside the repository in ../shared/testdata.
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

// Shared reads rel under ../shared/testdata. When that folder is missing the
// test is skipped, except in CI (CI set), where it is a failure.
func Shared(t testing.TB, rel string) []byte {
	t.Helper()
	dir := filepath.Join(Root(t), "..", "shared", "testdata")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared test data missing: %v", err)
		}
		t.Skipf("shared test data not found at %s (licensed fixtures are kept outside the repo)", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
