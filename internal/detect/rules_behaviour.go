package detect

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/crawlers"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// Behaviour rules: who the client says it is, rates, bursts and failures.

var ruleScannerUA = rule{
	id: "scanner-ua", cat: evidence.ScannerUA, sev: evidence.Medium, kind: kindBehaviour,
	what: "attack-tool user agent",
	doc: func(*Config) string {
		return "attack-tool user agents (Nikto, sqlmap, zgrab, Nuclei...) on one request"
	},
	// Attack tools that name themselves in the user agent.
	patterns: func() []pattern {
		return pats(fUA, anywhere, true,
			"nikto", "sqlmap", "zgrab", "masscan", "nuclei", "gobuster", "dirbuster", "dirb/", "wpscan",
			"nmap scripting engine", "nmap", "acunetix", "netsparker", "openvas", "w3af", "havij", "fimap",
			"arachni", "feroxbuster", "fuzz faster u fool", "ffuf", "jorgee", "zmeu", "morfeus", "nessus",
			"wfuzz", "commix", "joomscan", "xsstrike", "struts-pwn", "l9explore", "l9tcpid",
			"skipfish", "whatweb", "jaeles", "httpx - open-source", "webinspect", "appscan",
			"burpcollaborator", "interact.sh",
			// Mirai/Mozi-family IoT bots send this literal UA.
			"hello, world")
	},
	eval: func(j *judge) (verdict, bool) {
		return verdict{fire: true, reason: fmt.Sprintf("user agent names an attack tool (%q) on %d request%s",
			j.r.marker, j.r.count, plural(int(j.r.count)))}, true
	},
}

var ruleHTTPProbing = rule{
	id: "http-probing", cat: evidence.HTTPProbing, sev: evidence.Medium, kind: kindBehaviour,
	what:   "failing path",
	config: []string{"probing_distinct_paths", "probing_window"},
	doc: func(c *Config) string {
		return fmt.Sprintf(">= %d distinct failing (400/403/404/405/410) non-static, non-API paths within %s",
			c.ProbingDistinctPaths, durationString(c.ProbingWindow))
	},
	detect: func(q *request, f *found) {
		s := q.r.Status
		// A real crawler's failures count only for paths it has no link
		// to follow: crawling dead links is what crawlers do, asking for
		// admin and backup paths at a scan's rate is not.
		if (s == 400 || s == 403 || s == 404 || s == 405 || s == 410) &&
			!q.static && !q.pathAllowed && (!q.exempt || q.scanPath()) && !apiLike(q.npath) {
			*f = found{hit: true}
		}
	},
	record:   windowRecord((*richState).probeWindow),
	ownState: true,
	// Half the threshold is worth a weak hit.
	eval: windowEval(func(rs *richState) *window { return rs.probe }, 2,
		func(j *judge, n int, from string, total int64) string {
			return fmt.Sprintf("%d distinct failing non-static paths (400/403/404/405/410) within %s of log time from %s (threshold %d; %d failing requests in all)",
				n, durationString(j.cfg.ProbingWindow), from, j.cfg.ProbingDistinctPaths, total)
		}, func(c *Config) int { return c.ProbingDistinctPaths }),
}

var ruleAggressiveCrawl = rule{
	id: "aggressive-crawl", cat: evidence.AggressiveCrawl, sev: evidence.Low, kind: kindBehaviour,
	what:   "request",
	config: []string{"crawl_requests_per_minute"},
	doc: func(c *Config) string {
		return fmt.Sprintf(">= %d page requests (not assets, not API calls) within 1m; counts every request made while pages come at that rate; medium when sustained for %s, high for %s and %d pages (not for addresses with %d or more user agents, shared by many people)",
			c.CrawlRequestsPerMinute, durationString(Duration(crawlSustained)), durationString(Duration(crawlLong)), crawlLongPages, topUASlots)
	},
	// Crawling counts page requests: not assets a browser fetches in bulk,
	// not the API calls a single-page app makes for each view. The rate is
	// tracked from an actor's rateAfter-th request on, so one-off visitors
	// never pay for it.
	detect: func(q *request, f *found) {
		if q.pathAllowed || q.exempt || q.r.Malformed || q.st.requests < rateAfter {
			return
		}
		if q.static || apiLike(q.npath) {
			// Not a page, but part of the activity while pages come at
			// the rate (a headless browser loads each page's assets).
			if q.st.rate != nil {
				q.st.rate.during(q.t)
			}
			return
		}
		if q.st.rate == nil {
			q.st.rate = &rate{}
		}
		th := int64(q.cfg.CrawlRequestsPerMinute)
		if q.st.rate.add(q.t, th)*2 >= th {
			*f = found{hit: true}
		}
	},
	record: func(q *request, rs *richState, id ruleID, _ found) bool {
		rs.rule(id).sample(q)
		return false
	},
	ownState: true,
	eval: func(j *judge) (verdict, bool) {
		rt := j.st.rate
		if rt == nil || rt.max < int64(j.cfg.CrawlRequestsPerMinute) {
			return verdict{}, false
		}
		// Severity follows the volume and how long it lasted: a minute's
		// burst is a link checker or a quick mirror; ten minutes at a page
		// a second is no person and copies a site; an hour and ten
		// thousand pages is a scraper loading the origin. An address with
		// many user agents is many people (an office, a carrier NAT), whose
		// sum can be fast without anyone crawling: it stays low.
		at := time.Duration(rt.hotSlots) * time.Duration(rateSlot)
		sev := evidence.Low
		shared := len(j.rs.topUAs.slots) >= topUASlots
		switch {
		case shared:
		case at >= crawlLong && rt.hot >= crawlLongPages:
			sev = evidence.High
		case at >= crawlSustained:
			sev = evidence.Medium
		}
		reason := fmt.Sprintf("%d requests while pages came at %d or more a minute of log time (threshold %d per minute; %d page requests, the rest assets and API calls), for about %s at that rate between %s and %s (peak %d pages in one minute; %d requests in all)",
			rt.hot+rt.hotOther, j.cfg.CrawlRequestsPerMinute, j.cfg.CrawlRequestsPerMinute, rt.hot, spanString(at), time.Unix(0, rt.hotFirst).UTC().Format(time.RFC3339),
			time.Unix(0, rt.hotLast).UTC().Format(time.RFC3339), rt.max, j.st.requests)
		if shared {
			reason += fmt.Sprintf("; %d or more user agents, likely an address many people share, so the severity stays low", topUASlots)
		}
		return verdict{fire: true, sev: sev, count: rt.hot + rt.hotOther, reason: reason}, true
	},
}

// The crawl severity steps (see ruleAggressiveCrawl's eval).
const (
	crawlSustained = 10 * time.Minute
	crawlLong      = time.Hour
	crawlLongPages = 10_000
)

var ruleBruteForce = rule{
	id: "brute-force", cat: evidence.BruteForce, sev: evidence.High, kind: kindBehaviour,
	what:   "failed login",
	config: []string{"brute_force_failures", "brute_force_window"},
	doc: func(c *Config) string {
		return fmt.Sprintf(">= %d failed logins (401/403/429, failed POST on a login endpoint) within %s",
			c.BruteForceFailures, durationString(c.BruteForceWindow))
	},
	// The patterns mark login endpoints; detect keeps the mark only for a
	// failed login.
	patterns: func() []pattern {
		return append(pats(fPath, anywhere, false,
			"login", "signin", "sign-in", "sign_in", "logon", "xmlrpc.php", "/auth", "/session", "/oauth/token",
			"/wp-admin", "/user/password", "/api/token", "/j_security_check", "/administrator/index.php",
			// Products whose login endpoints name no "login": SOGo, OAuth2
			// and OpenID Connect token endpoints (Keycloak, IdentityServer,
			// Vaultwarden), Spring Security, Authelia, Proxmox.
			"/sogo/connect", "/connect/token", "openid-connect/token", "/oauth2/token", "/j_spring_security_check",
			"/api/firstfactor", "/access/ticket"),
			// Roundcube posts its login to /?_task=login.
			pats(fQuery, anywhere, false, "_task=login")...)
	},
	// A successful sign-in is the most ordinary request there is and must
	// not cost rich state.
	detect: func(q *request, f *found) {
		if !f.hit {
			return
		}
		if q.pathAllowed || !loginFailed(q.r, q.npath) {
			*f = found{}
		}
	},
	record:   windowRecord((*richState).bruteWindow),
	ownState: true,
	// A third of the threshold is worth a weak hit.
	eval: windowEval(func(rs *richState) *window { return rs.brute }, 3,
		func(j *judge, n int, from string, total int64) string {
			return fmt.Sprintf("%d failed logins (401/403/429 or failed POST on a login endpoint) within %s of log time from %s (threshold %d; %d in all)",
				n, durationString(j.cfg.BruteForceWindow), from, j.cfg.BruteForceFailures, total)
		}, func(c *Config) int { return c.BruteForceFailures }),
}

// windowRecord is the record hook of a rule that counts in a window of the
// actor's evidence (pick): the request's time, and its path when the window
// counts distinct paths.
func windowRecord(pick func(*richState, *Config) *window) func(q *request, rs *richState, id ruleID, _ found) bool {
	return func(q *request, rs *richState, id ruleID, _ found) bool {
		w := pick(rs, q.cfg)
		var h uint64
		if w.distinct {
			h = maphash.String(q.seed, q.npath)
		}
		w.add(q.t, h)
		rs.rule(id).sample(q)
		return false
	}
}

// windowEval evaluates a window rule: it fires at threshold events (or
// distinct paths) within the window, and is a weak hit from
// threshold/weakDiv on. reason words the best window, from its start.
func windowEval(pick func(*richState) *window, weakDiv int,
	reason func(j *judge, n int, from string, total int64) string,
	threshold func(*Config) int) func(j *judge) (verdict, bool) {
	return func(j *judge) (verdict, bool) {
		w := pick(j.rs)
		if w.events() == 0 {
			return verdict{}, false
		}
		n, at := w.evaluate()
		th := threshold(j.cfg)
		return verdict{fire: n >= th, count: w.total,
			reason: reason(j, n, time.Unix(0, at).UTC().Format(time.RFC3339), w.total)}, n*weakDiv >= th
	}
}

// loginFailed reports whether a request to a login endpoint failed.
func loginFailed(r *record.Record, npath string) bool {
	post := strings.EqualFold(r.Method, "POST")
	s := r.Status
	return s == 401 || s == 403 || s == 429 ||
		(post && s >= 400 && s < 500) ||
		(post && strings.Contains(npath, "xmlrpc.php")) ||
		(post && s == 200 && strings.Contains(npath, "wp-login.php"))
}

var ruleBadRequest = rule{
	id: "bad-request", cat: evidence.BadRequest, sev: evidence.Low, kind: kindBehaviour,
	what:   "bad request",
	config: []string{"bad_requests"},
	doc: func(c *Config) string {
		return fmt.Sprintf("binary request lines, CONNECT, proxy attempts on 1; empty or malformed lines, unknown methods >= %d", c.BadRequests)
	},
	detect: func(q *request, f *found) {
		if bad, strong, what := badRequest(q.r, q.npath); bad {
			*f = found{hit: true, strong: strong, marker: what}
		}
	},
	// Lone empty request lines are browsers' idle preconnections: below the
	// threshold they are not worth a weak hit.
	eval: func(j *judge) (verdict, bool) {
		r := j.r
		fire := r.strong > 0 || r.count >= int64(j.cfg.BadRequests)
		return verdict{fire: fire,
			reason: fmt.Sprintf("%d bad request%s (%s), e.g. %s (binary lines, CONNECT and proxy attempts fire on one; otherwise threshold %d)",
				r.count, plural(int(r.count)), r.marker, j.example, j.cfg.BadRequests)}, fire
	},
}

// badRequest classifies request lines no client sends in normal use. Empty
// lines are weak: browsers open speculative connections that log as "-" 408.
func badRequest(r *record.Record, npath string) (bad, strong bool, what string) {
	if r.Malformed {
		p := strings.TrimSpace(r.Path)
		if p == "" || p == "-" {
			return true, false, "empty request line"
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; c < 0x20 || c >= 0x7f {
				return true, true, "binary request line"
			}
		}
		return true, false, "malformed request line"
	}
	if r.Method == "" {
		return true, false, "empty request line"
	}
	if strings.EqualFold(r.Method, "CONNECT") {
		return true, true, "CONNECT (proxy attempt)"
	}
	if strings.HasPrefix(npath, "http://") || strings.HasPrefix(npath, "https://") {
		rest := npath[strings.Index(npath, "://")+3:]
		host := rest
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			host = rest[:i]
		}
		if r.Host == "" || !strings.EqualFold(stripPort(host), stripPort(r.Host)) {
			return true, true, "absolute URI for another host (proxy attempt)"
		}
	}
	switch strings.ToUpper(r.Method) {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND",
		"PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "PURGE", "PRI":
		return false, false, ""
	}
	return true, false, "unknown method"
}

var ruleSpam = rule{
	id: "spam", cat: evidence.Spam, sev: evidence.Medium, kind: kindBehaviour,
	what: "form post by a self-declared crawler",
	doc: func(*Config) string {
		return "a POST to a comment, contact, sign-up or trackback endpoint from a client whose user agent claims a crawler, monitor or link preview, on one request"
	},
	// Crawlers, monitors and link previews read; they never fill in forms.
	patterns: func() []pattern {
		return pats(fPath, anywhere, false,
			"comment", "/contact", "/register", "/signup", "/sign-up", "/feedback", "/guestbook",
			"/newsletter", "/subscribe", "/trackback", "wp-trackback.php", "/wp-signup.php", "/user/register",
			"/enquiry", "/inquiry", "/forum/post", "/reply")
	},
	detect: func(q *request, f *found) {
		if f.hit && (q.ua.allowedAs == "" || !strings.EqualFold(q.r.Method, "POST")) {
			*f = found{}
		}
	},
	eval: func(j *judge) (verdict, bool) {
		return verdict{fire: true, reason: fmt.Sprintf("%d form post%s (e.g. %s) from a client claiming to be %s, which crawlers never send",
			j.r.count, plural(int(j.r.count)), j.example, j.rs.claimedUA)}, true
	},
}

// ruleFakeCrawler: a user agent naming a crawler whose operator publishes
// the addresses it crawls from (internal/crawlers), sent from outside them.
// Low on its own: scrapers and SEO tools borrow Googlebot's name to be let
// in, which is spoofing, not an attack. What matters is that the client
// loses the crawler exemption, so whatever else it does is judged like any
// client's (Engine.exempt), and its other hits set its severity.
var ruleFakeCrawler = rule{
	id: "fake-crawler", cat: evidence.FakeCrawler, sev: evidence.Low, kind: kindBehaviour,
	what: "request",
	doc: func(*Config) string {
		return "a user agent naming a crawler of an operator that publishes its address ranges (Google, Bing, Apple, DuckDuckGo, OpenAI, Anthropic, Perplexity, Common Crawl), from outside them, on one request"
	},
	detect: func(q *request, f *found) {
		if q.fake {
			*f = found{hit: true, marker: q.ua.crawler.Name}
		}
	},
	eval: func(j *judge) (verdict, bool) {
		r := j.r
		date := ""
		if op := crawlers.Named(r.marker); op != nil {
			date = " (lists of " + op.Updated().Format("2006-01-02") + ")"
		}
		ua := ""
		if len(r.samples) > 0 {
			ua = fmt.Sprintf(" (%q)", truncate(r.samples[0].UA, 120))
		}
		return verdict{fire: true, reason: fmt.Sprintf("user agent claims to be %s's crawler%s on %d request%s, but the address is outside the ranges %s publishes for its crawlers%s, so it is judged like any client",
			r.marker, ua, r.count, plural(int(r.count)), r.marker, date)}, true
	},
}
