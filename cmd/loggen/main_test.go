package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1GB": 1 << 30, "500MB": 500 << 20, "1.5g": 3 << 29, "64k": 64 << 10, "1000": 1000, " 2 MB ": 2 << 20,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "-1MB", "lots", "0", "NaN", "inf", "1e30GB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.log")
	if err := run([]string{"-format", "combined", "-rows", "100", "-seed", "3", "-o", out}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 100 {
		t.Errorf("%d lines, want 100", n)
	}
	var stdout bytes.Buffer
	if err := run([]string{"-rows", "5"}, &stdout); err != nil || !strings.HasPrefix(stdout.String(), "date,time,") {
		t.Errorf("stdout: %v %q", err, stdout.String())
	}
	for _, args := range [][]string{{"-format", "xml"}, {"-size", "big"}, {"extra"}, {"-start", "yesterday"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%v) accepted", args)
		}
	}
}
