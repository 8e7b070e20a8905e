// Package crawlers tells a real crawler from a client that only borrows its
// name. A user agent is whatever the client sends; the address is not. The
// operators below publish the address ranges their crawlers send from, and a
// request that claims one of their crawlers is taken at its word only from
// inside those ranges.
//
// The ranges ship with the binary (data/*.json, in the operators' own
// published format, each with the creationTime it was published with), so a
// run never goes online and its verdict does not depend on when it ran. A
// person refreshes them with `make crawler-ranges`, which downloads every
// List's URL (see cmd/crawler-ranges) and checks that it parses before
// replacing the file.
//
// Only operators that publish a machine-readable list are here. Crawlers of
// operators that publish none (Yandex, Baidu, Ahrefs' API in its own format,
// the link-preview bots, uptime monitors) are not verified: Claimed returns
// nil for them and callers keep treating their user agent as it is.
package crawlers

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Operator is a company that runs crawlers and publishes their addresses.
type Operator struct {
	Name string
	// Tokens are the user-agent product names of its crawlers, lowercase;
	// a user agent containing one claims to be this operator's crawler.
	Tokens []string
	// Lists are its published range lists.
	Lists []List

	once   sync.Once
	ranges *prefixSet
	date   time.Time
	err    error
}

// List is one published JSON list of crawler addresses.
type List struct {
	File string // name under data/
	URL  string // where the operator publishes it
}

// Operators are the crawler operators whose ranges ship with logsift. Tokens
// are matched as substrings of the lowercased user agent, so they must be
// specific enough not to occur in browsers' user agents. Chrome-Lighthouse is
// deliberately absent: anyone runs Lighthouse from their own machine.
var Operators = []*Operator{
	{Name: "Google", Tokens: []string{
		"googlebot", "googleother", "google-inspectiontool", "adsbot-google", "mediapartners-google",
		"apis-google", "feedfetcher-google", "storebot-google", "google-read-aloud", "duplexweb-google",
		"google-site-verification", "google-extended",
	}, Lists: []List{
		{"google-common-crawlers.json", "https://developers.google.com/static/crawling/ipranges/common-crawlers.json"},
		{"google-special-crawlers.json", "https://developers.google.com/static/crawling/ipranges/special-crawlers.json"},
		{"google-user-triggered-fetchers.json", "https://developers.google.com/static/crawling/ipranges/user-triggered-fetchers.json"},
	}},
	{Name: "Microsoft Bing", Tokens: []string{"bingbot", "bingpreview", "adidxbot", "microsoftpreview", "msnbot"},
		Lists: []List{{"bingbot.json", "https://www.bing.com/toolbox/bingbot.json"}}},
	{Name: "Apple", Tokens: []string{"applebot"},
		Lists: []List{{"applebot.json", "https://search.developer.apple.com/applebot.json"}}},
	{Name: "DuckDuckGo", Tokens: []string{"duckduckbot", "duckassistbot"},
		Lists: []List{{"duckduckbot.json", "https://duckduckgo.com/duckduckbot.json"}}},
	{Name: "OpenAI", Tokens: []string{"gptbot", "oai-searchbot", "chatgpt-user"}, Lists: []List{
		{"openai-gptbot.json", "https://openai.com/gptbot.json"},
		{"openai-searchbot.json", "https://openai.com/searchbot.json"},
		{"openai-chatgpt-user.json", "https://openai.com/chatgpt-user.json"},
	}},
	{Name: "Anthropic", Tokens: []string{"claudebot", "claude-user", "claude-searchbot"},
		Lists: []List{{"anthropic-bots.json", "https://claude.com/crawling/bots.json"}}},
	{Name: "Perplexity", Tokens: []string{"perplexitybot", "perplexity-user"},
		Lists: []List{{"perplexitybot.json", "https://www.perplexity.com/perplexitybot.json"}}},
	{Name: "Common Crawl", Tokens: []string{"ccbot"},
		Lists: []List{{"commoncrawl-ccbot.json", "https://index.commoncrawl.org/ccbot.json"}}},
}

//go:embed data/*.json
var data embed.FS

// Claimed returns the operator whose crawler ua claims to be, or nil when it
// names none of Operators' crawlers. ua is matched case-insensitively.
func Claimed(ua string) *Operator {
	if ua == "" {
		return nil
	}
	l := strings.ToLower(ua)
	for _, o := range Operators {
		for _, t := range o.Tokens {
			if strings.Contains(l, t) {
				return o
			}
		}
	}
	return nil
}

// Named returns the operator called name, or nil.
func Named(name string) *Operator {
	for _, o := range Operators {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Contains reports whether a is inside one of the operator's published
// ranges. An IPv4-mapped IPv6 address is judged as the IPv4 address.
func (o *Operator) Contains(a netip.Addr) bool {
	if o.load() != nil {
		return false
	}
	return o.ranges.contains(a.Unmap())
}

// Updated is the newest creationTime of the operator's shipped lists: how
// current the ranges a verdict was made with are.
func (o *Operator) Updated() time.Time {
	o.load()
	return o.date
}

// Validity is how far from its lists' date a request can be judged by them.
// Operators add and retire ranges: a 2015 log's bingbot sent from addresses
// Bing no longer lists, and a log from long after the shipped lists may hold
// ranges added since. Outside the window the claim can be neither confirmed
// nor refuted, and callers treat the user agent as before (on its word).
const Validity = 365 * 24 * time.Hour

// Judges reports whether the shipped lists can judge a request logged at t:
// t is within Validity of Updated.
func (o *Operator) Judges(t time.Time) bool {
	u := o.Updated()
	if u.IsZero() {
		return false
	}
	d := t.Sub(u)
	return d > -Validity && d < Validity
}

// Prefixes returns how many prefixes the operator's shipped lists hold.
func (o *Operator) Prefixes() int {
	if o.load() != nil {
		return 0
	}
	return o.ranges.n
}

// Check loads every operator's shipped lists and returns the first error, so
// a test (and the refresh tool) can prove the embedded data is usable.
func Check() error {
	for _, o := range Operators {
		if err := o.load(); err != nil {
			return err
		}
	}
	return nil
}

func (o *Operator) load() error {
	o.once.Do(func() {
		o.ranges = &prefixSet{}
		for _, l := range o.Lists {
			b, err := data.ReadFile("data/" + l.File)
			if err != nil {
				o.err = fmt.Errorf("crawlers: %s: %w", o.Name, err)
				return
			}
			ps, t, err := Parse(b)
			if err != nil {
				o.err = fmt.Errorf("crawlers: %s: %s: %w", o.Name, l.File, err)
				return
			}
			for _, p := range ps {
				o.ranges.add(p)
			}
			if t.After(o.date) {
				o.date = t
			}
		}
	})
	return o.err
}

// published is the format Google introduced for googlebot.json and the
// other operators copied.
type published struct {
	CreationTime string `json:"creationTime"`
	Prefixes     []struct {
		IPv4 string `json:"ipv4Prefix"`
		IPv6 string `json:"ipv6Prefix"`
	} `json:"prefixes"`
}

// Parse reads one published list: its prefixes and its creationTime (zero
// when absent or in a form it does not know). A list without prefixes, or
// with one that does not parse, is an error: a refresh must never ship an
// empty or damaged list, which would turn every real crawler into a fake.
func Parse(b []byte) ([]netip.Prefix, time.Time, error) {
	var p published
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, time.Time{}, fmt.Errorf("parse ranges: %w", err)
	}
	var out []netip.Prefix
	for _, e := range p.Prefixes {
		for _, s := range []string{e.IPv4, e.IPv6} {
			if s == "" {
				continue
			}
			pr, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return nil, time.Time{}, fmt.Errorf("parse ranges: %w", err)
			}
			out = append(out, pr.Masked())
		}
	}
	if len(out) == 0 {
		return nil, time.Time{}, fmt.Errorf("parse ranges: no prefixes")
	}
	var t time.Time
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, p.CreationTime); err == nil {
			t = v.UTC()
			break
		}
	}
	return out, t, nil
}

// prefixSet answers containment with one map lookup per distinct prefix
// length present (a handful), whatever the number of prefixes.
type prefixSet struct {
	bits4, bits6 []int
	set          map[netip.Prefix]struct{}
	n            int
}

func (s *prefixSet) add(p netip.Prefix) {
	if s.set == nil {
		s.set = make(map[netip.Prefix]struct{})
	}
	if p.Addr().Is4In6() {
		p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96)).Masked()
	}
	if _, dup := s.set[p]; dup {
		return
	}
	s.set[p] = struct{}{}
	s.n++
	bits := &s.bits6
	if p.Addr().Is4() {
		bits = &s.bits4
	}
	if !slices.Contains(*bits, p.Bits()) {
		*bits = append(*bits, p.Bits())
	}
}

func (s *prefixSet) contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	bits := s.bits6
	if a.Is4() {
		bits = s.bits4
	}
	for _, b := range bits {
		p, err := a.Prefix(b)
		if err != nil {
			continue
		}
		if _, ok := s.set[p]; ok {
			return true
		}
	}
	return false
}
