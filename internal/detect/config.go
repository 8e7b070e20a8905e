package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Config holds the allowlists and thresholds. Zero values mean defaults, so a
// JSON file only needs the settings it changes.
type Config struct {
	Allow Allowlist `json:"allow"`
	// NoDefaultAllow drops the built-in UA and path allowlists; without it the
	// lists in Allow are added to the defaults.
	NoDefaultAllow bool `json:"no_default_allow,omitempty"`

	// SensitiveFiles is how many distinct sensitive files an actor must request.
	// One that was served (2xx with a body) is a leak and fires at once.
	SensitiveFiles int `json:"sensitive_files,omitempty"`
	// WordPressPaths is how many distinct failing WordPress paths make a scan.
	// Two: a visitor of a site that is not WordPress never asks for two
	// WordPress paths, and crawlers following stale links are exempt.
	WordPressPaths int `json:"wordpress_paths,omitempty"`
	// AdminPaths and TechPaths count distinct failing paths that only suggest
	// probing (/admin, a failing .jsp). Paths that name a specific product
	// (phpMyAdmin, /cgi-bin/, /actuator) fire on the first failing request.
	AdminPaths int `json:"admin_paths,omitempty"`
	TechPaths  int `json:"tech_paths,omitempty"`
	// PayloadMatches is how many requests with weak payload markers (a lone
	// "../", "alert(", "char(") an exploit rule needs. Strong markers
	// (${jndi:, union select, /etc/passwd) fire on one request.
	PayloadMatches int `json:"payload_matches,omitempty"`
	// ProbingDistinctPaths failing (404/403/400) non-static paths within
	// ProbingWindow make an http-probing burst (CrowdSec: capacity 10, leak 10s).
	ProbingDistinctPaths int      `json:"probing_distinct_paths,omitempty"`
	ProbingWindow        Duration `json:"probing_window,omitempty"`
	// CrawlRequestsPerMinute page requests (not static assets, not API
	// calls) within a minute of log time make aggressive crawling: one page a
	// second, sustained, is far above a human reader.
	CrawlRequestsPerMinute int `json:"crawl_requests_per_minute,omitempty"`
	// BruteForceFailures failed logins within BruteForceWindow make brute force.
	BruteForceFailures int      `json:"brute_force_failures,omitempty"`
	BruteForceWindow   Duration `json:"brute_force_window,omitempty"`
	// AuthFloodFailures 401/403 answers on one path within AuthFloodWindow
	// make brute force on any protected path (a basic-auth realm, a REST
	// API): one refusal every three seconds for a minute. An app retrying
	// an expired saved password does so every few minutes, a person types
	// a password a few times a minute, so neither comes near it.
	AuthFloodFailures int      `json:"auth_flood_failures,omitempty"`
	AuthFloodWindow   Duration `json:"auth_flood_window,omitempty"`
	// EnumerationIDs distinct record ids (numbers, UUIDs, long hex) on one
	// route within EnumerationWindow, with at least half of that route's
	// answers 401/403/404/410, make enumeration: more records than a person
	// opens by address in that time, most of them refused.
	EnumerationIDs    int      `json:"enumeration_ids,omitempty"`
	EnumerationWindow Duration `json:"enumeration_window,omitempty"`
	// MethodProbes distinct refused requests with WebDAV or unusual
	// methods make method probing: browsers and REST clients never send
	// them to a site that refuses them. TRACE, TRACK and DEBUG fire on one.
	MethodProbes int `json:"method_probes,omitempty"`
	// BadRequests empty request lines make a finding; binary request lines,
	// CONNECT and proxy attempts fire on the first.
	BadRequests int `json:"bad_requests,omitempty"`
	// The detail limits: a Result details at most DetailLimit suspicious
	// actors (the worst, evidence.Worse), WeakLimit weak ones (the
	// strongest, evidence.Stronger) and LoginLimit weak actors whose only
	// match is a failed login (credential-stuffing members, in address
	// order, kept apart so that neither crowds out the other); every other
	// actor with rule matches is counted in a group, at most GroupLimit of
	// them (group.go). Aggregate applies the same limits to the whole run.
	DetailLimit int `json:"detail_limit,omitempty"`
	WeakLimit   int `json:"weak_limit,omitempty"`
	LoginLimit  int `json:"login_limit,omitempty"`
	GroupLimit  int `json:"group_limit,omitempty"`
}

// Allowlist says what is never reported.
//
// CIDRs are skipped entirely. Paths never count toward findings. UserAgents
// exempt requests from the volume and probing rules (http-probing,
// aggressive-crawl, wordpress-scan, admin-probing, tech-probing), not from the
// payload rules: a client that claims to be Googlebot and asks for /.env or
// sends ${jndi: is still reported, and the reason says it claimed the UA.
// A crawler whose operator publishes its address ranges (internal/crawlers)
// is exempt only from inside them, and only for GET and HEAD (Engine.exempt).
type Allowlist struct {
	CIDRs      []string `json:"cidrs"`       // IPs or CIDRs never reported
	UserAgents []string `json:"user_agents"` // case-insensitive substrings
	Paths      []string `json:"paths"`       // path prefixes (or exact paths)
}

// Duration is a time.Duration written in JSON as a string such as "90s".
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"1m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// DefaultUserAgents are the crawlers, uptime monitors and link-preview bots
// exempt from the volume rules by default.
var DefaultUserAgents = []string{
	// search and SEO crawlers
	"googlebot", "google-inspectiontool", "googleother", "adsbot-google", "mediapartners-google",
	"bingbot", "bingpreview", "msnbot", "yandexbot", "yandeximages", "baiduspider", "duckduckbot",
	"applebot", "slurp", "ahrefsbot", "mj12bot", "semrushbot", "dotbot", "petalbot", "seznambot",
	"archive.org_bot", "ia_archiver", "qwantify", "sogou", "exabot", "coccocbot",
	// uptime monitors
	"uptimerobot", "pingdom", "statuscake", "betteruptime", "better uptime", "site24x7",
	"newrelicpinger", "datadog", "checkly", "freshping", "hetrixtools", "uptime-kuma",
	// link previews
	"slackbot", "slack-imgproxy", "twitterbot", "facebookexternalhit", "facebookcatalog",
	"discordbot", "linkedinbot", "whatsapp", "telegrambot", "skypeuripreview", "redditbot",
	"pinterestbot", "embedly", "iframely",
}

// DefaultPaths never count toward findings; browsers and bots ask for them on
// every site, and their 404s are not probes.
var DefaultPaths = []string{
	"/favicon.ico", "/robots.txt", "/apple-touch-icon", "/sitemap", "/ads.txt", "/app-ads.txt",
	"/.well-known/", "/browserconfig.xml", "/humans.txt", "/site.webmanifest", "/manifest.json",
	"/crossdomain.xml",
}

// DefaultConfig returns the built-in thresholds and allowlists.
func DefaultConfig() Config {
	return Config{
		Allow: Allowlist{
			UserAgents: append([]string(nil), DefaultUserAgents...),
			Paths:      append([]string(nil), DefaultPaths...),
		},
		SensitiveFiles:         2,
		WordPressPaths:         2,
		AdminPaths:             2,
		TechPaths:              5,
		PayloadMatches:         2,
		ProbingDistinctPaths:   10,
		ProbingWindow:          Duration(time.Minute),
		CrawlRequestsPerMinute: 60,
		BruteForceFailures:     10,
		BruteForceWindow:       Duration(10 * time.Minute),
		AuthFloodFailures:      20,
		AuthFloodWindow:        Duration(time.Minute),
		EnumerationIDs:         50,
		EnumerationWindow:      Duration(10 * time.Minute),
		MethodProbes:           2,
		BadRequests:            3,
		DetailLimit:            500,
		WeakLimit:              200,
		LoginLimit:             1000,
		GroupLimit:             200,
	}
}

// withDefaults fills zero fields from DefaultConfig and adds the default
// allowlists unless NoDefaultAllow is set.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&c.SensitiveFiles, d.SensitiveFiles)
	setInt(&c.WordPressPaths, d.WordPressPaths)
	setInt(&c.AdminPaths, d.AdminPaths)
	setInt(&c.TechPaths, d.TechPaths)
	setInt(&c.PayloadMatches, d.PayloadMatches)
	setInt(&c.ProbingDistinctPaths, d.ProbingDistinctPaths)
	setInt(&c.CrawlRequestsPerMinute, d.CrawlRequestsPerMinute)
	setInt(&c.BruteForceFailures, d.BruteForceFailures)
	setInt(&c.AuthFloodFailures, d.AuthFloodFailures)
	setInt(&c.EnumerationIDs, d.EnumerationIDs)
	setInt(&c.MethodProbes, d.MethodProbes)
	setInt(&c.BadRequests, d.BadRequests)
	setInt(&c.DetailLimit, d.DetailLimit)
	setInt(&c.WeakLimit, d.WeakLimit)
	setInt(&c.LoginLimit, d.LoginLimit)
	setInt(&c.GroupLimit, d.GroupLimit)
	if c.ProbingWindow <= 0 {
		c.ProbingWindow = d.ProbingWindow
	}
	if c.AuthFloodWindow <= 0 {
		c.AuthFloodWindow = d.AuthFloodWindow
	}
	if c.EnumerationWindow <= 0 {
		c.EnumerationWindow = d.EnumerationWindow
	}
	if c.BruteForceWindow <= 0 {
		c.BruteForceWindow = d.BruteForceWindow
	}
	if !c.NoDefaultAllow {
		c.Allow.UserAgents = mergeLists(DefaultUserAgents, c.Allow.UserAgents)
		c.Allow.Paths = mergeLists(DefaultPaths, c.Allow.Paths)
	}
	return c
}

func mergeLists(def, extra []string) []string {
	seen := make(map[string]bool, len(def)+len(extra))
	var out []string
	for _, l := range [][]string{def, extra} {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// LoadConfig reads a JSON config file. Unknown fields are an error; fields the
// file leaves out keep their defaults, and its allowlists add to the default
// ones unless it sets no_default_allow.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read detection config: %w", err)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("parse detection config %s: %w", path, err)
	}
	if _, err := parseCIDRs(c.Allow.CIDRs); err != nil {
		return Config{}, fmt.Errorf("detection config %s: %w", path, err)
	}
	return c.withDefaults(), nil
}

// ParseAllowCIDRs parses a comma- or space-separated list of IPs and CIDRs,
// as a template parameter carries it, and returns them as CIDR strings.
func ParseAllowCIDRs(s string) ([]string, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == ';' })
	ps, err := parseCIDRs(f)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out, nil
}

func parseCIDRs(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("allowlist CIDR %q: %w", s, err)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("allowlist address %q: %w", s, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
