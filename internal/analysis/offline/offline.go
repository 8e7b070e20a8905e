// Package offline is the analyzer that needs no network: verdicts come from the
// rules' hits, with a confidence from the strength of the evidence and a
// rationale written from the hits, and advice comes from fixed, tested text
// chosen by what was seen. It is the local default, and the floor every model
// answer is merged with.
//
// # Advice
//
// The advice is a table, advice in advice.go. Each entry is one
// recommendation the analyzer can make: a name, an urgency, the kind of
// action (an analysis.Action* constant), a predicate over the run's findings
// that says when it applies, and a writer for its title, detail, and the
// categories and actors it addresses. Recommend aggregates the findings once
// (view.go), keeps the entries that apply and lists them most urgent first.
//
// Adding advice, for a new category say, touches one entry and its tests:
//
//   - Add the entry where its urgency places it: the table is in the order
//     the advice comes out, and equal urgencies keep table order. Fixed text
//     is flagged(categories...) and says(title, detail, categories...); text
//     built from the findings is a function of the view.
//   - Add cases to adviceCases in advice_test.go: one where it applies and
//     one where it must not, best a near miss (the path was asked for but
//     refused, the campaign is low severity). TestAdviceTable fails until
//     both exist.
//   - If it applies to a recorded run in testdata/advice, TestAdviceGolden
//     shows the new text where it lands; review it and rewrite the goldens
//     with go test -run TestAdviceGolden -update.
//
// The text is for the site's operator: what to do and why, with AWS WAF's
// names exact. Logged values are the attacker's: they reach the text only
// through show or analysis.Sanitize.
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

// Analyzer is the offline analyzer. The zero value is ready to use.
type Analyzer struct{}

var _ analysis.Analyzer = Analyzer{}

// Name implements analysis.Analyzer.
func (Analyzer) Name() string { return "offline" }

// Begin implements analysis.Analyzer. The session keeps the run's format for
// the advice; the rules cost nothing, so there is no budget to share.
func (Analyzer) Begin(run analysis.RunInfo) analysis.Session { return Session{Format: run.Format} }

// Session is the offline analysis of one run.
type Session struct {
	// Format is the log format analysed ("amplify", "cloudfront", ...). With
	// "amplify" the advice names Amplify Hosting's features; with "" it
	// mentions them conditionally.
	Format string
}

// Classify gives one verdict per actor from its rule hits, and one
// observation per campaign.
func (o Session) Classify(ctx context.Context, actors []evidence.Actor, campaigns []evidence.Campaign) (analysis.ClassifyResult, error) {
	if err := ctx.Err(); err != nil {
		return analysis.ClassifyResult{}, err
	}
	res := analysis.ClassifyResult{Verdicts: make([]analysis.Verdict, 0, len(actors))}
	for i := range actors {
		if !actors[i].Suspicious() {
			continue
		}
		res.Verdicts = append(res.Verdicts, verdict(&actors[i]))
	}
	for _, c := range campaigns {
		res.Observations = append(res.Observations, observation(c))
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

// verdict is the rules' verdict for one actor, with a confidence from
// the strength of the evidence and a one-sentence rationale.
func verdict(a *evidence.Actor) analysis.Verdict {
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
	if len(a.Hits) == 0 || a.OnlyCampaign() {
		// Reported for the company it keeps: alone, its evidence stayed
		// below every threshold (one of many credential-stuffing addresses).
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
	case evidence.CredentialStuffing:
		return "posted " + plural(n, "login", "logins") + " and nothing else, one of many addresses doing the same (credential stuffing)"
	case evidence.Enumeration:
		return "walked record ids in " + plural(n, "request", "requests") + suchAs(h)
	case evidence.MethodProbing:
		return "tried WebDAV or unusual methods in " + plural(n, "request", "requests") + suchAs(h)
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

// observation describes a campaign in one sentence.
func observation(c evidence.Campaign) analysis.Observation {
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

func firstActors(xs []string, n int) []string {
	return slices.Clone(xs[:min(len(xs), n)])
}
