package offline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// adviceCase is one run's findings and whether an entry applies to them.
type adviceCase struct {
	entry     string
	name      string
	format    string
	actors    []evidence.Actor
	verdicts  []analysis.Verdict
	campaigns []evidence.Campaign
	planted   []evidence.PlantedPage
	applies   bool
	// says are phrases the written title or detail must hold, and addressed
	// the actors it must name (exactly, in order), when it applies.
	says      []string
	addressed []string
}

// Common findings for the cases below.
var (
	envServed    = actor("203.0.113.1", 20, 10*time.Minute, hit(evidence.SensitiveFiles, evidence.Medium, 14, sample("/.env", 200, "x"), sample("/.git/config", 404, "x")))
	envRefused   = actor("203.0.113.2", 20, 10*time.Minute, hit(evidence.SensitiveFiles, evidence.Medium, 14, sample("/.env", 404, "x"), sample("/.aws/credentials", 403, "x")))
	sqliBroke    = actor("198.51.100.1", 13, 2*time.Minute, hit(evidence.SQLInjection, evidence.High, 12, sample("/api/products?id=1%27", 500, "Mozilla")))
	sqliHandled  = actor("198.51.100.2", 13, 2*time.Minute, hit(evidence.SQLInjection, evidence.High, 12, sample("/api/products?id=1%27", 400, "Mozilla")))
	log4j        = actor("198.51.100.3", 1, 0, hit(evidence.Log4Shell, evidence.Critical, 1, sample("/", 200, "${jndi:ldap://198.51.100.9/a}")))
	crawler      = actor("192.0.2.30", 1000, 5*time.Minute, hit(evidence.AggressiveCrawl, evidence.Low, 1000, sample("/pricing", 200, "python-httpx/0.27")))
	bruteForce   = actor("2001:db8:1::/64", 120, 4*time.Minute, hit(evidence.BruteForce, evidence.High, 60, sample("/api/login", 401, "python-requests")))
	wpRefused    = actor("198.51.100.21", 12, time.Minute, hit(evidence.WordPressScan, evidence.Medium, 11, sample("/wp-login.php", 404, "Mozilla"), sample("/xmlrpc.php", 404, "Mozilla")))
	wpServed     = actor("198.51.100.22", 12, time.Minute, hit(evidence.WordPressScan, evidence.Medium, 11, sample("/wp-login.php", 200, "Mozilla"), sample("/xmlrpc.php", 405, "Mozilla")))
	phpRefused   = actor("198.51.100.23", 6, 3*time.Minute, hit(evidence.Webshell, evidence.High, 6, sample("/alfa.php", 404, "")))
	phpServed    = actor("198.51.100.24", 6, 3*time.Minute, hit(evidence.TechProbing, evidence.Low, 6, sample("/info.php", 200, "")))
	adminProbe   = actor("198.51.100.25", 8, time.Minute, hit(evidence.AdminProbing, evidence.Medium, 4, sample("/phpmyadmin/", 404, "")))
	failedPaths  = actor("198.51.100.26", 30, time.Minute, hit(evidence.HTTPProbing, evidence.Low, 30, sample("/x1", 404, ""), sample("/x2", 404, "")))
	traversal    = actor("198.51.100.27", 4, time.Minute, hit(evidence.PathTraversal, evidence.High, 4, sample("/download?file=../../etc/passwd", 404, "")))
	stuffer      = actor("198.51.100.60", 2, 72*time.Hour, hit(evidence.CredentialStuffing, evidence.High, 2, sample("/api/login", 401, "Mozilla")))
	enumerator   = actor("198.51.100.61", 300, 5*time.Minute, hit(evidence.Enumeration, evidence.High, 300, sample("/api/users/1000", 403, "python-requests")))
	methodProber = actor("198.51.100.62", 7, time.Minute, hit(evidence.MethodProbing, evidence.Medium, 6, sample("/", 405, "")))
	badRequest   = actor("192.0.2.40", 3, time.Minute, hit(evidence.BadRequest, evidence.Low, 3, sample("http://example.com/", 400, "")))
	// A crawler-fast scanner (2,400 requests in 10 minutes) and a slow one.
	fastScanner = actor("192.0.2.31", 2400, 10*time.Minute, hit(evidence.ScannerUA, evidence.Medium, 2400, sample("/", 200, "Nuclei")))
	slowScanner = actor("192.0.2.32", 50, 10*time.Minute, hit(evidence.ScannerUA, evidence.Medium, 50, sample("/", 200, "Nuclei")))
)

// Pages whose visitors' browsers sent payloads.
var (
	plantedPage = evidence.PlantedPage{
		Planted:  evidence.Planted{Host: "shop.example.com", Page: "/blog/post-1", Targets: []string{"/search?q=' union select 1--"}},
		Severity: evidence.High, Categories: []evidence.Category{evidence.SQLInjection}, Visitors: 40,
	}
	otherPlanted = evidence.PlantedPage{
		Planted:  evidence.Planted{Host: "shop.example.com", Page: "/guestbook", Targets: []string{"/x.gif?<script>alert(1)</script>"}},
		Severity: evidence.High, Categories: []evidence.Category{evidence.XSS}, Visitors: 5,
	}
)

func uaCampaign(key string, sev evidence.Severity, actors ...string) evidence.Campaign {
	return evidence.Campaign{Kind: "shared-user-agent", Key: key, Actors: actors,
		Categories: []evidence.Category{evidence.SensitiveFiles}, Requests: 40, Severity: sev}
}

var adviceCases = []adviceCase{
	{entry: "rotate-exposed", name: "a .env answered 200", format: "amplify", actors: []evidence.Actor{envServed},
		applies: true, says: []string{"/.env answered 2xx to 1 address", "On Amplify Hosting, check that amplify.yml"}, addressed: []string{"203.0.113.1"}},
	{entry: "rotate-exposed", name: "not on Amplify: no amplify.yml", format: "cloudfront", actors: []evidence.Actor{envServed},
		applies: true, says: []string{"rotate the API keys"}},
	{entry: "rotate-exposed", name: "every sensitive file refused", actors: []evidence.Actor{envRefused}},
	{entry: "rotate-exposed", name: "a 200 for a path that is not sensitive", actors: []evidence.Actor{crawler, log4j}},

	{entry: "clean-planted-page", name: "a page that makes its visitors send payloads", planted: []evidence.PlantedPage{plantedPage},
		applies: true, says: []string{"Inspect and clean the page /blog/post-1", "40 visitors of /blog/post-1",
			"/search?q=' union select 1--", "Content-Security-Policy", "not on the blocklist", "AWSManagedRulesSQLiRuleSet"}, addressed: []string{}},
	{entry: "clean-planted-page", name: "two pages", planted: []evidence.PlantedPage{plantedPage, otherPlanted},
		applies: true, says: []string{"clean 2 pages", "45 visitors of /blog/post-1 and /guestbook"}, addressed: []string{}},
	{entry: "clean-planted-page", name: "visitors who sent payloads themselves", actors: []evidence.Actor{sqliHandled, traversal}},

	{entry: "fix-failing-handlers", name: "SQL injection drew a 500", actors: []evidence.Actor{sqliBroke},
		applies: true, says: []string{"/api/products answered 5xx to SQL injection payloads"}, addressed: []string{"198.51.100.1"}},
	{entry: "fix-failing-handlers", name: "SQL injection answered 400", actors: []evidence.Actor{sqliHandled}},
	{entry: "fix-failing-handlers", name: "a 500 on a login attempt is no payload", actors: []evidence.Actor{
		actor("2001:db8:2::/64", 60, 4*time.Minute, hit(evidence.BruteForce, evidence.High, 60, sample("/api/login", 500, "")))}},

	{entry: "ip-set", name: "medium and above only", actors: []evidence.Actor{envRefused, crawler, bruteForce},
		applies: true, says: []string{"2 addresses at medium severity", "Amplify console's firewall integration"}, addressed: []string{"203.0.113.2", "2001:db8:1::/64"}},
	{entry: "ip-set", name: "a low finding raised by the model", actors: []evidence.Actor{crawler},
		verdicts: []analysis.Verdict{{Actor: "192.0.2.30", Severity: evidence.High}},
		applies:  true, says: []string{"1 address at medium"}, addressed: []string{"192.0.2.30"}},
	{entry: "ip-set", name: "CloudFront: no Amplify console", format: "cloudfront", actors: []evidence.Actor{envRefused},
		applies: true, says: []string{"Attach the web ACL to the CloudFront distribution, ALB or API"}},
	{entry: "ip-set", name: "only low findings", actors: []evidence.Actor{crawler, badRequest}},

	{entry: "known-bad-inputs", name: "Log4Shell", actors: []evidence.Actor{log4j}, applies: true, says: []string{"AWSManagedRulesKnownBadInputsRuleSet"}, addressed: []string{"198.51.100.3"}},
	{entry: "known-bad-inputs", name: "SQL injection is another group's", actors: []evidence.Actor{sqliBroke}},

	{entry: "sqli-rule-set", name: "SQL injection", actors: []evidence.Actor{sqliHandled, log4j}, applies: true, says: []string{"AWSManagedRulesSQLiRuleSet"}, addressed: []string{"198.51.100.2"}},
	{entry: "sqli-rule-set", name: "a model verdict adds SQL injection", actors: []evidence.Actor{badRequest},
		verdicts: []analysis.Verdict{{Actor: "192.0.2.40", Categories: []evidence.Category{evidence.SQLInjection}}}, applies: true},
	{entry: "sqli-rule-set", name: "no SQL injection", actors: []evidence.Actor{traversal, envRefused}},
	{entry: "sqli-rule-set", name: "a planted page's visitors are not flagged", planted: []evidence.PlantedPage{plantedPage}},

	{entry: "login-rate-limit", name: "120 requests in 4 minutes: half their rate", actors: []evidence.Actor{bruteForce},
		applies: true, says: []string{"to 50 requests per 5 minutes", "matching /api/login"}, addressed: []string{"2001:db8:1::/64"}},
	{entry: "login-rate-limit", name: "a model verdict with no sample", actors: []evidence.Actor{badRequest},
		verdicts: []analysis.Verdict{{Actor: "192.0.2.40", Categories: []evidence.Category{evidence.BruteForce}}},
		applies:  true, says: []string{"to 20 requests per 5 minutes", "matching the login path"}},
	{entry: "login-rate-limit", name: "a crawler hitting many pages", actors: []evidence.Actor{crawler}},

	{entry: "account-takeover-prevention", name: "a credential-stuffing campaign", actors: []evidence.Actor{stuffer},
		applies: true, says: []string{"AWSManagedRulesATPRuleSet", "per account"}, addressed: []string{"198.51.100.60"}},
	{entry: "account-takeover-prevention", name: "one address brute-forcing", actors: []evidence.Actor{bruteForce}},

	{entry: "object-authorization", name: "ids walked", actors: []evidence.Actor{enumerator},
		applies: true, says: []string{"walked record ids"}, addressed: []string{"198.51.100.61"}},
	{entry: "object-authorization", name: "a crawler is no walk", actors: []evidence.Actor{crawler}},

	{entry: "restrict-methods", name: "WebDAV probes", actors: []evidence.Actor{methodProber},
		applies: true, says: []string{"other than GET, HEAD, POST and OPTIONS"}, addressed: []string{"198.51.100.62"}},
	{entry: "restrict-methods", name: "path probing is not method probing", actors: []evidence.Actor{failedPaths}},

	{entry: "login-lockout", name: "60 failures", actors: []evidence.Actor{bruteForce}, applies: true, says: []string{"Failed logins on /api/login"}},
	{entry: "login-lockout", name: "admin probing is not a login", actors: []evidence.Actor{adminProbe}},

	{entry: "common-rule-set", name: "path traversal and malformed requests", actors: []evidence.Actor{traversal, badRequest},
		applies: true, says: []string{"AWSManagedRulesCommonRuleSet"}, addressed: []string{"198.51.100.27", "192.0.2.40"}},
	{entry: "common-rule-set", name: "brute force and crawling only", actors: []evidence.Actor{bruteForce, crawler}},

	{entry: "linux-unix-rule-sets", name: "path traversal", actors: []evidence.Actor{traversal}, applies: true, says: []string{"AWSManagedRulesLinuxRuleSet"}},
	{entry: "linux-unix-rule-sets", name: "SQL injection", actors: []evidence.Actor{sqliBroke}},

	{entry: "block-unserved-paths", name: "refused WordPress and secrets", actors: []evidence.Actor{wpRefused, envRefused},
		applies: true, says: []string{"starts with /.env", "starts with /.aws/", "starts with /wp-login.php", "starts with /xmlrpc.php"}},
	{entry: "block-unserved-paths", name: "a served .env is still blocked", actors: []evidence.Actor{envServed},
		applies: true, says: []string{"starts with /.env"}},
	{entry: "block-unserved-paths", name: "refused PHP probes", actors: []evidence.Actor{phpRefused}, applies: true, says: []string{"ends with .php"}},
	{entry: "block-unserved-paths", name: "the site serves WordPress", actors: []evidence.Actor{wpServed}},
	{entry: "block-unserved-paths", name: "the site serves phpMyAdmin", actors: []evidence.Actor{
		actor("198.51.100.28", 8, time.Minute, hit(evidence.AdminProbing, evidence.Medium, 4, sample("/phpMyAdmin/index.php", 200, "")))}},
	{entry: "block-unserved-paths", name: "the site serves PHP", actors: []evidence.Actor{phpRefused, phpServed}},

	{entry: "block-campaign-user-agent", name: "a medium campaign", actors: []evidence.Actor{envRefused, envServed},
		campaigns: []evidence.Campaign{uaCampaign("Odd/1.0", evidence.Medium, "203.0.113.1", "203.0.113.2")},
		applies:   true, says: []string{"shared by 2 addresses", `against "Odd/1.0"`, "40 requests"}, addressed: []string{"203.0.113.1", "203.0.113.2"}},
	{entry: "block-campaign-user-agent", name: "a low campaign", actors: []evidence.Actor{envRefused},
		campaigns: []evidence.Campaign{uaCampaign("Odd/1.0", evidence.Low, "203.0.113.2")}},
	{entry: "block-campaign-user-agent", name: "a blank user agent", actors: []evidence.Actor{envRefused},
		campaigns: []evidence.Campaign{uaCampaign(" \t", evidence.High, "203.0.113.2")}},
	{entry: "block-campaign-user-agent", name: "a shared probe set is no user agent", actors: []evidence.Actor{envRefused},
		campaigns: []evidence.Campaign{{Kind: "shared-probe-set", Key: "/.env", Actors: []string{"203.0.113.2"}, Severity: evidence.High}}},

	{entry: "php-rule-set", name: "a .php answered 200", actors: []evidence.Actor{phpRefused, phpServed},
		applies: true, says: []string{"AWSManagedRulesPHPRuleSet"}, addressed: []string{"198.51.100.23", "198.51.100.24"}},
	{entry: "php-rule-set", name: "every .php refused", actors: []evidence.Actor{phpRefused}},
	{entry: "php-rule-set", name: "WordPress .php answered 200 says nothing of PHP", actors: []evidence.Actor{wpServed}},

	{entry: "php-rule-set-if-php", name: "every .php refused", actors: []evidence.Actor{phpRefused}, applies: true, says: []string{"only if the site runs PHP"}},
	{entry: "php-rule-set-if-php", name: "a .php answered 200", actors: []evidence.Actor{phpRefused, phpServed}},
	{entry: "php-rule-set-if-php", name: "WordPress probes ask for .php whatever the site runs", actors: []evidence.Actor{wpRefused}},

	{entry: "rate-based", name: "a crawler at 1,000 per 5 minutes", actors: []evidence.Actor{crawler, slowScanner},
		applies: true, says: []string{"above 500 requests per 5 minutes", "averaged about 1000"}, addressed: []string{"192.0.2.30"}},
	{entry: "rate-based", name: "a fast scanner", actors: []evidence.Actor{fastScanner}, applies: true, says: []string{"above 500 requests"}},
	{entry: "rate-based", name: "a slow scanner", actors: []evidence.Actor{slowScanner}},

	{entry: "ip-reputation", name: "a scanner", actors: []evidence.Actor{slowScanner}, applies: true, says: []string{"AWSManagedRulesAnonymousIpList"}},
	{entry: "ip-reputation", name: "SQL injection and Log4Shell", actors: []evidence.Actor{sqliBroke, log4j}},

	{entry: "secrets-out-of-build", name: "secrets asked for, none served", actors: []evidence.Actor{envRefused}, applies: true, says: []string{"None was answered 2xx here"}},
	{entry: "secrets-out-of-build", name: "a .env served: rotate instead", actors: []evidence.Actor{envServed, envRefused}},

	{entry: "admin-protection-rule-set", name: "admin probes", actors: []evidence.Actor{adminProbe}, applies: true, says: []string{"AWSManagedRulesAdminProtectionRuleSet"}},
	{entry: "admin-protection-rule-set", name: "a model verdict adds admin probing", actors: []evidence.Actor{failedPaths},
		verdicts: []analysis.Verdict{{Actor: "198.51.100.26", Categories: []evidence.Category{evidence.AdminProbing}}}, applies: true, addressed: []string{"198.51.100.26"}},
	{entry: "admin-protection-rule-set", name: "a model verdict with an unknown category", actors: []evidence.Actor{failedPaths},
		verdicts: []analysis.Verdict{{Actor: "198.51.100.26", Categories: []evidence.Category{"admin"}}}},

	{entry: "bot-control", name: "a crawler", actors: []evidence.Actor{crawler}, applies: true, says: []string{"AWSManagedRulesBotControlRuleSet"}},
	{entry: "bot-control", name: "a fast scanner is not a crawler", actors: []evidence.Actor{fastScanner}},

	{entry: "wordpress-rule-set", name: "wp-login.php answered 200", actors: []evidence.Actor{wpServed}, applies: true, says: []string{"AWSManagedRulesWordPressRuleSet"}},
	{entry: "wordpress-rule-set", name: "WordPress paths refused", actors: []evidence.Actor{wpRefused}},
	{entry: "wordpress-rule-set", name: "a served .php from a webshell probe", actors: []evidence.Actor{phpServed, wpRefused}},

	{entry: "remove-default-pages", name: "failing paths in a burst", actors: []evidence.Actor{failedPaths}, applies: true, says: []string{"turn off directory listing"}},
	{entry: "remove-default-pages", name: "secrets only", actors: []evidence.Actor{envRefused}},

	{entry: "amplify-hardening", name: "an Amplify log", format: "amplify", actors: []evidence.Actor{crawler}, applies: true, says: []string{"On Amplify Hosting, set security headers"}},
	{entry: "amplify-hardening", name: "an unknown format", actors: []evidence.Actor{crawler}, applies: true, says: []string{"If the site is on Amplify Hosting, set"}},
	{entry: "amplify-hardening", name: "a CloudFront log", format: "cloudfront", actors: []evidence.Actor{crawler}},
	{entry: "amplify-hardening", name: "an Amplify log with no findings", format: "amplify"},
}

func entryNamed(t *testing.T, name string) entry {
	t.Helper()
	i := slices.IndexFunc(advice, func(e entry) bool { return e.name == name })
	if i < 0 {
		t.Fatalf("no entry %q", name)
	}
	return advice[i]
}

// TestAdviceEntries runs each entry alone: whether it applies, and what it
// says when it does.
func TestAdviceEntries(t *testing.T) {
	for _, tc := range adviceCases {
		t.Run(tc.entry+"/"+tc.name, func(t *testing.T) {
			e := entryNamed(t, tc.entry)
			in := analysis.RecommendInput{Actors: tc.actors, Verdicts: tc.verdicts, Campaigns: tc.campaigns, Planted: tc.planted}
			v := buildView(in, tc.format)
			if got := e.applies(v); got != tc.applies {
				t.Fatalf("applies = %v, want %v", got, tc.applies)
			}
			if !tc.applies {
				return
			}
			recs := advise(v, []entry{e})
			if len(recs) == 0 {
				t.Fatal("applies but wrote nothing")
			}
			checkRecommendations(t, in, recs)
			text := recs[0].Title + "\n" + recs[0].Detail
			for _, s := range tc.says {
				if !strings.Contains(text, s) {
					t.Errorf("advice lacks %q:\n%s", s, text)
				}
			}
			if tc.addressed != nil && !slices.Equal(recs[0].Actors, tc.addressed) {
				t.Errorf("actors %v, want %v", recs[0].Actors, tc.addressed)
			}
		})
	}
}

// checkRecommendations checks what holds for any advice: a known kind, text,
// valid categories, and only actors from the input.
func checkRecommendations(t *testing.T, in analysis.RecommendInput, recs []analysis.Recommendation) {
	t.Helper()
	known := map[string]bool{}
	for _, a := range in.Actors {
		known[a.Actor] = true
	}
	for i, r := range recs {
		if r.Priority != i+1 || !validKind(r.Kind) || r.Title == "" || r.Detail == "" || r.Source != "rules" {
			t.Errorf("recommendation %d: %+v", i, r)
		}
		for _, a := range r.Actors {
			if !known[a] {
				t.Errorf("%q names actor %s that is not in the input", r.Title, a)
			}
		}
		for _, c := range r.Categories {
			if !c.Valid() {
				t.Errorf("%q: category %q", r.Title, c)
			}
		}
	}
}

func validKind(k string) bool {
	return slices.Contains([]string{analysis.ActionWAFIPSet, analysis.ActionWAFManaged, analysis.ActionWAFRateBased,
		analysis.ActionWAFCustom, analysis.ActionApp, analysis.ActionServer}, k)
}

// TestAdviceTable checks the table itself: unique names, known kinds, listed
// in the order the advice comes out, and every entry tested both ways.
func TestAdviceTable(t *testing.T) {
	names := map[string]bool{}
	for i, e := range advice {
		if e.name == "" || names[e.name] {
			t.Errorf("entry %d: name %q missing or repeated", i, e.name)
		}
		names[e.name] = true
		if !validKind(e.kind) || e.applies == nil || e.write == nil {
			t.Errorf("entry %q: kind %q, applies or write missing", e.name, e.kind)
		}
		if i > 0 && e.urgency > advice[i-1].urgency {
			t.Errorf("entry %q (urgency %d) is listed after %q (%d): keep the table in the order the advice comes out", e.name, e.urgency, advice[i-1].name, advice[i-1].urgency)
		}
		var yes, no bool
		for _, tc := range adviceCases {
			if tc.entry == e.name {
				yes, no = yes || tc.applies, no || !tc.applies
			}
		}
		if !yes || !no {
			t.Errorf("entry %q needs a case where it applies and one where it does not (adviceCases)", e.name)
		}
	}
}

// TestAdviceHostileUserAgent: a campaign's user agent is the attacker's
// text; it reaches the advice quoted, bounded and without control characters.
func TestAdviceHostileUserAgent(t *testing.T) {
	key := "Odd/1.0\x1b[31m\u202e\"\n" + strings.Repeat("A", 5000)
	in := analysis.RecommendInput{Actors: []evidence.Actor{envRefused},
		Campaigns: []evidence.Campaign{uaCampaign(key, evidence.High, "203.0.113.2")}}
	recs := advise(buildView(in, ""), []entry{entryNamed(t, "block-campaign-user-agent")})
	if len(recs) != 1 {
		t.Fatalf("%d recommendations", len(recs))
	}
	d := recs[0].Detail
	if strings.ContainsAny(d, "\x1b\u202e\n") || len(d) > 600 {
		t.Errorf("detail carries the raw user agent (%d bytes): %q", len(d), d)
	}
}

// The WAF rule for a shared user agent matches the header as sent, or says
// that it cannot and matches a part of it.
func TestUAMatch(t *testing.T) {
	long := "Mozilla/5.0 (compatible; " + strings.Repeat("x", 180) // 205 bytes, as the rules keep it: cut at 200
	tests := []struct {
		name, ua string
		want     []string
	}{
		{"whole", "Odd/1.0", []string{`exactly (no transformation) against "Odd/1.0"`}},
		{"spaces and quotes", `sqlmap/1.7 "x"`, []string{`exactly (no transformation) against "sqlmap/1.7 \"x\""`}},
		{"shortened", long[:200], []string{`contains "` + long[:200] + `"`, "may have shortened"}},
		{"invisible", "EvilBot/2\u200b(hidden)", []string{`contains "EvilBot/2"`, "invisible"}},
		{"control", "EvilBot/3\x1b[0m", []string{`contains "EvilBot/3"`, "control"}},
	}
	for _, tt := range tests {
		got := uaMatch(tt.ua)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: uaMatch = %q, want it to say %q", tt.name, got, w)
			}
		}
		if exact := strings.Contains(got, "exactly"); exact != (tt.name == "whole" || tt.name == "spaces and quotes") {
			t.Errorf("%s: exact match %v in %q", tt.name, exact, got)
		}
	}
}
