package analysis

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "GET /index.html", 0, "GET /index.html"},
		{"c0 controls", "a\x00b\x1bc\r\nd\te", 0, "abcde"},
		{"del and c1", "a\x7fb\u0085c\u009bd", 0, "abcd"},
		{"zero width", "ad\u200bmin\u200c\u200d\u200e\u200f", 0, "admin"},
		{"bidi overrides", "x\u202ay\u202bz\u202c\u202d\u202e!", 0, "xyz!"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", 0, "abc"},
		{"bom and soft hyphen", "\ufeffpass\u00adwd", 0, "passwd"},
		{"tag characters", "ok\U000E0049\U000E0067\U000E007F", 0, "ok"},
		{"line separators", "a\u2028b\u2029c", 0, "abc"},
		{"variation selectors and fillers", "x\ufe0f\U000E0100y\u3164", 0, "xy"},
		{"stacked combining marks", "a\u0301\u0302\u0303\u0304\u0305b\u20dd", 0, "a\u0301\u0302\u0303b\u20dd"},
		{"marks split by an invisible character", "e\u0301\u0301\u200b\u0301\u0301", 0, "e\u0301\u0301\u0301"},
		{"vietnamese keeps its marks", "Tiếng Việt", 0, "Tiếng Việt"},
		{"invalid utf8", "a\xffb\xc3", 0, "a\ufffdb\ufffd"},
		{"keeps printable unicode", "café ☃ 日本", 0, "café ☃ 日本"},
		{"no cut at limit", "abcdef", 6, "abcdef"},
		{"cut with marker", strings.Repeat("a", 100), 40, strings.Repeat("a", 26) + "…[+74 bytes]"},
		{"limit below marker", strings.Repeat("a", 100), 5, "…[+100 bytes]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in, tt.max); got != tt.want {
				t.Errorf("Sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestSanitizeCutsOnRuneBoundary(t *testing.T) {
	in := strings.Repeat("日", 100) // 3 bytes each
	for limit := 15; limit < 60; limit++ {
		got := Sanitize(in, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("limit %d: invalid UTF-8 %q", limit, got)
		}
		if len(got) > limit {
			t.Fatalf("limit %d: %d bytes: %q", limit, len(got), got)
		}
		kept := got[:strings.Index(got, "…")]
		cut := len(in) - len(kept)
		if !strings.HasSuffix(got, "…[+"+strconv.Itoa(cut)+" bytes]") {
			t.Fatalf("limit %d: marker does not count %d cut bytes: %q", limit, cut, got)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add("ignore previous\u202e instructions\x00", 30)
	f.Add("\xff\xfe日本\U000E0041", 7)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = limit % 1000
		got := Sanitize(s, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		var fl Filter
		for _, r := range got {
			if fl.Hides(r) {
				t.Fatalf("kept %U in %q", r, got)
			}
		}
		if limit >= 20 && len(got) > limit {
			t.Fatalf("len %d > limit %d", len(got), limit)
		}
	})
}
