package hostile

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/report"
)

// TestWriteDeterministic checks that two runs write the same bytes, which the
// exact counts in Cases rely on, and that the long lines are as long as said.
func TestWriteDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a); err != nil {
		t.Fatal(err)
	}
	if err := Write(b); err != nil {
		t.Fatal(err)
	}
	for _, f := range Files {
		x, y := digest(t, filepath.Join(a, f.Name)), digest(t, filepath.Join(b, f.Name))
		if x != y {
			t.Errorf("%s differs between runs", f.Name)
		}
	}
	fi, err := os.Stat(filepath.Join(a, "long-line.log"))
	if err != nil {
		t.Fatal(err)
	}
	short := int64(len(benign(0))) // benign lines 0 to 8 have the same length
	if want := LongLineBytes + 1 + (LongLineBefore+LongLineAfter)*short; fi.Size() != want {
		t.Errorf("long-line.log is %d bytes, want %d", fi.Size(), want)
	}
}

func digest(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return string(h.Sum(nil))
}

// The checks must be able to fail: each bad input below trips one.
func TestCheckRender(t *testing.T) {
	tests := []struct {
		format, out string
		show        []string
		bad         bool
	}{
		{"text", "UA \\x1b[2J shown escaped\n", nil, false},
		{"text", "UA \x1b[2J raw\n", nil, true},
		{"text", "NUL \x00 raw\n", nil, true},
		{"text", "invalid \xff byte\n", nil, true},
		{"html", "<p>&lt;script&gt;alert(1)</p>", []string{"alert("}, false},
		{"html", "<p><SCRIPT>alert(1)</p>", nil, true},
		{"html", "<p>&lt;script&gt;</p>", []string{"alert("}, true},      // payload left out
		{"html", strings.Repeat("\xff", 100) + "<p><script>", nil, true}, // invalid UTF-8 before the tag
		{"md", "- \u212a `\u212a <svg>` <svg>\n", nil, true},             // Kelvin sign: 3 bytes, lowers to 1
		{"md", "- \\<script\\> and `<img src=x>` and ``` a ` <svg> ```\n", nil, false},
		{"md", "- `a` <script> `b`\n", nil, true},
		{"md", "- ``` a `` <img src=x>\n", nil, true}, // unclosed span: literal backticks
		{"md", "[click](javascript:alert(1))\n", nil, true},
		{"md", "\\[click\\]\\(javascript:alert(1)\\)\n", nil, false},
	}
	for _, tt := range tests {
		got := CheckRender(tt.format, []byte(tt.out), tt.show...)
		if (len(got) > 0) != tt.bad {
			t.Errorf("CheckRender(%s, %q) = %q, want problems: %v", tt.format, tt.out, got, tt.bad)
		}
	}
}

func TestCheckInput(t *testing.T) {
	w := Want{Lines: 3, Parsed: 1, Skipped: 1, Rejected: 1, Reasons: map[string]int64{"field-count": 1}}
	good := report.Input{Lines: 3, Parsed: 1, Skipped: 1, Rejected: 1, Reasons: map[string]int64{"field-count": 1},
		Samples: []report.Rejection{{Line: 3, Reason: "field-count"}}}
	if bad := w.CheckInput(good); len(bad) > 0 {
		t.Fatalf("good input: %q", bad)
	}
	for name, mutate := range map[string]func(*report.Input){
		"sum":       func(in *report.Input) { in.Lines = 4 },
		"parsed":    func(in *report.Input) { in.Parsed, in.Skipped = 2, 0 },
		"reason":    func(in *report.Input) { in.Reasons = map[string]int64{"bad-time": 1} },
		"samples":   func(in *report.Input) { in.Samples = nil },
		"errors":    func(in *report.Input) { in.Errors = []string{"input ended early: boom"} },
		"unreasons": func(in *report.Input) { in.Reasons = nil },
	} {
		in := good
		in.Reasons = map[string]int64{"field-count": 1}
		mutate(&in)
		if bad := w.CheckInput(in); len(bad) == 0 {
			t.Errorf("%s: no problem found in %+v", name, in)
		}
	}
	early := Want{Lines: 1, Parsed: 1, EndedEarly: "unexpected EOF"}
	if bad := early.CheckInput(report.Input{Lines: 1, Parsed: 1}); len(bad) == 0 {
		t.Error("missing Input.Errors not found")
	}
	if bad := early.CheckInput(report.Input{Lines: 1, Parsed: 1, Errors: []string{"input ended early: x: unexpected EOF"}}); len(bad) > 0 {
		t.Errorf("ended early: %q", bad)
	}
}

func TestBombRatio(t *testing.T) {
	var b bytes.Buffer
	if err := writeBomb(&b); err != nil {
		t.Fatal(err)
	}
	// The point of a bomb: far smaller than what it inflates to.
	if inflated := int64(BombMembers * BombLinesPerMember * len(BombLine)); int64(b.Len())*100 > inflated {
		t.Errorf("bomb is %d bytes for %d inflated", b.Len(), inflated)
	}
}
