package notify

import (
	"strings"
	"testing"
)

func TestCleanSubject(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(string) bool
	}{
		{"plain", "logsift: 3 attackers in access.csv", func(s string) bool { return s == "logsift: 3 attackers in access.csv" }},
		{"newline", "a\r\nBcc: x@example.com", func(s string) bool { return !strings.ContainsAny(s, "\r\n") }},
		{"long", strings.Repeat("x", 500), func(s string) bool { return len(s) == maxSubject }},
		{"unicode", "caf\u00e9 \u202e", func(s string) bool { return s == "caf? ?" }},
		{"empty", "\x00\x01", func(s string) bool { return s == "logsift report" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanSubject(tt.in)
			if !tt.check(got) {
				t.Errorf("cleanSubject(%q) = %q", tt.in, got)
			}
		})
	}
}
