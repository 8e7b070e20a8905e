package detect

import (
	"hash/maphash"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// ruleID indexes the rules table; the string ids in the table are the
// stable names.
type ruleID uint8

const (
	rSensitive ruleID = iota
	rWordPress
	rAdmin
	rTech
	rTraversal
	rSQLi
	rXSS
	rLog4Shell
	rCVE
	rCmdInjection
	rSSRF
	rRFI
	rCRLF
	rWebshell
	rScannerUA
	rProbing
	rCrawl
	rStuffing
	rBrute
	rAuthFlood
	rEnumeration
	rMethodProbing
	rBadRequest
	rSpam
	rBadBot
	rFakeCrawler
	numRules
)

// rules is the table of every rule, in the order their hooks run and their
// hits are evaluated. Each entry is one unit, defined in rules_*.go by family.
var rules = [numRules]*rule{
	rSensitive:    &ruleSensitiveFiles,
	rWordPress:    &ruleWordPressScan,
	rAdmin:        &ruleAdminProbing,
	rTech:         &ruleTechProbing,
	rTraversal:    &rulePathTraversal,
	rSQLi:         &ruleSQLi,
	rXSS:          &ruleXSS,
	rLog4Shell:    &ruleLog4Shell,
	rCVE:          &ruleCVEProbe,
	rCmdInjection: &ruleCommandInjection,
	rSSRF:         &ruleSSRF,
	rRFI:          &ruleRFI,
	rCRLF:         &ruleCRLFInjection,
	rWebshell:     &ruleWebshell,
	rScannerUA:    &ruleScannerUA,
	rProbing:      &ruleHTTPProbing,
	rCrawl:        &ruleAggressiveCrawl,
	// Before brute-force, whose detect hook keeps the login-endpoint match
	// for failed logins only: credential-stuffing counts every login POST.
	rStuffing: &ruleStuffing,
	rBrute:    &ruleBruteForce,
	// After brute-force, whose login-endpoint matches auth-flood leaves to it.
	rAuthFlood:     &ruleAuthFlood,
	rEnumeration:   &ruleEnumeration,
	rMethodProbing: &ruleMethodProbing,
	rBadRequest:    &ruleBadRequest,
	rSpam:          &ruleSpam,
	rBadBot:        &ruleBadBot,
	rFakeCrawler:   &ruleFakeCrawler,
}

// rule is one detection rule, whole: what it is, the markers the automaton
// looks for on its behalf, its per-request hooks, its threshold evaluation
// and its documentation. The engine has no rule-specific code.
type rule struct {
	id   string // stable id, evidence.Hit.Rule
	cat  evidence.Category
	sev  evidence.Severity // default severity of a hit; eval may raise it
	kind ruleKind
	what string // what the rule counts, for reasons

	// doc is the rule's line in the package doc and in docs/rules.md, with
	// the thresholds of c; config names the Config JSON keys it reads.
	// TestRuleDocs fails when the written docs and the table disagree
	// (`go generate` rewrites them).
	doc    func(c *Config) string
	config []string

	// patterns are the markers the single Aho-Corasick pass finds for the
	// rule (NewEngine sets their rule); nil for rules that judge a request
	// by other means.
	patterns func() []pattern

	// userAgent, when set, looks at a raw user agent and returns a marker
	// when the rule matches it. It runs once per distinct user agent (the
	// engine caches the answer) and its match counts as a strong one in the
	// user agent field.
	userAgent func(ua string) (marker string)

	// detect runs on every request after the scan and before the engine
	// decides whether the request needs the actor's full evidence: it may
	// set, strengthen or clear the rule's match f. Keep it cheap: this is
	// the hot path.
	detect func(q *request, f *found)

	// record, when set, is called for a matched request of an actor with
	// full evidence, before the default counting (matching requests,
	// distinct paths for presence rules, 2xx answers, samples); it returns
	// whether the default counting follows.
	record func(q *request, rs *richState, id ruleID, f found) bool

	// ownState marks rules whose evidence is kept outside their ruleState
	// (windows, rates): eval is called for every actor with full evidence,
	// not only those the rule matched.
	ownState bool

	// eval applies the thresholds to one actor's evidence. ok false means
	// there is nothing to say; otherwise v is a hit when v.fire, else a
	// weak hit (below threshold).
	eval func(j *judge) (v verdict, ok bool)
}

type ruleKind uint8

const (
	kindPresence  ruleKind = iota // distinct paths of a kind (files, products, panels)
	kindPayload                   // requests carrying an exploit payload
	kindBehaviour                 // rates, bursts, failures, who the client says it is
)

// request is what the per-request hooks see: one record with its
// normalised fields and what the scan found. The engine reuses it, so hooks
// must not keep it or its strings.
type request struct {
	r           *record.Record
	st          *actorState
	cfg         *Config
	seed        maphash.Seed
	t           int64  // log time, Unix ns
	rawPath     string // the path as logged (RawPath, else Path)
	npath       string // normalised path
	rounds      int    // percent-decoding rounds that changed the path
	ua          *uaInfo
	static      bool // a static asset (staticExt)
	pathAllowed bool // under an allowlisted path
	// exempt: the client is an allowlisted crawler, monitor or preview bot
	// and is spared the probing and volume rules for this request (see
	// Engine.exempt); fake: it claims a crawler whose operator publishes its
	// addresses, from outside them.
	exempt, fake bool
	found        *[numRules]found
	strs         *strTable // owns the strings evidence keeps
}

// presencePath reports whether a presence rule (sensitive files, backdoors,
// admin, technology or WordPress paths) matched the request.
func (q *request) presencePath() bool {
	f := q.found
	return f[rSensitive].hit || f[rWebshell].hit || f[rAdmin].hit || f[rTech].hit || f[rWordPress].hit
}

// scanPath reports whether the request asked for a path no crawler follows
// a link to in the normal course: sensitive files and backups, backdoors,
// admin panels, product-specific technology paths. Failing .php or .asp
// pages and WordPress paths are left out: a site that moved away from PHP
// or WordPress leaves crawlers plenty of such dead links.
func (q *request) scanPath() bool {
	f := q.found
	return f[rSensitive].hit || f[rWebshell].hit || f[rAdmin].hit || (f[rTech].hit && f[rTech].strong)
}

// failing reports whether the request failed (or has no status).
func (q *request) failing() bool { return q.r.Status >= 400 || q.r.Status == 0 }

// success reports whether the request was answered 2xx with a body.
func (q *request) success() bool { return q.r.Status >= 200 && q.r.Status < 300 && q.r.Bytes > 0 }

// judge is what a rule's eval sees for one actor.
type judge struct {
	e       *Engine
	cfg     *Config
	st      *actorState
	rs      *richState
	rule    *rule
	r       *ruleState // the rule's counted evidence; may be nil for ownState rules
	example string     // the first sample's target
	caught  string     // presence rules: a note on 2xx answers counted as a catch-all page
	claimed string     // a note when the actor claimed an allowlisted user agent
}

// verdict is a rule's evaluation of one actor. Zero sev, count and samples
// take the rule's severity, the matching requests and the rule's samples.
type verdict struct {
	fire    bool
	sev     evidence.Severity
	count   int64
	reason  string
	samples []evidence.Sample
}

// Which field of a request a pattern applies to.
type field uint8

const (
	fPath field = 1 << iota
	fQuery
	fUA
	fRef
	fTarget = fPath | fQuery
	fAll    = fPath | fQuery | fUA | fRef
)

// Where in the text a pattern must sit.
type position uint8

const (
	anywhere position = iota
	suffix            // ends the text (one trailing '/' allowed)
	segment           // followed by '/', ';' or the end of the text
)

type pattern struct {
	text    string // lowercase
	rule    ruleID // set by NewEngine from the table
	fields  field
	pos     position
	strong  bool   // fires the rule on its own
	confirm *check // extra check on the whole field the match is in
	label   string // marker shown in reasons when text alone says little
}

// check confirms a pattern's match: match reports whether the whole
// normalised field holds the payload (a keyword that the automaton found
// says little alone). Patterns that share a check share its answer: it runs
// at most once per field, and must take time linear in the field's length
// whatever the field holds (confirm.go says how each one is bounded).
type check struct {
	name  string
	match func(text string) bool
}

// pats makes plain patterns: texts in fields, at pos.
func pats(fields field, pos position, strong bool, texts ...string) []pattern {
	out := make([]pattern, len(texts))
	for i, t := range texts {
		out[i] = pattern{text: asciiLower(t), fields: fields, pos: pos, strong: strong}
	}
	return out
}

// asciiLower lowercases ASCII letters only: the text is matched against
// normalised fields, which keep every other byte as it was (strings.ToLower
// would turn the overlong UTF-8 "\xc0\xae" into U+FFFD).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// allPatterns is the single pattern set every request is scanned with: each
// rule's patterns, tagged with the rule.
func allPatterns() []pattern {
	var all []pattern
	for id, ru := range rules {
		if ru.patterns == nil {
			continue
		}
		for _, p := range ru.patterns() {
			p.rule = ruleID(id)
			all = append(all, p)
		}
	}
	return all
}

// staticExt reports whether a path names a static asset: browsers fetch
// these in bulk, so they never count toward probing or crawling.
func staticExt(p string) bool {
	i := strings.LastIndexByte(p, '.')
	// "/.env;.js" is a sensitive file dressed as a script for a cache or
	// a WAF: an extension after a ';' parameter is not the file's.
	if i < 0 || strings.IndexByte(p[i:], '/') >= 0 || strings.IndexByte(p[:i], ';') >= 0 {
		return false
	}
	switch p[i+1:] {
	case "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif", "bmp",
		"woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "m4a", "mov",
		"pdf", "tif", "tiff", "wasm", "avi", "flac", "heic", "jxl", "apng", "cur":
		return true
	}
	return false
}

// apiLike reports whether a path looks like an application API route: an
// app's own client can fail there in bulk (missing ids, expired tokens).
func apiLike(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/graphql") ||
		strings.Contains(p, "/v1/") || strings.Contains(p, "/v2/") || strings.Contains(p, "/v3/") ||
		strings.HasPrefix(p, "/_next/data/") || strings.HasPrefix(p, "/rest/")
}
