package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// scanLines writes n failing probes from 203.0.113.9 whose Basic-auth user
// name (logged raw by nginx) is user(i).
func scanLines(n int, user func(i int) string) string {
	paths := []string{"/.env", "/.git/config", "/wp-config.php.bak", "/.aws/credentials", "/backup.sql", "/phpinfo.php", "/.env.bak", "/config.php.old"}
	var b strings.Builder
	b.WriteString(benignLine)
	for i := range n {
		fmt.Fprintf(&b, "203.0.113.9 - %s [20/Nov/2026:10:%02d:%02d +0000] \"GET %s HTTP/1.1\" 404 153 \"-\" \"sqlmap/1.7\"\n",
			user(i), i/60%60, i%60, paths[i%len(paths)])
	}
	return b.String()
}

type clientReport struct {
	Findings []struct {
		Actor string `json:"actor"`
	} `json:"findings"`
	Input struct {
		Parsed   int `json:"parsed"`
		Rejected int `json:"rejected"`
	} `json:"input"`
}

// TestUserFieldCannotChooseClient runs issue 9's attacks through the CLI,
// locally and through the staged (AWS) sequence: a user name cannot frame
// another address, hide in an allowlisted range, spread one client over
// many addresses, or get the lines rejected.
func TestUserFieldCannotChooseClient(t *testing.T) {
	allow := writeFile(t, "allow.json", `{"allow": {"cidrs": ["10.0.0.0/8"]}}`)
	tests := []struct {
		name  string
		n     int
		user  func(int) string
		extra []string
	}{
		{"frame another address", 8, func(int) string { return "8.8.8.8 x y" }, nil},
		{"hide in an allowlisted range", 8, func(int) string { return "10.1.2.3 x y" }, []string{"--config", allow}},
		{"a different address each time", 300, func(i int) string { return fmt.Sprintf("198.51.%d.%d x y", i/250, i%250) }, nil},
		{"a user name that is not an address", 8, func(int) string { return "bad.cafe x y" }, nil},
		{"a user name shaped like the time", 8, func(int) string { return "x [20/Nov/2026:09:00:00 +0000] 8.8.8.8" }, nil},
	}
	for _, tt := range tests {
		for _, staged := range []bool{false, true} {
			if staged && tt.n > 8 && testing.Short() {
				continue
			}
			t.Run(fmt.Sprintf("%s/staged=%v", tt.name, staged), func(t *testing.T) {
				in := writeFile(t, "access.log", scanLines(tt.n, tt.user))
				args := append([]string{"analyze", "--format", "json", "--quiet"}, tt.extra...)
				if staged {
					args = append(args, "--staged")
				}
				var stdout, stderr bytes.Buffer
				code := run(append(args, in), &stdout, &stderr)
				if code != exitFindings {
					t.Fatalf("exit %d, want %d (findings); stderr: %s", code, exitFindings, stderr.String())
				}
				var rep clientReport
				if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Input.Rejected != 0 || rep.Input.Parsed != tt.n+1 {
					t.Errorf("input %+v, want %d parsed and none rejected", rep.Input, tt.n+1)
				}
				if len(rep.Findings) != 1 || rep.Findings[0].Actor != "203.0.113.9" {
					t.Errorf("findings %+v, want 203.0.113.9 alone", rep.Findings)
				}
			})
		}
	}
}
