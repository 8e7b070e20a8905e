package offline

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// An entry is one piece of advice: how urgent it is, what kind of action it
// asks for, when the run's findings call for it, and what it says.
type entry struct {
	name    string // stable id, for tests
	urgency int    // higher is listed first; equal urgencies keep table order
	kind    string // one of the analysis.Action* constants
	// applies reports whether the findings call for the advice.
	applies func(*view) bool
	// write says it, for findings it applies to: title, detail, and the
	// categories and actors addressed. Recommend sets the kind, source and
	// priority. Most entries write one recommendation; the campaign rule
	// writes one per campaign.
	write func(*view) []analysis.Recommendation
}

// advice is every recommendation the offline analyzer can make, most urgent
// first: what to rotate or fix, which addresses to block, which AWS WAF
// managed rule groups and custom rules apply, and what to change in the
// application and hosting. See the package documentation for adding one.
var advice = []entry{
	{name: "rotate-exposed", urgency: 100, kind: analysis.ActionApp,
		applies: func(v *view) bool { return len(v.exposed) > 0 },
		write:   rotateExposed},
	{name: "clean-planted-page", urgency: 95, kind: analysis.ActionApp,
		applies: func(v *view) bool { return len(v.planted) > 0 },
		write:   cleanPlantedPages},
	{name: "fix-failing-handlers", urgency: 90, kind: analysis.ActionApp,
		applies: func(v *view) bool { return len(v.broken()) > 0 },
		write:   fixFailingHandlers},
	{name: "ip-set", urgency: 80, kind: analysis.ActionWAFIPSet,
		applies: func(v *view) bool { return len(v.block) > 0 || v.blockable > 0 },
		write:   ipSet},
	{name: "known-bad-inputs", urgency: 75, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.Log4Shell, evidence.CVEProbe),
		write: says("Enable the AWS WAF managed rule group AWSManagedRulesKnownBadInputsRuleSet",
			"It blocks request patterns of known exploits, including Log4Shell (Log4j JNDI lookups in the URI, body and headers) and Java deserialization payloads. Even if the site runs no Java, it stops these requests before they reach any backend or log pipeline that might.",
			evidence.Log4Shell, evidence.CVEProbe)},
	{name: "account-takeover-prevention", urgency: 72, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.CredentialStuffing),
		write: says("Enable AWS WAF account takeover prevention (AWSManagedRulesATPRuleSet) on the login endpoint",
			"Many addresses each tried a few logins and nothing else: credential stuffing spread thin, so a per-address rate limit never trips. The ATP rule group inspects login requests for stolen-credential use and volumetric patterns across addresses. In the application, check new passwords and logins against known-breached credentials, limit failures per account (not only per address), and offer or require MFA.",
			evidence.CredentialStuffing)},
	{name: "sqli-rule-set", urgency: 70, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.SQLInjection),
		write: says("Enable the AWS WAF managed rule group AWSManagedRulesSQLiRuleSet",
			"It blocks SQL injection patterns in the query string, body, cookies and URI path, like the attempts seen here. Keep parameterised queries in the application: the rule group is a second line, not a fix.",
			evidence.SQLInjection)},
	{name: "login-rate-limit", urgency: 70, kind: analysis.ActionWAFRateBased,
		applies: flagged(evidence.BruteForce),
		write:   loginRateLimit},
	{name: "object-authorization", urgency: 69, kind: analysis.ActionApp,
		applies: flagged(evidence.Enumeration),
		write: says("Check authorization on every record a route serves, and rate-limit id lookups",
			"A client walked record ids one by one. Make sure each record is served only to whom it belongs (the answers it got 2xx are the ones to check), prefer unguessable ids (UUIDs) over sequential numbers in URLs, and add a rate-based rule scoped to the route.",
			evidence.Enumeration)},
	{name: "login-lockout", urgency: 68, kind: analysis.ActionApp,
		applies: flagged(evidence.BruteForce),
		write: func(v *view) []analysis.Recommendation {
			return v.say("Lock out or slow down repeated failed logins, and offer MFA",
				fmt.Sprintf("Failed logins on %s came in bursts. Limit attempts per account and per address, add an increasing delay or a temporary lockout after a few failures, offer or require MFA, and alert on spikes of 401/403 on the login endpoint.", v.loginPaths()),
				evidence.BruteForce)
		}},
	{name: "common-rule-set", urgency: 65, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.XSS, evidence.PathTraversal, evidence.SensitiveFiles, evidence.ScannerUA, evidence.BadRequest, evidence.HTTPProbing),
		write: says("Enable the AWS WAF managed rule group AWSManagedRulesCommonRuleSet",
			"The core rule set: cross-site scripting, local and remote file inclusion, missing User-Agent, oversized requests and other common exploit patterns. Start it in Count mode for a day if the site accepts large request bodies (uploads), since its size rules can block them.",
			evidence.XSS, evidence.PathTraversal, evidence.SensitiveFiles, evidence.ScannerUA, evidence.BadRequest, evidence.HTTPProbing)},
	{name: "linux-unix-rule-sets", urgency: 60, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.PathTraversal, evidence.CVEProbe, evidence.Webshell),
		write: says("Enable AWSManagedRulesLinuxRuleSet and AWSManagedRulesUnixRuleSet",
			"The Linux rule group blocks local file inclusion of Linux files (/etc/passwd, /proc/…, traversal to them); the POSIX/Unix group blocks command injection such as $(…), ; id and wget/curl chains. Both match the traversal and exploit attempts seen here.",
			evidence.PathTraversal, evidence.CVEProbe, evidence.Webshell)},
	{name: "restrict-methods", urgency: 58, kind: analysis.ActionWAFCustom,
		applies: flagged(evidence.MethodProbing),
		write: says("Allow only the HTTP methods the site uses",
			"Clients tried WebDAV and unusual methods (PROPFIND, TRACE, PUT of files). Add an AWS WAF custom rule that blocks methods other than GET, HEAD, POST and OPTIONS (add PUT, PATCH and DELETE only for the API paths that take them), restrict the methods CloudFront forwards, and turn off TRACE and any WebDAV module on the servers behind it. Where a write was answered 2xx, look for files that should not be there.",
			evidence.MethodProbing)},
	{name: "block-unserved-paths", urgency: 55, kind: analysis.ActionWAFCustom,
		applies: func(v *view) bool { labels, _ := v.unservedPaths(); return len(labels) > 0 },
		write:   blockUnservedPaths},
	{name: "block-campaign-user-agent", urgency: 52, kind: analysis.ActionWAFCustom,
		applies: func(v *view) bool { return len(v.userAgentCampaigns()) > 0 },
		write:   blockCampaignUserAgents},
	{name: "php-rule-set", urgency: 50, kind: analysis.ActionWAFManaged,
		applies: func(v *view) bool { asked, served := v.php(); return asked && served },
		write: func(v *view) []analysis.Recommendation {
			return v.sayOnly("Enable the AWS WAF managed rule group AWSManagedRulesPHPRuleSet",
				"Some .php requests were answered 2xx, so the site may run PHP: this group blocks PHP-specific exploit patterns (unsafe functions, code injection in parameters).",
				v.phpCategories())
		}},
	{name: "php-rule-set-if-php", urgency: 50, kind: analysis.ActionWAFManaged,
		applies: func(v *view) bool { asked, served := v.php(); return asked && !served },
		write: func(v *view) []analysis.Recommendation {
			return v.sayOnly("Enable AWSManagedRulesPHPRuleSet only if the site runs PHP",
				"Every .php request seen here failed, so the site probably does not run PHP; then the custom path rule (block paths ending in .php) is simpler and cheaper. If it does run PHP, this group blocks PHP-specific exploit patterns.",
				v.phpCategories())
		}},
	{name: "rate-based", urgency: 50, kind: analysis.ActionWAFRateBased,
		applies: func(v *view) bool { actors, _, _ := v.fast(); return len(actors) > 0 },
		write:   rateBased},
	{name: "ip-reputation", urgency: 45, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.ScannerUA, evidence.HTTPProbing, evidence.SensitiveFiles, evidence.WordPressScan, evidence.CVEProbe, evidence.Webshell, evidence.BruteForce),
		write: says("Enable AWSManagedRulesAmazonIpReputationList and AWSManagedRulesAnonymousIpList",
			"Scanners like these mostly come from addresses Amazon's threat intelligence already lists, from hosting providers, VPNs and Tor. The anonymous-IP group's hosting-provider rule can also block legitimate cloud-hosted clients (uptime monitors, partners' servers): run it in Count mode first and exclude that rule if needed.",
			evidence.ScannerUA, evidence.HTTPProbing, evidence.SensitiveFiles, evidence.WordPressScan, evidence.CVEProbe, evidence.Webshell, evidence.BruteForce)},
	{name: "secrets-out-of-build", urgency: 45, kind: analysis.ActionApp,
		// When a file was answered 2xx, rotate-exposed says more.
		applies: func(v *view) bool { return v.has(evidence.SensitiveFiles) && len(v.exposed) == 0 },
		write: says("Keep secrets and repository metadata out of the web root and build output",
			"Scanners asked for .env files, .git/ and credentials. None was answered 2xx here; keep it that way: secrets belong in the hosting's environment variables or a secrets manager, not in files that are deployed, and .git/, backups and dumps should never be in the build output.",
			evidence.SensitiveFiles)},
	{name: "admin-protection-rule-set", urgency: 40, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.AdminProbing),
		write: says("Enable the AWS WAF managed rule group AWSManagedRulesAdminProtectionRuleSet",
			"It blocks external access to common administrative paths. If the site has its own admin pages, add a scope-down statement or an allow rule for your own addresses before enabling it.",
			evidence.AdminProbing)},
	{name: "bot-control", urgency: 35, kind: analysis.ActionWAFManaged,
		applies: flagged(evidence.AggressiveCrawl),
		write: says("Consider AWS WAF Bot Control (AWSManagedRulesBotControlRuleSet)",
			"It labels and blocks unverified bots and scrapers while letting verified search engines through. It is priced per request on top of AWS WAF: scope it down to the pages that matter if traffic is large, or rely on the rate-based rule below.",
			evidence.AggressiveCrawl)},
	{name: "wordpress-rule-set", urgency: 30, kind: analysis.ActionWAFManaged,
		// Only for a site that may run WordPress; otherwise block-unserved-paths
		// blocks the WordPress paths.
		applies: func(v *view) bool { return v.has(evidence.WordPressScan) && v.wordPressServed() },
		write: says("Enable the AWS WAF managed rule group AWSManagedRulesWordPressRuleSet",
			"WordPress paths were answered 2xx, so the site may run WordPress: this group blocks WordPress-specific exploit patterns. Keep WordPress and its plugins updated and protect wp-login.php with MFA.",
			evidence.WordPressScan)},
	{name: "remove-default-pages", urgency: 25, kind: analysis.ActionServer,
		applies: flagged(evidence.AdminProbing, evidence.TechProbing, evidence.HTTPProbing),
		write: says("Disable directory listing and remove default and diagnostic pages",
			"The probes looked for admin panels, status pages and framework endpoints (server-status, phpinfo, actuator, debug pages). On any server behind the site, turn off directory listing, remove default, sample and diagnostic pages, and keep admin interfaces on a private network or behind authentication.",
			evidence.AdminProbing, evidence.TechProbing, evidence.HTTPProbing)},
	{name: "amplify-hardening", urgency: 20, kind: analysis.ActionServer,
		applies: func(v *view) bool { return v.mayBeAmplify() && len(v.actors) > 0 },
		write: func(v *view) []analysis.Recommendation {
			return v.say("Harden the Amplify Hosting settings",
				v.onAmplify()+"set security headers in the app's custom headers (Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, X-Frame-Options), review the rewrites and redirects so that unknown paths return 404 rather than index.html where possible, and use access control (password protection) on preview and non-production branches so scanners cannot reach them.",
				evidence.SensitiveFiles, evidence.XSS, evidence.HTTPProbing)
		}},
}

// Recommend writes the advice that applies to the run, most urgent first.
func (o Session) Recommend(ctx context.Context, in analysis.RecommendInput) (analysis.RecommendResult, error) {
	if err := ctx.Err(); err != nil {
		return analysis.RecommendResult{}, err
	}
	return analysis.RecommendResult{Recommendations: advise(buildView(in, o.Format), advice)}, nil
}

// advise runs the entries over the findings, most urgent first, and
// numbers the recommendations.
func advise(v *view, entries []entry) []analysis.Recommendation {
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b entry) int { return cmp.Compare(b.urgency, a.urgency) })
	out := []analysis.Recommendation{}
	for _, e := range entries {
		if !e.applies(v) {
			continue
		}
		for _, r := range e.write(v) {
			r.Kind, r.Source, r.Priority = e.kind, "rules", len(out)+1
			out = append(out, r)
		}
	}
	return out
}

// flagged applies when any of cats was flagged.
func flagged(cats ...evidence.Category) func(*view) bool {
	return func(v *view) bool { return v.has(cats...) }
}

// says writes fixed text for those of cats that were flagged, and their actors.
func says(title, detail string, cats ...evidence.Category) func(*view) []analysis.Recommendation {
	return func(v *view) []analysis.Recommendation { return v.say(title, detail, cats...) }
}

// say is one recommendation for those of cats that were flagged, and their actors.
func (v *view) say(title, detail string, cats ...evidence.Category) []analysis.Recommendation {
	return v.sayOnly(title, detail, v.present(cats...))
}

// sayOnly is one recommendation for exactly cats, and their actors.
func (v *view) sayOnly(title, detail string, cats []evidence.Category) []analysis.Recommendation {
	return []analysis.Recommendation{{Title: title, Detail: detail, Categories: cats, Actors: v.actorsFor(cats...)}}
}

// rotateExposed: a request for secrets or a backdoor was answered 2xx.
func rotateExposed(v *view) []analysis.Recommendation {
	var targets, who []string
	for _, e := range v.exposed {
		if !slices.Contains(targets, e.target) && len(targets) < 5 {
			targets = append(targets, e.target)
		}
		if !slices.Contains(who, e.actor) {
			who = append(who, e.actor)
		}
	}
	detail := fmt.Sprintf("%s answered 2xx to %s. If the files really exist, treat every credential in them as leaked: rotate the API keys, tokens and database passwords they hold now, then remove the files from the deployment and the build output and redeploy. Request the paths yourself first: a single-page-app rewrite that serves index.html with 200 for every path also produces these answers, and then nothing leaked.",
		join(targets, "and"), plural(int64(len(who)), "address", "addresses"))
	if v.mayBeAmplify() {
		detail += " " + v.onAmplify() + "check that amplify.yml's artifacts (baseDirectory and files) do not pick up .env or other secret files, and that the rewrite rules do not answer 200 for them."
	}
	return []analysis.Recommendation{{
		Title:      "Rotate the credentials the exposed files may hold, and remove the files from the deployment",
		Detail:     detail,
		Categories: v.present(evidence.SensitiveFiles, evidence.Webshell),
		Actors:     firstActors(who, maxActors),
	}}
}

// cleanPlantedPages: pages whose every visitor's browser sent the same
// payloads carry injected content. Cleaning the page stops the requests;
// blocking its readers would not. The visitors are no one's to block, so
// the advice names no actor.
func cleanPlantedPages(v *view) []analysis.Recommendation {
	var pages, targets []string
	var visitors int64
	var cats []evidence.Category
	for _, p := range v.planted {
		if len(pages) < 3 {
			pages = append(pages, show(p.Page))
		}
		for _, t := range p.Targets {
			if len(targets) < 4 && !slices.Contains(targets, show(t)) {
				targets = append(targets, show(t))
			}
		}
		visitors += p.Visitors
		cats = evidence.UnionCategories(cats, p.Categories)
	}
	title := "Inspect and clean the page " + pages[0] + ": it makes its visitors' browsers send attacks"
	if len(v.planted) > 1 {
		title = fmt.Sprintf("Inspect and clean %d pages that make their visitors' browsers send attacks", len(v.planted))
	}
	return []analysis.Recommendation{{
		Title: title,
		Detail: fmt.Sprintf("%s of %s each requested the same attack payloads (%s) with the page as referer, as an injected <img>, <script> or link makes every reader's browser do: the page, a comment or other user content on it, or a third-party script it loads likely carries injected content. Open the page as it is served, find where those URLs come from in its HTML, its comments and the scripts it loads, remove them and close the way in (a stored cross-site scripting hole, a compromised dependency or tag). Then send a Content-Security-Policy header that allows scripts, images and connections only from the site itself and the hosts it really uses (for example default-src 'self'), so that injected markup cannot load or send anything. The visitors are not attackers and are not on the blocklist. The payloads still reach the application until the page is clean: AWS WAF's AWSManagedRulesCommonRuleSet (and AWSManagedRulesSQLiRuleSet for SQL injection) stops such requests in front of it.",
			plural(visitors, "visitor", "visitors"), join(pages, "and"), join(targets, "and")),
		Categories: cats,
	}}
}

// brokenBy are the payload categories whose 5xx answers point at a handler.
var brokenBy = []evidence.Category{evidence.SQLInjection, evidence.PathTraversal, evidence.XSS, evidence.CVEProbe}

// broken lists up to five paths that answered 5xx to a payload of brokenBy.
func (v *view) broken() []string {
	var out []string
	for _, c := range brokenBy {
		for _, t := range v.errors5[c] {
			if !slices.Contains(out, t) && len(out) < 5 {
				out = append(out, t)
			}
		}
	}
	return out
}

// fixFailingHandlers: payloads that broke something. The handler is the
// problem, not just the traffic.
func fixFailingHandlers(v *view) []analysis.Recommendation {
	var cats []evidence.Category
	var names []string
	for _, c := range brokenBy {
		if len(v.errors5[c]) > 0 {
			cats = append(cats, c)
			names = append(names, catName[c])
		}
	}
	return v.sayOnly("Fix the handlers that answered 5xx to attack payloads",
		fmt.Sprintf("%s answered 5xx to %s payloads. An error on a crafted payload often means the input reaches a query, file path or interpreter unescaped: review these handlers, use parameterised queries and allow-list file names, and make bad input return 400 without details.", join(v.broken(), "and"), join(names, "and")),
		cats)
}

// ipSet blocks the actors at medium severity or above, and names the
// categories they were flagged in.
func ipSet(v *view) []analysis.Recommendation {
	wafWhere := "Attach the web ACL to the CloudFront distribution, ALB or API in front of the site."
	if v.mayBeAmplify() {
		wafWhere = v.onAmplify() + "AWS WAF is attached through the Amplify console's firewall integration for the app; elsewhere, attach the web ACL to the CloudFront distribution or ALB in front of the site."
	}
	blocked := make(map[string]bool, len(v.block))
	for _, a := range v.block {
		blocked[a] = true
	}
	var cats []evidence.Category
	for _, c := range evidence.Categories {
		if slices.ContainsFunc(v.cats[c], func(a string) bool { return blocked[a] }) {
			cats = append(cats, c)
		}
	}
	n, from := int64(len(v.block)), "the report's blocklist"
	if v.blockable > n {
		// Addresses in groups: the blocklist is bounded, the address file is not.
		n, from = v.blockable, "the report's blocklist and, for the addresses it does not name, the address file "+v.addressFile+" (its addresses at severity medium and above)"
	}
	return []analysis.Recommendation{{
		Title: "Block the listed attacker addresses with an AWS WAF IP set",
		Detail: fmt.Sprintf("Create AWS WAF IP sets from %s (%s at medium severity or above; IPv4 /32 and IPv6 /64, one IP set per address family) and a rule that blocks them, placed before the managed rule groups. Attackers move: expire entries after about 30 days and rely on the rules below for the next address. %s",
			from, plural(n, "address", "addresses"), wafWhere),
		Categories: cats,
		Actors:     firstActors(v.block, maxActors),
	}}
}

// loginRateLimit derives the limit from the slowest brute-forcing address.
func loginRateLimit(v *view) []analysis.Recommendation {
	rate := math.Inf(1)
	for i := range v.actors {
		if slices.Contains(v.actors[i].Categories, evidence.BruteForce) {
			rate = min(rate, rate5(&v.actors[i]))
		}
	}
	limit := int64(20)
	if !math.IsInf(rate, 1) {
		limit = min(max(niceFloor(rate/2), 10), 100)
	}
	return v.say(fmt.Sprintf("Rate-limit the login endpoint to %d requests per 5 minutes per address", limit),
		fmt.Sprintf("Add a rate-based rule with a scope-down statement matching %s (and the POST method), limit %d per 5 minutes per source IP. AWS WAF's account takeover prevention group (AWSManagedRulesATPRuleSet) is a paid alternative that also checks for stolen credentials.", v.loginPaths(), limit),
		evidence.BruteForce)
}

// loginPaths names up to three paths the failed logins went to.
func (v *view) loginPaths() string {
	var paths []string
	for _, s := range v.samples[evidence.BruteForce] {
		p := show(pathOf(s.target))
		if p != "" && !slices.Contains(paths, p) && len(paths) < 3 {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return "the login path"
	}
	return join(paths, "and")
}

// probePaths are path matches a custom rule can block when the site
// does not serve them; each is proposed only when the probes asked for it.
var probePaths = []struct {
	cat   evidence.Category
	match string // a prefix, or a suffix when it starts with '.'
}{
	{evidence.SensitiveFiles, "/.env"},
	{evidence.SensitiveFiles, "/.git/"},
	{evidence.SensitiveFiles, "/.aws/"},
	{evidence.SensitiveFiles, "/.ssh/"},
	{evidence.SensitiveFiles, "/.svn/"},
	{evidence.SensitiveFiles, "/.DS_Store"},
	{evidence.WordPressScan, "/wp-login.php"},
	{evidence.WordPressScan, "/wp-admin"},
	{evidence.WordPressScan, "/wp-content/"},
	{evidence.WordPressScan, "/wp-includes/"},
	{evidence.WordPressScan, "/xmlrpc.php"},
	{evidence.AdminProbing, "/phpmyadmin"},
	{evidence.Webshell, ".php"},
	{evidence.CVEProbe, ".php"},
	{evidence.TechProbing, ".php"},
}

// unservedPaths describes the probed paths the site does not serve, as
// conditions on the URI path, and the categories that probed them. A
// sensitive file answered 2xx is still blocked (it should not be served);
// other paths answered 2xx, and every WordPress path when the site may be
// WordPress, are the site's own.
func (v *view) unservedPaths() (labels []string, cats []evidence.Category) {
	_, phpServed := v.php()
	wordPress := v.wordPressServed()
	for _, bp := range probePaths {
		if bp.cat == evidence.WordPressScan && wordPress {
			continue
		}
		asked, served := v.sawTarget(bp.match, bp.cat)
		if !asked || (served && bp.cat != evidence.SensitiveFiles) {
			continue
		}
		label := "starts with " + bp.match
		if strings.HasPrefix(bp.match, ".") {
			if phpServed {
				continue
			}
			label = "ends with " + bp.match
		}
		if !slices.Contains(labels, label) {
			labels = append(labels, label)
		}
		if !slices.Contains(cats, bp.cat) {
			cats = append(cats, bp.cat)
		}
	}
	evidence.SortCategories(cats)
	return labels, cats
}

// blockUnservedPaths stops the next scanner's probes even from new addresses.
func blockUnservedPaths(v *view) []analysis.Recommendation {
	labels, cats := v.unservedPaths()
	return v.sayOnly("Add a custom rule that blocks paths this site never serves",
		fmt.Sprintf("One rule, action Block, matching the URI path with the transformations URL_DECODE and LOWERCASE when it %s. These are the paths the scanners asked for; the site does not serve them (check that before enabling, e.g. that it is not WordPress and serves no PHP). It stops the next scanner's probes even from new addresses.", join(labels, "or")),
		cats)
}

// userAgentCampaigns are up to three campaigns of medium severity or above
// that share a non-blank user agent.
func (v *view) userAgentCampaigns() []evidence.Campaign {
	var out []evidence.Campaign
	for _, c := range v.campaigns {
		if c.Kind == "shared-user-agent" && c.Severity >= evidence.Medium && strings.TrimSpace(c.Key) != "" && len(out) < 3 {
			out = append(out, c)
		}
	}
	return out
}

// blockCampaignUserAgents: the shared header is a cheap match that also
// catches the campaign's addresses not seen yet. One rule per campaign.
func blockCampaignUserAgents(v *view) []analysis.Recommendation {
	var out []analysis.Recommendation
	for _, c := range v.userAgentCampaigns() {
		cats := slices.Clone(c.Categories)
		evidence.SortCategories(cats)
		addresses := plural(c.Size(), "address", "addresses")
		out = append(out, analysis.Recommendation{
			Title:      "Add a custom rule that blocks the user agent shared by " + addresses,
			Detail:     fmt.Sprintf("%s and block. %s used it for %s. Check first that no client you want sends the same string.", uaMatch(c.Key), addresses, plural(c.Requests, "request", "requests")),
			Categories: cats,
			Actors:     firstActors(c.Actors, maxActors),
		})
	}
	return out
}

// wafSearchMax is the longest search string of an AWS WAF string match. The
// rules keep a campaign's user agent to the same length, cut on a rune
// boundary, so a key within utf8.UTFMax bytes of it may be a shortened header.
const wafSearchMax = 200

// uaMatch says how a WAF rule matches a campaign's user agent: exactly when
// logsift holds the header as it was sent, or else with a contains-match on the
// part before anything logsift could not keep, saying why.
func uaMatch(ua string) string {
	part, why := ua, ""
	var f analysis.Filter
	for i, r := range ua {
		if r == utf8.RuneError || f.Hides(r) {
			part, why = ua[:i], "it holds control or invisible characters, which are not shown here"
			break
		}
	}
	if why == "" && len(ua) > wafSearchMax-utf8.UTFMax {
		why = fmt.Sprintf("logsift keeps at most %d bytes of a user agent and may have shortened this one", wafSearchMax)
	}
	if why == "" {
		return fmt.Sprintf("Match the User-Agent header exactly (no transformation) against %q", ua)
	}
	return fmt.Sprintf("Match where the User-Agent header contains %q (a contains-match: %s, so an exact match would miss it)", part, why)
}

// phpBy are the categories whose .php requests say something about PHP
// (WordPress scans ask for .php whatever the site runs).
var phpBy = []evidence.Category{evidence.Webshell, evidence.CVEProbe, evidence.TechProbing}

// php reports whether phpBy probes asked for .php paths, and whether any was
// answered 2xx (then the site may run PHP).
func (v *view) php() (asked, served bool) { return v.sawTarget(".php", phpBy...) }

// phpCategories are those of phpBy that asked for .php paths.
func (v *view) phpCategories() []evidence.Category {
	var cats []evidence.Category
	for _, c := range phpBy {
		if asked, _ := v.sawTarget(".php", c); asked {
			cats = append(cats, c)
		}
	}
	return cats
}

// wordPressServed reports whether a WordPress path was answered 2xx: the
// site may run WordPress.
func (v *view) wordPressServed() bool {
	_, served := v.sawTarget("/wp-", evidence.WordPressScan)
	return served
}

// fastAt is the average rate, in requests per 5 minutes, from which a
// flagged address is fast enough for a rate-based rule to help.
const fastAt = 200

// fast lists the addresses a rate-based rule helps against (the crawlers,
// and any flagged address that averaged fastAt or more), the slowest of
// their rates, and their categories.
func (v *view) fast() (actors []string, slowest float64, cats []evidence.Category) {
	slowest = math.Inf(1)
	for i := range v.actors {
		a := &v.actors[i]
		if !a.Suspicious() || a.FirstSeen.IsZero() {
			continue
		}
		r := rate5(a)
		if !slices.Contains(a.Categories, evidence.AggressiveCrawl) && r < fastAt {
			continue
		}
		slowest = min(slowest, r)
		if len(actors) < maxActors {
			actors = append(actors, a.Actor)
		}
		for _, c := range a.Categories {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	evidence.SortCategories(cats)
	return actors, slowest, cats
}

// rateBased sets the limit at half the slowest fast address's rate.
func rateBased(v *view) []analysis.Recommendation {
	actors, rate, cats := v.fast()
	limit := min(max(niceFloor(rate/2), 100), 2000)
	return []analysis.Recommendation{{
		Title:      fmt.Sprintf("Add a rate-based rule: block an address above %d requests per 5 minutes", limit),
		Detail:     fmt.Sprintf("Aggregate on the source IP over a 5-minute window. The slowest of the fast flagged addresses averaged about %d requests per 5 minutes; the limit is half of that, kept between 100 and 2,000. A single-page app loads many files per page, so run it in Count mode for a day, check that no ordinary visitor, uptime monitor or crawler you want would have been blocked, then switch to Block.", int64(rate)),
		Categories: cats,
		Actors:     actors,
	}}
}

// catName names categories in sentences.
var catName = map[evidence.Category]string{
	evidence.SensitiveFiles:   "sensitive-file",
	evidence.AdminProbing:     "admin-interface",
	evidence.TechProbing:      "technology",
	evidence.WordPressScan:    "WordPress",
	evidence.PathTraversal:    "path traversal",
	evidence.SQLInjection:     "SQL injection",
	evidence.XSS:              "cross-site scripting",
	evidence.Log4Shell:        "Log4Shell",
	evidence.CVEProbe:         "known-exploit",
	evidence.Webshell:         "webshell",
	evidence.ScannerUA:        "scanner",
	evidence.HTTPProbing:      "probing",
	evidence.AggressiveCrawl:  "crawling",
	evidence.BruteForce:       "brute-force",
	evidence.BadRequest:       "malformed",
	evidence.CommandInjection: "command injection",
	evidence.SSRF:             "server-side request forgery",
	evidence.RFI:              "remote file inclusion",
	evidence.CRLFInjection:    "header injection",
	evidence.Spam:             "form spam",
	evidence.BadBot:           "bad-bot",
}
