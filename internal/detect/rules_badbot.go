package detect

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// The bad-bot names are CrowdSec's bad_user_agents list (crowdsecurity/
// sec-lists web/bad_user_agents.regex.txt; MIT, (c) 2017 Mitchell Krog,
// nginx-ultimate-bad-bot-blocker), shipped unchanged: refresh it by copying
// a newer file over it. Each line is a name between \b word boundaries, with
// "\ " for a space; they are matched as CrowdSec does, case-sensitively on
// word boundaries, by one Aho-Corasick pass per distinct user agent.
//
//go:embed data/bad_user_agents.regex.txt
var badUserAgentsList string

// badBotExtra are bots the list misses: old Perl and PHP clients, trackback
// spammers and a fingerprinting scanner, all seen in real logs.
var badBotExtra = []string{"libwww-perl", "The Beast", "TrackBack", "Sun Web Console Fingerprinter"}

// badBotNotBots are list names that real people's browsers send: WeChat's
// in-app browser, QQ and 2345 browsers, a phone model.
var badBotNotBots = []string{"MicroMessenger", "MQQBrowser", "Mb2345Browser", "OPPO A33"}

var ruleBadBot = rule{
	id: "bad-bot", cat: evidence.BadBot, sev: evidence.Low, kind: kindBehaviour,
	what: "bad-bot user agent",
	doc: func(*Config) string {
		return fmt.Sprintf("user agents on CrowdSec's bad_user_agents list (%d names: scrapers, site downloaders, spam and SEO bots), on one request; "+
			"crawler and monitor allowlists and scanner-ua win", len(badBots.names))
	},
	userAgent: func(ua string) string { return badBots.find(ua) },
	// The allowlists win: a crawler the list also names (Dotbot, MJ12bot) is
	// a crawler; an attack tool is scanner-ua's, at its severity.
	detect: func(q *request, f *found) {
		if f.hit && (q.ua.allowedAs != "" || q.found[rScannerUA].hit) {
			*f = found{}
		}
	},
	eval: func(j *judge) (verdict, bool) {
		return verdict{fire: true, reason: fmt.Sprintf("user agent names a bad bot (%q, from CrowdSec's bad_user_agents list) on %d request%s",
			j.r.marker, j.r.count, plural(int(j.r.count)))}, true
	},
}

// badBots is the compiled list.
var badBots = newNameSet(parseBadUserAgents(badUserAgentsList, badBotExtra, badBotNotBots))

// parseBadUserAgents reads the list's \bName\b lines into plain names, adds
// extra and drops the names in not.
func parseBadUserAgents(list string, extra, not []string) []string {
	var names []string
	for _, l := range strings.Split(list, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.TrimSuffix(strings.TrimPrefix(l, `\b`), `\b`)
		l = strings.ReplaceAll(l, `\`, "")
		if l != "" && !slices.Contains(not, l) && !slices.Contains(names, l) {
			names = append(names, l)
		}
	}
	for _, l := range extra {
		if !slices.Contains(names, l) {
			names = append(names, l)
		}
	}
	return names
}

// nameSet finds names in text as whole words, case-sensitively.
type nameSet struct {
	names []string
	m     *matcher
}

func newNameSet(names []string) *nameSet { return &nameSet{names: names, m: newMatcher(names)} }

// find returns the first name in s that stands between word boundaries, as
// the regexp \bName\b would, or "".
func (n *nameSet) find(s string) string {
	for _, mt := range n.m.scan(s, nil) {
		name := n.names[mt.id]
		if wordBoundary(s, mt.end-len(name)) && wordBoundary(s, mt.end) {
			return name
		}
	}
	return ""
}

// wordBoundary reports whether i is a \b position in s (ASCII word bytes).
func wordBoundary(s string, i int) bool {
	return (i > 0 && isWordByte(s[i-1])) != (i < len(s) && isWordByte(s[i]))
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
