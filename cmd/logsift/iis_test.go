package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestIISLog analyses an IIS W3C log through the CLI, sniffed and hinted:
// the format is reported as iis, and a scan whose user name (logged with
// its spaces) holds another address is charged to c-ip.
func TestIISLog(t *testing.T) {
	var b strings.Builder
	b.WriteString("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-20 10:00:00\n" +
		"#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n")
	b.WriteString("2026-11-20 09:59:00 10.0.0.1 GET / - 443 - 100.64.0.1 Mozilla/5.0+(X11;+Linux+x86_64)+Firefox/120.0 - 200 0 0 5\n")
	for i, p := range []string{"/.env", "/.git/config", "/wp-config.php.bak", "/.aws/credentials", "/backup.sql", "/.env.bak"} {
		fmt.Fprintf(&b, "2026-11-20 10:00:%02d 10.0.0.1 GET %s - 443 x 8.8.8.8 203.0.113.9 sqlmap/1.7 - 404 0 2 3\n", i, p)
	}
	in := writeFile(t, "u_ex261120.log", b.String())
	for _, hint := range []string{"", "iis"} {
		args := []string{"analyze", "--format", "json", "--quiet"}
		if hint != "" {
			args = append(args, "--format-hint", hint)
		}
		var stdout, stderr bytes.Buffer
		if code := run(append(args, in), &stdout, &stderr); code != exitFindings {
			t.Fatalf("hint %q: exit %d; stderr: %s", hint, code, stderr.String())
		}
		var rep struct {
			clientReport
			Source struct {
				Format string `json:"format"`
			} `json:"source"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Source.Format != "iis" || rep.Input.Parsed != 7 || rep.Input.Rejected != 0 {
			t.Errorf("hint %q: source %+v, input %+v", hint, rep.Source, rep.Input)
		}
		if len(rep.Findings) != 1 || rep.Findings[0].Actor != "203.0.113.9" {
			t.Errorf("hint %q: findings %+v", hint, rep.Findings)
		}
	}
}
