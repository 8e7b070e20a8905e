// Package evidence holds what the deterministic rules found about each actor:
// the facts every later stage (the model, the report, the blocklist) works from.
package evidence

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Category is an attack family. The list is fixed: the model's tool schema,
// the JSON report and the README all use exactly these strings.
type Category string

const (
	SensitiveFiles   Category = "sensitive-files"   // .env, .git/, keys, backups, cloud credentials
	AdminProbing     Category = "admin-probing"     // admin panels, phpMyAdmin, server-status, actuator
	TechProbing      Category = "tech-probing"      // probing for frameworks and technologies not in use
	WordPressScan    Category = "wordpress-scan"    // wp-login, xmlrpc, wp-content plugin probes
	PathTraversal    Category = "path-traversal"    // ../, encoded variants, /etc/passwd, win.ini
	SQLInjection     Category = "sqli"              // union select, sleep(), information_schema
	XSS              Category = "xss"               // <script>, javascript:, onerror=
	Log4Shell        Category = "log4shell"         // ${jndi:...} and obfuscations
	CVEProbe         Category = "cve-probe"         // known exploit paths and payloads (OGNL, Cacti, shellshock...)
	CommandInjection Category = "command-injection" // shell commands after a metacharacter (;cat /etc/passwd, |id, $(curl...|sh))
	SSRF             Category = "ssrf"              // URLs for the server to fetch: cloud metadata, loopback, gopher://, file://
	RFI              Category = "rfi"               // remote file inclusion: a remote URL in a file-like parameter
	CRLFInjection    Category = "crlf-injection"    // encoded line breaks that add a header (%0d%0aSet-Cookie:)
	Webshell         Category = "webshell"          // backdoor / webshell access
	ScannerUA        Category = "scanner-ua"        // user agents of attack tools (Nikto, sqlmap, zgrab...)
	HTTPProbing      Category = "http-probing"      // bursts of distinct failing non-static paths
	AggressiveCrawl  Category = "aggressive-crawl"  // request rate far above a human or polite bot
	BruteForce       Category = "brute-force"       // many 401/403 on login endpoints or on one protected path
	// CredentialStuffing is a login-failure campaign spread over many
	// addresses, each below the brute-force thresholds.
	CredentialStuffing Category = "credential-stuffing"
	Enumeration        Category = "enumeration"    // many distinct record ids on one route, mostly refused
	MethodProbing      Category = "method-probing" // WebDAV and unusual methods (PROPFIND, TRACE, PUT of a file)
	BadRequest         Category = "bad-request"    // empty/binary request lines, CONNECT, proxy attempts
	Spam               Category = "spam"           // form posts (comments, contact, sign-up) by clients claiming to be crawlers
	BadBot             Category = "bad-bot"        // user agents on CrowdSec's bad_user_agents list (scrapers, downloaders, spam bots)
	FakeCrawler        Category = "fake-crawler"   // a crawler's user agent from outside the ranges its operator publishes
)

// Categories lists every category, in the order reports show them.
var Categories = []Category{
	Log4Shell, CVEProbe, CommandInjection, Webshell, SQLInjection, SSRF, RFI, PathTraversal, XSS,
	CRLFInjection, SensitiveFiles, BruteForce, CredentialStuffing, Enumeration, WordPressScan,
	AdminProbing, TechProbing, MethodProbing, ScannerUA, BadBot, FakeCrawler, HTTPProbing, AggressiveCrawl, Spam, BadRequest,
}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// rank is c's place in Categories; unknown categories come last.
// Rank is c's place in Categories (unknown categories come last).
func (c Category) Rank() int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}

// JoinCategories writes the categories' names with sep between them.
func JoinCategories(cs []Category, sep string) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, sep)
}

// SortCategories orders cs as Categories does (most severe family first),
// unknown ones last in their given order.
func SortCategories(cs []Category) {
	slices.SortStableFunc(cs, func(x, y Category) int { return x.Rank() - y.Rank() })
}

// UnionCategories returns the valid categories of a and b, each once, in the
// order of Categories; unknown ones are dropped.
func UnionCategories(a, b []Category) []Category {
	var out []Category
	for _, c := range Categories {
		if slices.Contains(a, c) || slices.Contains(b, c) {
			out = append(out, c)
		}
	}
	return out
}

// Severity orders findings. The zero value is Info.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name as String writes it.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Count is a value and how many requests had it.
type Count struct {
	Value string `json:"value"`
	N     int64  `json:"n"`
}

// Sample is one request kept as evidence, with its line number in the source.
// Strings are as logged (attacker-controlled) and truncated.
type Sample struct {
	Line   int64     `json:"line"`
	Time   time.Time `json:"time"`
	Method string    `json:"method,omitempty"`
	Target string    `json:"target"` // raw path and query as logged
	Status int       `json:"status"`
	UA     string    `json:"ua,omitempty"`
}

// Hit is one rule that fired for an actor, with why and the requests that made it fire.
type Hit struct {
	Rule     string   `json:"rule"` // stable rule id, e.g. "sensitive-files"
	Category Category `json:"category"`
	Severity Severity `json:"severity"`
	Count    int64    `json:"count"`  // requests that matched the rule
	Reason   string   `json:"reason"` // why it fired, in words, e.g. "5 distinct sensitive files requested (threshold 3)"
	Samples  []Sample `json:"samples"`
}

// Actor is everything the rules know about one client (IPv4 address or IPv6 /64).
type Actor struct {
	Actor         string           `json:"actor"` // IPv4 address or IPv6 CIDR
	Requests      int64            `json:"requests"`
	FirstSeen     time.Time        `json:"first_seen"`
	LastSeen      time.Time        `json:"last_seen"`
	Statuses      map[string]int64 `json:"statuses"`       // "404" -> n; "000" for no status
	DistinctPaths int              `json:"distinct_paths"` // exact up to a cap, then a lower bound
	TopPaths      []Count          `json:"top_paths"`      // bounded
	UserAgents    []Count          `json:"user_agents"`    // bounded
	Hits          []Hit            `json:"hits"`           // rules that fired; empty for weak actors
	// Browsed counts the 2xx/3xx answers to pages and assets that matched no
	// rule: how much the actor behaved like a visitor (campaigns need more).
	Browsed int64 `json:"browsed,omitempty"`
	// Weak lists rule matches that stayed below their thresholds. Aggregate uses
	// them to find campaigns spread thinly across many actors.
	Weak       []Hit      `json:"weak,omitempty"`
	Severity   Severity   `json:"severity"`   // highest severity of Hits
	Categories []Category `json:"categories"` // categories of Hits, most severe first
	Score      float64    `json:"score"`      // ranking weight from the rules; higher is worse
	// Members are the addresses of a rotating scan reported as one actor
	// (Actor is then their covering prefix, an IPv4 /24 or IPv6 /48):
	// at most MaxMembers of them, MemberCount in all.
	Members     []string `json:"members,omitempty"`
	MemberCount int      `json:"member_count,omitempty"`
	// Block, when set, is what the blocklist holds for a rotating scan
	// whose prefix also holds BlockOthers other clients of the log: the
	// smallest prefixes that hold its members and none of them (at most
	// MaxMembers). Empty: block Actor.
	Block       []string `json:"block,omitempty"`
	BlockOthers int      `json:"block_others,omitempty"`
	// Planted, when set, says that every rule match of the actor is a
	// payload a page of the site may have made its browser send (see
	// Planted); the run decides whether it was (detect.SeparatePlanted).
	Planted *Planted `json:"planted,omitempty"`
}

// MaxMembers bounds Actor.Members.
const MaxMembers = 64

// Suspicious reports whether any rule fired for the actor.
func (a *Actor) Suspicious() bool { return len(a.Hits) > 0 }

// CampaignRules are the rule ids of hits that say only that an actor belongs
// to a campaign ("campaign": a shared user agent or probe set;
// "credential-stuffing": a login-failure campaign).
var CampaignRules = []string{"campaign", "credential-stuffing"}

// OnlyCampaign reports whether every hit of a suspicious actor is a campaign
// membership: its own evidence stayed below every threshold, so on its own a
// verdict about it is weak, however severe the campaign.
func (a *Actor) OnlyCampaign() bool {
	for _, h := range a.Hits {
		if !slices.Contains(CampaignRules, h.Rule) {
			return false
		}
	}
	return len(a.Hits) > 0
}

// Campaign is a pattern shared by several actors: the same unusual user agent,
// the same set of probed paths, or failed logins on one endpoint from many
// addresses that do nothing else.
type Campaign struct {
	Kind string `json:"kind"` // "shared-user-agent", "shared-probe-set" or "credential-stuffing"
	Key  string `json:"key"`  // the user agent, or a description of the probe set
	// Actors are the members detailed as actors; Groups the IDs of the
	// groups whose members are in it too; ActorCount counts every member.
	Actors     []string   `json:"actors"`
	Groups     []string   `json:"groups,omitempty"`
	ActorCount int64      `json:"actor_count"`
	Categories []Category `json:"categories"`
	Requests   int64      `json:"requests"`
	Severity   Severity   `json:"severity"`
	Reason     string     `json:"reason"`
	// FirstSeen and LastSeen span the members' activity (credential-stuffing
	// campaigns; zero and omitted for the other kinds).
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
}

// Size is how many actors are in the campaign, detailed or grouped.
func (c *Campaign) Size() int64 { return max(c.ActorCount, int64(len(c.Actors))) }

// Chunk is the Filter stage's output for one chunk of actors.
type Chunk struct {
	Chunk       int     `json:"chunk"`
	Requests    int64   `json:"requests"`
	Actors      int     `json:"actors"`      // all actors seen in the chunk
	Allowlisted int64   `json:"allowlisted"` // requests skipped by the allowlist
	Suspicious  []Actor `json:"suspicious"`  // actors with at least one Hit, worst first (Worse), at most the detail limit
	Weak        []Actor `json:"weak"`        // actors with only below-threshold matches, strongest first (Stronger), bounded
	// Groups holds every other actor with rule matches, by behaviour.
	Groups []Group `json:"groups"`
	// Counts accounts for all Actors: suspicious, weak, lured, clean.
	Counts Counts `json:"counts"`
	// Timeline counts the chunk's requests over time, for the report.
	Timeline *Histogram `json:"timeline,omitempty"`
	// Linked are missing paths that visitors who otherwise browsed normally
	// each asked for once, from a page of the site: a page links to them (a
	// planted or stale link). The visitors are not reported; this is
	// information for the site's owner (bounded, most visitors first).
	Linked []LinkedPath `json:"linked,omitempty"`
}

// LinkedPath is a missing probe path visitors were led to by a page.
type LinkedPath struct {
	Path     string `json:"path"`     // the path asked for
	From     string `json:"from"`     // the referring page (its path)
	Status   int    `json:"status"`   // the answer the first visitor got
	Visitors int64  `json:"visitors"` // how many visitors asked for it from that page
}

// MergeLinked merges the chunks' linked paths: visitors add up per path and
// referring page; most visitors first, at most limit.
func MergeLinked(limit int, lists ...[]LinkedPath) []LinkedPath {
	var out []LinkedPath
	idx := map[[2]string]int{}
	for _, l := range lists {
		for _, p := range l {
			k := [2]string{p.Path, p.From}
			if i, ok := idx[k]; ok {
				out[i].Visitors += p.Visitors
				continue
			}
			idx[k] = len(out)
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b LinkedPath) int { return cmp.Compare(b.Visitors, a.Visitors) })
	return out[:min(len(out), limit)]
}
