// Package offline is the analyzer that needs no network: verdicts come from the
// rules' hits, with a confidence from the strength of the evidence and a
// rationale written from the hits, and advice comes from fixed, tested text
// chosen by what was seen. It is the local default, and the floor every model
// answer is merged with.
package offline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/evidence"
)

// Analyzer is the offline analyzer.
type Analyzer struct {
	// Format is the log format analysed ("amplify", "cloudfront", ...). With
	// "amplify" the advice names Amplify Hosting's features; with "" it
	// mentions them conditionally.
	Format string
}

var _ analysis.Analyzer = Analyzer{}

// Classify gives one verdict per actor from its rule hits, and one
// observation per campaign.
func (o Analyzer) Classify(ctx context.Context, actors []evidence.Actor, campaigns []evidence.Campaign) (analysis.ClassifyResult, error) {
	if err := ctx.Err(); err != nil {
		return analysis.ClassifyResult{}, err
	}
	res := analysis.ClassifyResult{Verdicts: make([]analysis.Verdict, 0, len(actors))}
	for i := range actors {
		if !actors[i].Suspicious() {
			continue
		}
		res.Verdicts = append(res.Verdicts, Verdict(&actors[i]))
	}
	for _, c := range campaigns {
		res.Observations = append(res.Observations, Observation(c))
	}
	return res, nil
}

// payload categories carry an exploit attempt, not just reconnaissance.
func isPayload(c evidence.Category) bool {
	switch c {
	case evidence.Log4Shell, evidence.CVEProbe, evidence.Webshell, evidence.SQLInjection, evidence.PathTraversal, evidence.XSS:
		return true
	}
	return false
}

// mayExpose reports whether a 2xx answer in category c may mean the
// attacker got something: a sensitive file or a backdoor that exists.
func mayExpose(c evidence.Category) bool {
	return c == evidence.SensitiveFiles || c == evidence.Webshell
}

func is2xx(status int) bool { return status >= 200 && status < 300 }

// Verdict is the rules' verdict for one actor, with a confidence from
// the strength of the evidence and a one-sentence rationale.
func Verdict(a *evidence.Actor) analysis.Verdict {
	v := analysis.Verdict{Actor: a.Actor, Severity: a.Severity, Source: "rules"}
	v.Categories = slices.Clone(a.Categories)
	var total int64
	payload, exposed := false, false
	for _, h := range a.Hits {
		v.Severity = max(v.Severity, h.Severity)
		if h.Category != "" && !slices.Contains(v.Categories, h.Category) {
			v.Categories = append(v.Categories, h.Category)
		}
		total += h.Count
		payload = payload || isPayload(h.Category)
		if mayExpose(h.Category) {
			for _, s := range h.Samples {
				exposed = exposed || is2xx(s.Status)
			}
		}
	}
	if exposed {
		// A sensitive file or backdoor answered 2xx: the attacker may hold
		// secrets. Raise, never lower.
		v.Severity = max(v.Severity, evidence.High)
	}
	evidence.SortCategories(v.Categories)

	// Confidence: more requests, more distinct rules, exploit payloads and
	// attack-tool names all make a mistaken verdict less likely.
	c := 0.45
	c += 0.08 * float64(min(len(a.Hits)-1, 3))
	c += 0.1 * math.Min(math.Log10(float64(max(total, 1))), 2)
	if payload {
		c += 0.1
	}
	if exposed {
		c += 0.05
	}
	if slices.Contains(v.Categories, evidence.ScannerUA) {
		c += 0.05
	}
	if len(a.Hits) == 0 {
		c = 0.3
	}
	v.Confidence = math.Round(min(c, 0.97)*100) / 100
	v.Rationale = analysis.Sanitize(rationale(a), analysis.MaxRationaleLen)
	return v
}

// show makes a logged value short and safe enough for a sentence.
// Only the start of a long value is sanitised: logged values can be 64 KiB.
func show(s string) string {
	const limit, window = 60, 512
	if len(s) <= window {
		return analysis.Sanitize(s, limit)
	}
	n := window
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	t := analysis.Sanitize(s[:n], 0)
	if len(t) > limit-3 {
		n = limit - 3
		for n > 0 && !utf8.RuneStart(t[n]) {
			n--
		}
		t = t[:n]
	}
	return t + "…"
}

// examples lists up to n distinct sample targets of a hit.
func examples(h *evidence.Hit, n int) []string {
	var out []string
	for _, s := range h.Samples {
		t := show(s.Target)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
		if len(out) == n {
			break
		}
	}
	return out
}

func suchAs(h *evidence.Hit) string {
	ex := examples(h, 2)
	if len(ex) == 0 {
		return ""
	}
	return " such as " + join(ex, "and")
}

// join joins "a", "a and b", "a, b and c".
func join(xs []string, conj string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + conj + " " + xs[len(xs)-1]
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// clause describes one hit as a verb phrase.
func clause(h *evidence.Hit) string {
	var ok int64
	for _, s := range h.Samples {
		if is2xx(s.Status) {
			ok++
		}
	}
	answered := ""
	if ok > 0 && mayExpose(h.Category) {
		answered = fmt.Sprintf(" (%d answered %s)", ok, "2xx")
		if int64(len(h.Samples)) < h.Count {
			answered = fmt.Sprintf(" (at least %d answered 2xx)", ok)
		}
	}
	n := h.Count
	switch h.Category {
	case evidence.SensitiveFiles:
		return "requested " + plural(n, "sensitive file", "sensitive files") + suchAs(h) + answered
	case evidence.Log4Shell:
		where := ""
		for _, s := range h.Samples {
			if strings.Contains(strings.ToLower(s.UA), "${") {
				where = " in the User-Agent"
				break
			}
		}
		return "sent " + plural(n, "Log4Shell (JNDI lookup) payload", "Log4Shell (JNDI lookup) payloads") + where
	case evidence.SQLInjection:
		return "sent " + plural(n, "SQL injection attempt", "SQL injection attempts") + suchAs(h) + serverErrors(h)
	case evidence.PathTraversal:
		return "tried path traversal in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.XSS:
		return "sent " + plural(n, "cross-site scripting payload", "cross-site scripting payloads") + suchAs(h)
	case evidence.CVEProbe:
		return "probed for known exploits in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.Webshell:
		return "looked for webshells or backdoors in " + plural(n, "request", "requests") + suchAs(h) + answered
	case evidence.ScannerUA:
		ua := ""
		for _, s := range h.Samples {
			if s.UA != "" {
				ua = " (" + show(s.UA) + ")"
				break
			}
		}
		return "used an attack tool's user agent" + ua + " in " + plural(n, "request", "requests")
	case evidence.HTTPProbing:
		return "hit " + plural(n, "failing path", "failing paths") + " in a burst" + suchAs(h)
	case evidence.AggressiveCrawl:
		return "made " + plural(n, "request", "requests") + " at a rate far above a person's"
	case evidence.BruteForce:
		target := ""
		if ex := examples(h, 1); len(ex) > 0 {
			target = " on " + ex[0]
		}
		return "failed to log in " + plural(n, "time", "times") + target
	case evidence.WordPressScan:
		return "scanned for WordPress in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.AdminProbing:
		return "probed for admin interfaces in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.TechProbing:
		return "probed for software the site may not run in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.BadRequest:
		return "sent " + plural(n, "malformed or proxy request", "malformed or proxy requests")
	}
	if h.Reason != "" {
		return "triggered rule " + show(h.Rule) + ": " + show(h.Reason)
	}
	return "triggered rule " + show(h.Rule)
}

func serverErrors(h *evidence.Hit) string {
	n := 0
	for _, s := range h.Samples {
		if s.Status >= 500 {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d caused a 5xx error)", n)
}

// rationale is one sentence from the actor's hits, worst first.
func rationale(a *evidence.Actor) string {
	hits := slices.Clone(a.Hits)
	slices.SortStableFunc(hits, func(x, y evidence.Hit) int {
		if x.Severity != y.Severity {
			return int(y.Severity - x.Severity)
		}
		return int(y.Count - x.Count)
	})
	const maxClauses = 4
	var cl []string
	for i := range hits {
		if i == maxClauses {
			break
		}
		cl = append(cl, clause(&hits[i]))
	}
	if len(cl) == 0 {
		return "No rule fired for this actor."
	}
	if extra := len(hits) - maxClauses; extra > 0 {
		cl = append(cl, fmt.Sprintf("triggered %d more %s", extra, map[bool]string{true: "rule", false: "rules"}[extra == 1]))
	}
	s := join(cl, "and")
	if d := a.LastSeen.Sub(a.FirstSeen); !a.FirstSeen.IsZero() && d >= time.Minute {
		s += fmt.Sprintf(", over %s", duration(d))
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func duration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return plural(int64(d/time.Hour), "hour", "hours")
	}
	return plural(int64(d/(24*time.Hour)), "day", "days")
}

// Observation describes a campaign in one sentence.
func Observation(c evidence.Campaign) analysis.Observation {
	var what string
	switch c.Kind {
	case "shared-user-agent":
		what = "shared the user agent " + strconv.Quote(show(c.Key))
	case "shared-probe-set":
		what = "probed the same set of paths (" + show(c.Key) + ")"
	default:
		what = "acted alike (" + show(c.Key) + ")"
	}
	cats := make([]string, 0, len(c.Categories))
	for _, k := range c.Categories {
		cats = append(cats, string(k))
	}
	s := fmt.Sprintf("%d addresses %s and made %s", len(c.Actors), what, plural(c.Requests, "request", "requests"))
	if len(cats) > 0 {
		s += " (" + strings.Join(cats, ", ") + ")"
	}
	s += "; they are probably one operator, so block them together."
	return analysis.Observation{Actors: slices.Clone(c.Actors), Summary: analysis.Sanitize(s, analysis.MaxRationaleLen), Source: "rules"}
}

// view is the aggregated picture the offline advice is written from.
type view struct {
	actors  []evidence.Actor
	cats    map[evidence.Category][]string // actors per category, worst first
	reqs    map[evidence.Category]int64
	block   []string // actors at medium severity or above
	exposed []exposure
	errors5 map[evidence.Category][]string // targets that drew a 5xx, per category
	samples map[evidence.Category][]evidence.Sample
	format  string
}

type exposure struct {
	actor, target string
	status        int
}

func buildView(in analysis.RecommendInput, format string) *view {
	v := &view{
		actors:  in.Actors,
		cats:    map[evidence.Category][]string{},
		reqs:    map[evidence.Category]int64{},
		errors5: map[evidence.Category][]string{},
		samples: map[evidence.Category][]evidence.Sample{},
		format:  format,
	}
	verdicts := make(map[string]analysis.Verdict, len(in.Verdicts))
	for _, vd := range in.Verdicts {
		verdicts[vd.Actor] = vd
	}
	seen := map[string]bool{}
	for i := range in.Actors {
		a := &in.Actors[i]
		if seen[a.Actor] {
			continue
		}
		seen[a.Actor] = true
		sev := a.Severity
		cats := slices.Clone(a.Categories)
		for _, h := range a.Hits {
			sev = max(sev, h.Severity)
			if !slices.Contains(cats, h.Category) {
				cats = append(cats, h.Category)
			}
			v.reqs[h.Category] += h.Count
			for _, s := range h.Samples {
				if len(v.samples[h.Category]) < 200 {
					v.samples[h.Category] = append(v.samples[h.Category], s)
				}
				if mayExpose(h.Category) && is2xx(s.Status) && len(v.exposed) < 100 {
					v.exposed = append(v.exposed, exposure{a.Actor, show(s.Target), s.Status})
				}
				if s.Status >= 500 && isPayload(h.Category) {
					t := show(pathOf(s.Target))
					if !slices.Contains(v.errors5[h.Category], t) && len(v.errors5[h.Category]) < 5 {
						v.errors5[h.Category] = append(v.errors5[h.Category], t)
					}
				}
			}
		}
		if vd, ok := verdicts[a.Actor]; ok {
			sev = max(sev, vd.Severity)
			for _, c := range vd.Categories {
				if c.Valid() && !slices.Contains(cats, c) {
					cats = append(cats, c)
				}
			}
		}
		for _, c := range cats {
			v.cats[c] = append(v.cats[c], a.Actor)
		}
		if sev >= evidence.Medium {
			v.block = append(v.block, a.Actor)
		}
	}
	return v
}

// pathOf is the path part of a logged target.
func pathOf(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// has reports whether any actor was flagged in one of cats.
func (v *view) has(cats ...evidence.Category) bool {
	for _, c := range cats {
		if len(v.cats[c]) > 0 {
			return true
		}
	}
	return false
}

// actorsFor lists the actors flagged in any of cats, worst first, bounded.
func (v *view) actorsFor(cats ...evidence.Category) []string {
	const maxActors = 50
	want := map[string]bool{}
	for _, c := range cats {
		for _, a := range v.cats[c] {
			want[a] = true
		}
	}
	var out []string
	for _, a := range v.actors {
		if want[a.Actor] && !slices.Contains(out, a.Actor) {
			out = append(out, a.Actor)
			if len(out) == maxActors {
				break
			}
		}
	}
	return out
}

func (v *view) present(cats ...evidence.Category) []evidence.Category {
	var out []evidence.Category
	for _, c := range cats {
		if v.has(c) {
			out = append(out, c)
		}
	}
	return out
}

// rate5 is an actor's average request rate over its active time, per 5 minutes.
func rate5(a *evidence.Actor) float64 {
	d := max(a.LastSeen.Sub(a.FirstSeen), time.Minute)
	return float64(a.Requests) / d.Minutes() * 5
}

// niceFloor rounds down to 1, 2 or 5 times a power of ten.
func niceFloor(x float64) int64 {
	if x < 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{5, 2, 1} {
		if m*p <= x {
			return int64(m * p)
		}
	}
	return int64(p)
}

// sawTarget reports whether a sample of the categories has a path matching
// match (case-insensitive prefix, or suffix when match starts with '.'), and
// whether any such sample was answered 2xx.
func (v *view) sawTarget(match string, cats ...evidence.Category) (seen, answered bool) {
	m := strings.ToLower(match)
	for _, c := range cats {
		for _, s := range v.samples[c] {
			p := strings.ToLower(pathOf(s.Target))
			ok := strings.HasPrefix(p, m)
			if strings.HasPrefix(m, ".") {
				ok = strings.HasSuffix(p, m)
			}
			if ok {
				seen = true
				answered = answered || is2xx(s.Status)
			}
		}
	}
	return seen, answered
}

type rec struct {
	urgency int
	r       analysis.Recommendation
}

// Recommend writes prioritised advice: what to rotate or fix first, which
// addresses to block, which AWS WAF managed rule groups and custom rules
// apply, and what to change in the application and hosting.
func (o Analyzer) Recommend(ctx context.Context, in analysis.RecommendInput) (analysis.RecommendResult, error) {
	if err := ctx.Err(); err != nil {
		return analysis.RecommendResult{}, err
	}
	v := buildView(in, o.Format)
	var recs []rec
	add := func(urgency int, kind, title, detail string, cats []evidence.Category) {
		recs = append(recs, rec{urgency, analysis.Recommendation{
			Kind: kind, Title: title, Detail: detail, Categories: cats,
			Actors: v.actorsFor(cats...), Source: "rules",
		}})
	}
	amplify := o.Format == "amplify"
	onAmplify := "On Amplify Hosting, "
	if !amplify {
		onAmplify = "If the site is on Amplify Hosting, "
	}
	wafWhere := "Attach the web ACL to the CloudFront distribution, ALB or API in front of the site."
	if amplify || o.Format == "" {
		wafWhere = onAmplify + "AWS WAF is attached through the Amplify console's firewall integration for the app; elsewhere, attach the web ACL to the CloudFront distribution or ALB in front of the site."
	}

	// 1. Anything that answered 2xx to a request for secrets or a backdoor.
	if len(v.exposed) > 0 {
		var targets []string
		var who []string
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
		if amplify || o.Format == "" {
			detail += " " + onAmplify + "check that amplify.yml's artifacts (baseDirectory and files) do not pick up .env or other secret files, and that the rewrite rules do not answer 200 for them."
		}
		r := rec{100, analysis.Recommendation{Kind: analysis.ActionApp,
			Title:      "Rotate the credentials the exposed files may hold, and remove the files from the deployment",
			Detail:     detail,
			Categories: v.present(evidence.SensitiveFiles, evidence.Webshell),
			Actors:     who, Source: "rules"}}
		if len(r.r.Actors) > 50 {
			r.r.Actors = r.r.Actors[:50]
		}
		recs = append(recs, r)
	}

	// Payloads that broke something: the handler is the problem, not just the traffic.
	var broken []string
	var brokenCats []evidence.Category
	var brokenNames []string
	for _, c := range []evidence.Category{evidence.SQLInjection, evidence.PathTraversal, evidence.XSS, evidence.CVEProbe} {
		for _, t := range v.errors5[c] {
			if !slices.Contains(broken, t) && len(broken) < 5 {
				broken = append(broken, t)
			}
		}
		if len(v.errors5[c]) > 0 {
			brokenCats = append(brokenCats, c)
			brokenNames = append(brokenNames, catName[c])
		}
	}
	if len(broken) > 0 {
		add(90, analysis.ActionApp, "Fix the handlers that answered 5xx to attack payloads",
			fmt.Sprintf("%s answered 5xx to %s payloads. An error on a crafted payload often means the input reaches a query, file path or interpreter unescaped: review these handlers, use parameterised queries and allow-list file names, and make bad input return 400 without details.", join(broken, "and"), join(brokenNames, "and")),
			brokenCats)
	}

	// 2. Block the addresses.
	if len(v.block) > 0 {
		detail := fmt.Sprintf("Create AWS WAF IP sets from the report's blocklist (%s at medium severity or above; IPv4 /32 and IPv6 /64, one IP set per address family) and a rule that blocks them, placed before the managed rule groups. Attackers move: expire entries after about 30 days and rely on the rules below for the next address. %s",
			plural(int64(len(v.block)), "address", "addresses"), wafWhere)
		r := rec{80, analysis.Recommendation{Kind: analysis.ActionWAFIPSet,
			Title:  "Block the listed attacker addresses with an AWS WAF IP set",
			Detail: detail, Source: "rules"}}
		for _, a := range v.block {
			if len(r.r.Actors) == 50 {
				break
			}
			r.r.Actors = append(r.r.Actors, a)
		}
		blocked := map[string]bool{}
		for _, a := range v.block {
			blocked[a] = true
		}
		for _, c := range evidence.Categories {
			if slices.ContainsFunc(v.cats[c], func(a string) bool { return blocked[a] }) {
				r.r.Categories = append(r.r.Categories, c)
			}
		}
		recs = append(recs, r)
	}

	// 3. Managed rule groups for what was seen.
	if cats := v.present(evidence.Log4Shell, evidence.CVEProbe); len(cats) > 0 {
		add(75, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesKnownBadInputsRuleSet",
			"It blocks request patterns of known exploits, including Log4Shell (Log4j JNDI lookups in the URI, body and headers) and Java deserialization payloads. Even if the site runs no Java, it stops these requests before they reach any backend or log pipeline that might.",
			cats)
	}
	if v.has(evidence.SQLInjection) {
		add(70, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesSQLiRuleSet",
			"It blocks SQL injection patterns in the query string, body, cookies and URI path, like the attempts seen here. Keep parameterised queries in the application: the rule group is a second line, not a fix.",
			[]evidence.Category{evidence.SQLInjection})
	}
	if cats := v.present(evidence.XSS, evidence.PathTraversal, evidence.SensitiveFiles, evidence.ScannerUA, evidence.BadRequest, evidence.HTTPProbing); len(cats) > 0 {
		add(65, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesCommonRuleSet",
			"The core rule set: cross-site scripting, local and remote file inclusion, missing User-Agent, oversized requests and other common exploit patterns. Start it in Count mode for a day if the site accepts large request bodies (uploads), since its size rules can block them.",
			cats)
	}
	if v.has(evidence.PathTraversal) || v.has(evidence.CVEProbe) || v.has(evidence.Webshell) {
		add(60, analysis.ActionWAFManaged, "Enable AWSManagedRulesLinuxRuleSet and AWSManagedRulesUnixRuleSet",
			"The Linux rule group blocks local file inclusion of Linux files (/etc/passwd, /proc/…, traversal to them); the POSIX/Unix group blocks command injection such as $(…), ; id and wget/curl chains. Both match the traversal and exploit attempts seen here.",
			v.present(evidence.PathTraversal, evidence.CVEProbe, evidence.Webshell))
	}
	// PHP: only the exploit and technology probes say anything about PHP
	// (WordPress scans are handled on their own).
	phpCats := []evidence.Category{evidence.Webshell, evidence.CVEProbe, evidence.TechProbing}
	phpSeen, phpServed := v.sawTarget(".php", phpCats...)
	if phpSeen {
		var cats []evidence.Category
		for _, c := range phpCats {
			if seen, _ := v.sawTarget(".php", c); seen {
				cats = append(cats, c)
			}
		}
		if phpServed {
			add(50, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesPHPRuleSet",
				"Some .php requests were answered 2xx, so the site may run PHP: this group blocks PHP-specific exploit patterns (unsafe functions, code injection in parameters).",
				cats)
		} else {
			add(50, analysis.ActionWAFManaged, "Enable AWSManagedRulesPHPRuleSet only if the site runs PHP",
				"Every .php request seen here failed, so the site probably does not run PHP; then the custom path rule (block paths ending in .php) is simpler and cheaper. If it does run PHP, this group blocks PHP-specific exploit patterns.",
				cats)
		}
	}
	if v.has(evidence.WordPressScan) {
		_, wpServed := v.sawTarget("/wp-", evidence.WordPressScan)
		if wpServed {
			add(30, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesWordPressRuleSet",
				"WordPress paths were answered 2xx, so the site may run WordPress: this group blocks WordPress-specific exploit patterns. Keep WordPress and its plugins updated and protect wp-login.php with MFA.",
				[]evidence.Category{evidence.WordPressScan})
		}
	}
	if v.has(evidence.AdminProbing) {
		add(40, analysis.ActionWAFManaged, "Enable the AWS WAF managed rule group AWSManagedRulesAdminProtectionRuleSet",
			"It blocks external access to common administrative paths. If the site has its own admin pages, add a scope-down statement or an allow rule for your own addresses before enabling it.",
			[]evidence.Category{evidence.AdminProbing})
	}
	if cats := v.present(evidence.ScannerUA, evidence.HTTPProbing, evidence.SensitiveFiles, evidence.WordPressScan, evidence.CVEProbe, evidence.Webshell, evidence.BruteForce); len(cats) > 0 {
		add(45, analysis.ActionWAFManaged, "Enable AWSManagedRulesAmazonIpReputationList and AWSManagedRulesAnonymousIpList",
			"Scanners like these mostly come from addresses Amazon's threat intelligence already lists, from hosting providers, VPNs and Tor. The anonymous-IP group's hosting-provider rule can also block legitimate cloud-hosted clients (uptime monitors, partners' servers): run it in Count mode first and exclude that rule if needed.",
			cats)
	}
	if v.has(evidence.AggressiveCrawl) {
		add(35, analysis.ActionWAFManaged, "Consider AWS WAF Bot Control (AWSManagedRulesBotControlRuleSet)",
			"It labels and blocks unverified bots and scrapers while letting verified search engines through. It is priced per request on top of AWS WAF: scope it down to the pages that matter if traffic is large, or rely on the rate-based rule below.",
			[]evidence.Category{evidence.AggressiveCrawl})
	}

	// 4. Custom rules.
	// A rate-based rule helps against fast clients only: the crawlers, and any
	// flagged address that averaged 200 requests per 5 minutes or more.
	const fast = 200
	var rateActors []string
	rate := math.Inf(1)
	var rateCats []evidence.Category
	for i := range v.actors {
		a := &v.actors[i]
		if !a.Suspicious() || a.FirstSeen.IsZero() {
			continue
		}
		r := rate5(a)
		crawl := slices.Contains(a.Categories, evidence.AggressiveCrawl)
		if !crawl && r < fast {
			continue
		}
		rate = min(rate, r)
		if len(rateActors) < 50 {
			rateActors = append(rateActors, a.Actor)
		}
		for _, c := range a.Categories {
			if !slices.Contains(rateCats, c) {
				rateCats = append(rateCats, c)
			}
		}
	}
	if len(rateActors) > 0 {
		evidence.SortCategories(rateCats)
		limit := min(max(niceFloor(rate/2), 100), 2000)
		recs = append(recs, rec{50, analysis.Recommendation{Kind: analysis.ActionWAFRateBased,
			Title:      fmt.Sprintf("Add a rate-based rule: block an address above %d requests per 5 minutes", limit),
			Detail:     fmt.Sprintf("Aggregate on the source IP over a 5-minute window. The slowest of the fast flagged addresses averaged about %d requests per 5 minutes; the limit is half of that, kept between 100 and 2,000. A single-page app loads many files per page, so run it in Count mode for a day, check that no ordinary visitor, uptime monitor or crawler you want would have been blocked, then switch to Block.", int64(rate)),
			Categories: rateCats, Actors: rateActors, Source: "rules"}})
	}
	if v.has(evidence.BruteForce) {
		var paths []string
		rate := math.Inf(1)
		for _, s := range v.samples[evidence.BruteForce] {
			p := show(pathOf(s.Target))
			if p != "" && !slices.Contains(paths, p) && len(paths) < 3 {
				paths = append(paths, p)
			}
		}
		for i := range v.actors {
			if slices.Contains(v.actors[i].Categories, evidence.BruteForce) {
				rate = min(rate, rate5(&v.actors[i]))
			}
		}
		limit := int64(20)
		if !math.IsInf(rate, 1) {
			limit = min(max(niceFloor(rate/2), 10), 100)
		}
		where := "the login path"
		if len(paths) > 0 {
			where = join(paths, "and")
		}
		add(70, analysis.ActionWAFRateBased, fmt.Sprintf("Rate-limit the login endpoint to %d requests per 5 minutes per address", limit),
			fmt.Sprintf("Add a rate-based rule with a scope-down statement matching %s (and the POST method), limit %d per 5 minutes per source IP. AWS WAF's account takeover prevention group (AWSManagedRulesATPRuleSet) is a paid alternative that also checks for stolen credentials.", where, limit),
			[]evidence.Category{evidence.BruteForce})
		add(68, analysis.ActionApp, "Lock out or slow down repeated failed logins, and offer MFA",
			fmt.Sprintf("Failed logins on %s came in bursts. Limit attempts per account and per address, add an increasing delay or a temporary lockout after a few failures, offer or require MFA, and alert on spikes of 401/403 on the login endpoint.", where),
			[]evidence.Category{evidence.BruteForce})
	}
	var blockPaths []string
	var pathCats []evidence.Category
	for _, bp := range probePaths {
		if bp.cat == evidence.WordPressScan {
			if _, served := v.sawTarget("/wp-", evidence.WordPressScan); served {
				continue // the site may be WordPress: do not block its paths
			}
		}
		seen, served := v.sawTarget(bp.match, bp.cat)
		if !seen || (served && bp.cat != evidence.SensitiveFiles) {
			continue
		}
		label := "starts with " + bp.match
		if strings.HasPrefix(bp.match, ".") {
			if phpServed {
				continue
			}
			label = "ends with " + bp.match
		}
		if !slices.Contains(blockPaths, label) {
			blockPaths = append(blockPaths, label)
		}
		if !slices.Contains(pathCats, bp.cat) {
			pathCats = append(pathCats, bp.cat)
		}
	}
	if len(blockPaths) > 0 {
		evidence.SortCategories(pathCats)
		add(55, analysis.ActionWAFCustom, "Add a custom rule that blocks paths this site never serves",
			fmt.Sprintf("One rule, action Block, matching the URI path with the transformations URL_DECODE and LOWERCASE when it %s. These are the paths the scanners asked for; the site does not serve them (check that before enabling, e.g. that it is not WordPress and serves no PHP). It stops the next scanner's probes even from new addresses.", join(blockPaths, "or")),
			pathCats)
	}

	// Campaigns sharing an odd user agent: the header itself is a cheap match
	// that also catches the addresses not seen yet.
	uaRules := 0
	for _, c := range in.Campaigns {
		if c.Kind != "shared-user-agent" || c.Severity < evidence.Medium || strings.TrimSpace(c.Key) == "" || uaRules == 3 {
			continue
		}
		uaRules++
		ua := analysis.Sanitize(c.Key, 200)
		cats := slices.Clone(c.Categories)
		evidence.SortCategories(cats)
		r := rec{52, analysis.Recommendation{Kind: analysis.ActionWAFCustom,
			Title:      "Add a custom rule that blocks the user agent shared by " + plural(int64(len(c.Actors)), "address", "addresses"),
			Detail:     fmt.Sprintf("Match the User-Agent header exactly (no transformation) against %q and block. %s used it for %s. Check first that no client you want sends the same string.", ua, plural(int64(len(c.Actors)), "address", "addresses"), plural(c.Requests, "request", "requests")),
			Categories: cats, Actors: firstActors(c.Actors, 50), Source: "rules"}}
		recs = append(recs, r)
	}

	// 5. Application and hosting.
	if v.has(evidence.SensitiveFiles) && len(v.exposed) == 0 {
		add(45, analysis.ActionApp, "Keep secrets and repository metadata out of the web root and build output",
			"Scanners asked for .env files, .git/ and credentials. None was answered 2xx here; keep it that way: secrets belong in the hosting's environment variables or a secrets manager, not in files that are deployed, and .git/, backups and dumps should never be in the build output.",
			[]evidence.Category{evidence.SensitiveFiles})
	}
	if cats := v.present(evidence.AdminProbing, evidence.TechProbing, evidence.HTTPProbing); len(cats) > 0 {
		add(25, analysis.ActionServer, "Disable directory listing and remove default and diagnostic pages",
			"The probes looked for admin panels, status pages and framework endpoints (server-status, phpinfo, actuator, debug pages). On any server behind the site, turn off directory listing, remove default, sample and diagnostic pages, and keep admin interfaces on a private network or behind authentication.",
			cats)
	}
	if (amplify || o.Format == "") && len(v.actors) > 0 {
		add(20, analysis.ActionServer, "Harden the Amplify Hosting settings",
			onAmplify+"set security headers in the app's custom headers (Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options, X-Frame-Options), review the rewrites and redirects so that unknown paths return 404 rather than index.html where possible, and use access control (password protection) on preview and non-production branches so scanners cannot reach them.",
			v.present(evidence.SensitiveFiles, evidence.XSS, evidence.HTTPProbing))
	}

	slices.SortStableFunc(recs, func(a, b rec) int { return b.urgency - a.urgency })
	out := analysis.RecommendResult{Recommendations: make([]analysis.Recommendation, 0, len(recs))}
	for i, r := range recs {
		r.r.Priority = i + 1
		out.Recommendations = append(out.Recommendations, r.r)
	}
	return out, nil
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

// catName names categories in sentences.
var catName = map[evidence.Category]string{
	evidence.SensitiveFiles:  "sensitive-file",
	evidence.AdminProbing:    "admin-interface",
	evidence.TechProbing:     "technology",
	evidence.WordPressScan:   "WordPress",
	evidence.PathTraversal:   "path traversal",
	evidence.SQLInjection:    "SQL injection",
	evidence.XSS:             "cross-site scripting",
	evidence.Log4Shell:       "Log4Shell",
	evidence.CVEProbe:        "known-exploit",
	evidence.Webshell:        "webshell",
	evidence.ScannerUA:       "scanner",
	evidence.HTTPProbing:     "probing",
	evidence.AggressiveCrawl: "crawling",
	evidence.BruteForce:      "brute-force",
	evidence.BadRequest:      "malformed",
}

func firstActors(xs []string, n int) []string {
	return slices.Clone(xs[:min(len(xs), n)])
}
