// Package detect runs the deterministic detection rules over normalised
// request records and turns what they find into per-actor evidence.
//
// The rules follow the semantics of CrowdSec's HTTP scenarios (summarised in
// testdata/PROVENANCE.md): per actor (IPv4 address, IPv6 /64), on log time,
// each rule with a stable id, a category, a severity and a reason that says
// why it fired, with the numbers.
//
// # Rules and defaults
//
// Generated from the rules table with the defaults of Config (docs/rules.md
// has the same list with categories, severities and settings):
//
//	sensitive-files   distinct sensitive files >= 2; one answered 2xx with a body fires at once (high), unless its size is the site's usual page (PageSizes); 2xx samples are kept first
//	wordpress-scan    distinct failing WordPress paths >= 2 (assets excluded; 2xx only if a catch-all page)
//	admin-probing     failing admin paths: product-specific (phpMyAdmin, /actuator) on 1, generic >= 2
//	tech-probing      failing technology paths: product-specific (/cgi-bin/, /crx/) on 1, by extension >= 5
//	path-traversal    traversal markers (../ and its encodings, overlong UTF-8 %c0%ae, IIS %u002e, /etc/passwd, win.ini) in path, query or referer: a strong marker fires on one request, weak markers need 2 requests; critical when a strong one is answered 2xx with a body
//	sqli              SQL injection markers (union select with comment and sqlmap tamper gaps, sleep(N) in an expression, information_schema, quote tautologies, boolean tests such as and 1=2, stacked ;drop table) in any field: a strong marker fires on one request, weak markers need 2 requests
//	xss               markup and script markers (<script, javascript:, onerror= inside markup) in path, query, user agent or referer: a strong marker fires on one request, weak markers need 2 requests
//	log4shell         ${jndi:...} lookups, de-obfuscated (${lower:j}, ${::-j}), in any field: a strong marker fires on one request, weak markers need 2 requests
//	cve-probe         known exploit payloads and exploit-only paths (OGNL, ThinkPHP, Shellshock, router exploits, PHP code such as phpinfo()): a strong marker fires on one request, weak markers need 2 requests
//	command-injection shell commands after a shell metacharacter (;cat /etc/passwd, |id, $(curl ...|sh), backticks, ${IFS}) in path or query, download-and-run commands (wget http, /bin/sh) in any field: a strong marker fires on one request, weak markers need 2 requests
//	ssrf              URLs for the server to fetch from inside: cloud metadata addresses (169.254.169.254 in any notation, metadata.google.internal), gopher://, dict://, file:// and loopback hosts (127.0.0.1 as decimal, hex, octal or IPv6, localhost) as a query parameter's URL, OAuth's redirect_uri excepted: a strong marker fires on one request, weak markers need 2 requests
//	rfi               a remote URL (http, https, ftp, smb, //host) as the value of a file-like parameter (file=, page=, include=, template=, path= ...), or any parameter's URL ending in ? (the include's suffix cut off): a strong marker fires on one request, weak markers need 2 requests
//	crlf-injection    an encoded line break followed by a response header (%0d%0aSet-Cookie:, %0d%0aLocation:) or a second body in path or query: a strong marker fires on one request, weak markers need 2 requests
//	webshell          known backdoor names, on one request (critical when answered 2xx with a body)
//	scanner-ua        attack-tool user agents (Nikto, sqlmap, zgrab, Nuclei...) on one request
//	http-probing      >= 10 distinct failing (400/403/404/405/410) non-static, non-API paths within 1m
//	aggressive-crawl  >= 60 page requests (not assets, not API calls) within 1m; counts every request made while pages come at that rate; medium when sustained for 10m, high for 60m and 10000 pages (not for addresses with 4 or more user agents, shared by many people)
//	credential-stuffing a client whose every request is a POST to a login endpoint (whatever the answer: a form login may fail with 200 or 302) is kept as a weak match; >= 20 of them on one endpoint make a campaign (high) whose members are all reported
//	brute-force       >= 10 failed logins (401/403/429, failed POST on a login endpoint) within 10m
//	auth-flood        >= 20 401/403 answers on one path within 1m, or 6 within 10s (any protected path: basic auth, a REST API; login endpoints are brute-force's), and more refusals than successful answers
//	enumeration       >= 50 distinct record ids (numbers, UUIDs, long hex, in the path or a query parameter) on one route within 10m, at least half answered 401/403/404/410; high when 10 or more were answered 2xx
//	method-probing    TRACE, TRACK or DEBUG on 1; otherwise >= 2 distinct refused requests with WebDAV methods (PROPFIND, MKCOL, MOVE...), OPTIONS * or PUT/DELETE of a file outside API routes (401 challenges and CORS preflights do not count); high when a write (PUT, DELETE, MOVE, COPY, MKCOL) succeeded for a client that also probed and whose other requests mostly failed
//	bad-request       binary request lines, CONNECT, proxy attempts on 1; empty or malformed lines, unknown methods >= 3
//	spam              a POST to a comment, contact, sign-up or trackback endpoint from a client whose user agent claims a crawler, monitor or link preview, on one request
//	bad-bot           user agents on CrowdSec's bad_user_agents list (589 names: scrapers, site downloaders, spam and SEO bots), on one request; crawler and monitor allowlists and scanner-ua win
//	fake-crawler      a user agent naming a crawler of an operator that publishes its address ranges (Google, Bing, Apple, DuckDuckGo, OpenAI, Anthropic, Perplexity, Common Crawl), from outside them, on one request
//
// # Adding a rule
//
// A rule is one unit: a [rule] value in the rules_*.go file of its family
// (presence, payload, injection, behaviour) holding its id, category, default severity,
// kind, documentation line and Config keys, the markers the single
// Aho-Corasick pass finds for it (patterns), its per-request hooks (detect,
// which runs on every request and may set or clear the rule's match;
// record, which records a matched request of an actor with full evidence
// before or instead of the default counting), and its threshold evaluation
// (eval). To add one:
//
//  1. add its ruleID constant and its entry in the rules table (rules.go);
//  2. write its rule value beside its family's, with its patterns and hooks;
//     a new category goes into internal/evidence (Categories keeps the one
//     report order), the README table and docs/report-json.md;
//  3. put any new threshold in Config with its default in DefaultConfig and
//     name its JSON key in the rule's config;
//  4. run `go generate ./internal/detect` to rewrite the rule list here and
//     in docs/rules.md (TestRuleDocs fails until the docs match the table);
//  5. add table-driven cases to detect_test.go, false positives included.
//
// The engine has no rule-specific code: Observe counts the request (begin),
// scans its fields once (scan), runs the rules' detect hooks, and only when
// a rule matched, or the actor already has full evidence, calls their
// record hooks and counts the matches (remember); evaluate calls each
// rule's eval. Hooks run on the hot path: no allocation for a request that
// matches nothing.
//
// Matching is done on a normalised form of the decoded and of the raw
// path/query (lowercase, up to three rounds of percent-decoding, backslash
// to slash), with one Aho-Corasick pass over each field. A keyword that says
// little alone (union, a quote, ';', "${") is confirmed by a check over the
// whole field (confirm.go): a regular expression written by hand, run at
// most once per field, that reads each byte a fixed number of times. So a
// field costs time linear in its length whatever it holds, and no number of
// decoy keywords before or after a payload can hide it (there is no budget
// to use up). The tests keep the expressions as Go regexps and check that
// every check answers as its expression does over the whole field.
//
// Allowlists: CIDRs are skipped entirely; allowlisted paths never count
// except for payload rules (a traversal out of /.well-known/ still counts);
// allowlisted user agents (crawlers, monitors, link previews) are exempt
// from the volume and probing rules only, so a client that claims to be
// Googlebot and asks for /.env is still reported, and the reason says so.
//
// Weak actors have rule matches below the thresholds. Campaigns groups
// actors of a whole run that share an unusual user agent or exactly the same
// probe set, or that did nothing but fail to log in on one endpoint (at
// least MinStuffingActors of them: credential stuffing, stuffing.go);
// PromoteCampaigns then turns the weak members of a campaign into
// suspicious actors with a hit whose reason names the campaign (every
// credential-stuffing member gets the campaign's severity). Aggregate is
// expected to call both, in that order. Both work on evidence, not rows,
// because the chunks split the clients.
//
// Visitors led by a page. A client that browsed like a person (pages and
// assets answered 2xx/3xx, assets referred from the site, browsers' user
// agents) and failed once on one probe path with a same-site referer is
// lured by a planted or stale link (lured.go): counted in Counts.Lured and
// Chunk.Linked, never reported. One whose every rule match is a payload in
// the target of a GET to at most four targets, all with the same page of
// the site as referer, is marked (Actor.Planted, part of its group's
// behaviour); SeparatePlanted, over the whole run, takes the marked clients
// out where at least MinPlantedVisitors (of as many networks) share a page
// and its targets, and reports the page instead (evidence.PlantedPage).
// planted.go says what ends the mark and what the minimum costs.
//
// Address rotation is judged on rows, per chunk: Parse keeps each IPv4 /24
// and IPv6 /48 in one chunk, and Result merges the addresses of a scan that
// rotates through one of them into a single actor, their smallest covering
// prefix, with an "address-rotation" hit (rotation.go says what makes
// addresses coordinated and why unrelated neighbours do not qualify). When
// that prefix also holds other clients, the actor's Block lists the smallest
// prefixes holding only the scan's addresses, and the blocklist takes those,
// so a scanner rotating through a shared /24 cannot get its neighbours
// blocked.
//
// Memory grows with distinct actors, not rows: an actor that matches nothing
// costs about 200 bytes (counters, three status codes, a distinct-path
// sketch); full evidence (samples, top paths and UAs, windows) is allocated
// only when a rule matches, a probe fails or a crawl burst starts, and every
// part of it is bounded. So an actor's top paths and user agents count from
// that moment on (requests, statuses and first/last seen count from the
// start), and DistinctPaths is exact up to 6, then a linear-counting estimate
// (within a few percent below 1,000, a lower bound past about 3,000).
package detect

//go:generate go test -run ^TestRuleDocs$ -update-docs
