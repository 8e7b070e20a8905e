package steer

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/report"
)

// Cases are the logs and verdicts, for every format a case is written in.
var Cases = slices.Concat(
	leakCases("combined"), leakCases("amplify"),
	crawlerCases("combined"), crawlerCases("amplify"),
	luredCases("combined"), luredCases("amplify"),
	rotationCases("combined"), rotationCases("amplify"),
	plantedCases("combined"), plantedCases("amplify"),
)

// The leaking client, and the size of what it was served: far from the
// site's 5-8 KB pages.
const (
	leaker   = "192.0.2.66"
	leakSize = 1873
)

// leakCases: a served /.env is named in the headline, first in Do now and
// among the first samples, whether it comes alone, after five decoys, among
// forty, or beside a second leak of the same size.
func leakCases(format string) []Case {
	decoys := func(l *Log, n int, at time.Duration) {
		names := []string{"bak", "old", "save", "local", "prod"}
		for i := range n {
			l.Add(Req{IP: leaker, At: at + time.Duration(i)*time.Second, Target: fmt.Sprintf("/.env.%s", names[i%5]) + strings.Repeat("~", i/5),
				Status: 404, Bytes: 153, UA: "curl/8.5.0"})
		}
	}
	leak := func(l *Log, at time.Duration, path string) {
		l.Add(Req{IP: leaker, At: at, Target: path, Status: 200, Bytes: leakSize, UA: "curl/8.5.0"})
	}
	mk := func(name string, write func(l *Log)) Case {
		return Case{Name: "leak-" + name + "-" + format, Format: format,
			Log:   func(l *Log) { l.Visitors(40); write(l) },
			Check: checkLeak}
	}
	return []Case{
		mk("alone", func(l *Log) { leak(l, time.Hour, "/.env") }),
		mk("after-five-decoys", func(l *Log) { decoys(l, 5, time.Hour); leak(l, time.Hour+time.Minute, "/.env") }),
		mk("among-forty-decoys", func(l *Log) {
			decoys(l, 20, time.Hour)
			leak(l, time.Hour+time.Minute, "/.env")
			decoys(l, 20, time.Hour+2*time.Minute)
		}),
		mk("two-of-one-size", func(l *Log) {
			decoys(l, 5, time.Hour)
			leak(l, time.Hour+time.Minute, "/.env")
			leak(l, time.Hour+time.Minute+time.Second, "/.env.production")
		}),
	}
}

func checkLeak(r *report.Report) []string {
	var bad []string
	if !strings.Contains(r.Summary.Headline, "answered 2xx") {
		bad = append(bad, fmt.Sprintf("headline does not say a sensitive file was answered 2xx: %q", r.Summary.Headline))
	}
	if len(r.Summary.DoNow) == 0 || !strings.HasPrefix(r.Summary.DoNow[0], "Rotate the credentials") {
		bad = append(bad, fmt.Sprintf("Do now does not start with rotating the credentials: %q", r.Summary.DoNow))
	}
	f := finding(r, leaker)
	if f == nil {
		return append(bad, "the leaking client is not reported")
	}
	if f.Severity < evidence.High {
		bad = append(bad, fmt.Sprintf("leak reported at %s", f.Severity))
	}
	shown := false
	for _, h := range f.Evidence.Hits {
		if h.Category != evidence.SensitiveFiles {
			continue
		}
		// The report shows the first three samples.
		for _, s := range h.Samples[:min(3, len(h.Samples))] {
			shown = shown || (s.Status == 200 && s.Target == "/.env")
		}
		if !strings.Contains(h.Reason, "possible leak") {
			bad = append(bad, fmt.Sprintf("reason does not call it a possible leak: %s", h.Reason))
		}
	}
	if !shown {
		bad = append(bad, "GET /.env -> 200 is not among the first samples")
	}
	return bad
}

func finding(r *report.Report, actor string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Actor == actor {
			return &r.Findings[i]
		}
	}
	return nil
}

// A wordlist scan under Googlebot's name from an address Google does not
// list, and a real Googlebot (from Google's ranges) crawling dead links.
const (
	fakeGooglebot = "203.0.113.50"
	realGooglebot = "66.249.66.1"
)

func crawlerCases(format string) []Case {
	scan := func(l *Log, ip string) {
		for i := range 4585 {
			l.Add(Req{IP: ip, At: time.Hour + time.Duration(i)*50*time.Millisecond, // 20 a second
				Target: fmt.Sprintf("/%s/%s", wordlist[i%len(wordlist)], wordlist[(i/len(wordlist))%len(wordlist)]),
				Status: 404, Bytes: 153, UA: Googlebot})
		}
	}
	dead := func(l *Log, ip string) {
		for i := range 400 {
			l.Add(Req{IP: ip, At: time.Duration(i) * 3 * time.Second, Target: fmt.Sprintf("/blog/2019/post-%d", i),
				Status: 404, Bytes: 153, UA: Googlebot})
		}
	}
	return []Case{
		{Name: "fake-googlebot-wordlist-" + format, Format: format,
			Log: func(l *Log) { l.Visitors(40); scan(l, fakeGooglebot); dead(l, realGooglebot) },
			Check: func(r *report.Report) []string {
				var bad []string
				f := finding(r, fakeGooglebot)
				switch {
				case f == nil:
					bad = append(bad, "a wordlist scan under Googlebot's name from outside Google's ranges is not reported")
				case !slices.Contains(f.Categories, evidence.FakeCrawler) || f.Severity < evidence.Medium:
					bad = append(bad, fmt.Sprintf("fake Googlebot reported as %s %v", f.Severity, f.Categories))
				}
				if f := finding(r, realGooglebot); f != nil {
					bad = append(bad, fmt.Sprintf("a real Googlebot crawling dead links reported: %v", f.Categories))
				}
				return bad
			}},
	}
}

// wordlist is the start of a content-discovery list: 4,585 requests walk
// its pairs, as dirb and gobuster do.
var wordlist = strings.Fields(`admin backup backups bak cache cgi-bin config conf data db dump old temp tmp
	test dev staging api v1 v2 private secret secrets uploads files download downloads include includes lib
	logs log scripts src static www web site server status console manager panel login user users account
	install setup update upgrade vendor node_modules assets images img css js fonts media docs documentation
	export import report reports archive archives`)

// A prober that asks for the same paths from one address, with curl and no
// browsing: it must stay reported beside the lured visitors.
const prober = "198.51.100.77"

// luredCases: sixty visitors read a page that carries a planted
// <img src=probe>, so each asks for probe once, with the page as referer.
// None is reported, blocklisted or put in a campaign; the report notes the
// linked path. A prober asking for the same path among others still is.
func luredCases(format string) []Case {
	var out []Case
	for _, probe := range []string{"/admin", "/wp-login.php", "/phpinfo.php", "/server-status"} {
		name := strings.NewReplacer("/", "", ".", "-").Replace(probe)
		out = append(out, Case{Name: "lured-" + name + "-" + format, Format: format,
			Log: func(l *Log) {
				for i := range 60 {
					ip, at := fmt.Sprintf("100.65.0.%d", i+1), time.Duration(i)*30*time.Second
					l.Visit(ip, at, "/blog/post-9", i)
					l.Add(Req{IP: ip, At: at + time.Second, Target: probe, Status: 404, Bytes: 153, Referer: PageURL("/blog/post-9"), UA: Chrome})
				}
				l.Visitors(40)
				for i, p := range []string{probe, "/administrator/", "/phpmyadmin/", "/.git/config", "/wp-admin/"} {
					l.Add(Req{IP: prober, At: time.Hour + time.Duration(i)*time.Second, Target: p, Status: 404, Bytes: 153, UA: "curl/8.5.0"})
				}
			},
			Check: func(r *report.Report) []string { return checkLured(r, probe) }})
	}
	return out
}

func checkLured(r *report.Report, probe string) []string {
	bad := checkNotBlamed(r, "100.65.")
	if f := finding(r, prober); f == nil || f.Severity < evidence.Medium {
		bad = append(bad, "the prober asking for the same path among others is not reported at medium")
	}
	noted := false
	for _, o := range r.Observations {
		noted = noted || (strings.Contains(o.Summary, "60 visitors") && strings.Contains(o.Summary, probe) && strings.Contains(o.Summary, "/blog/post-9"))
	}
	if !noted {
		bad = append(bad, fmt.Sprintf("no observation that 60 visitors asked for %s from /blog/post-9: %+v", probe, r.Observations))
	}
	return bad
}

// A scanner rotating its wordlist over addresses it holds in a shared /24
// (a cloud range, an ISP): 192.0.2.3, .90, .160 and .250, while .100 and
// .200 of the same /24 only browse. The scan is one finding; blocking it
// must not block the neighbours, so the blocklist holds the scanner's
// addresses, not the /24. Alone in its /24, the scan is blocked by the
// smallest prefix holding its addresses, as a rotation always was.
var (
	rotators   = []string{"192.0.2.3", "192.0.2.90", "192.0.2.160", "192.0.2.250"}
	neighbours = []string{"192.0.2.100", "192.0.2.200"}
)

func rotationCases(format string) []Case {
	scan := func(l *Log) {
		for i, ip := range rotators {
			for j := range 7 {
				w := wordlist[(i*7+j)%len(wordlist)]
				l.Add(Req{IP: ip, At: time.Hour + time.Duration(i*7+j)*2*time.Second, Target: "/" + w + "/",
					Status: 404, Bytes: 153, UA: Chrome})
			}
		}
	}
	return []Case{
		{Name: "rotation-among-neighbours-" + format, Format: format,
			Log: func(l *Log) {
				l.Visitors(40)
				for i, ip := range neighbours {
					l.Visit(ip, time.Hour+time.Duration(i)*20*time.Second, "/about", i)
				}
				scan(l)
			},
			Check: func(r *report.Report) []string { return checkRotation(r, neighbours) }},
		{Name: "rotation-alone-" + format, Format: format,
			Log: func(l *Log) { l.Visitors(40); scan(l) },
			Check: func(r *report.Report) []string {
				bad := checkRotation(r, nil)
				if !slices.ContainsFunc(r.Blocklist, func(b report.BlockEntry) bool { return b.CIDR == "192.0.2.0/24" }) {
					bad = append(bad, fmt.Sprintf("a rotation alone in its /24 is not blocked by its prefix: %+v", r.Blocklist))
				}
				return bad
			}},
	}
}

// checkRotation: the rotation is one finding at medium or above, every
// rotating address is on the blocklist, and no neighbour is.
func checkRotation(r *report.Report, neighbours []string) []string {
	var bad []string
	rotation := false
	for _, f := range r.Findings {
		rotation = rotation || (f.Evidence.MemberCount == len(rotators) && f.Severity >= evidence.Medium)
	}
	if !rotation {
		bad = append(bad, "the rotating scan is not one finding at medium or above")
	}
	blocked := func(ip string) string {
		a := netip.MustParseAddr(ip)
		for _, b := range r.Blocklist {
			if p, err := netip.ParsePrefix(b.CIDR); err == nil && p.Contains(a) {
				return b.CIDR
			}
		}
		return ""
	}
	for _, ip := range rotators {
		if blocked(ip) == "" {
			bad = append(bad, "rotating address not on the blocklist: "+ip)
		}
	}
	for _, ip := range neighbours {
		if c := blocked(ip); c != "" {
			bad = append(bad, fmt.Sprintf("neighbour %s that only browsed is blocked by %s", ip, c))
		}
	}
	return bad
}

// The payloads a page carries when someone injected two elements into it:
// every reader's browser requests both, with the page as referer.
var plantedTargets = []string{
	"/search?q=%27%20union%20select%20password%20from%20users--%20",
	"/img/x.gif?c=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
}

// A prober that sends the same SQL injection among others, with curl.
const payloadProber = "198.51.100.88"

// plantedCases: readers of a page that carries planted payloads, each from
// a /24 of its own (so that the staged run spreads them over chunks). Forty
// of them are a planted page: none is reported, blocked or in a campaign,
// and the report names the page with its visitors; a prober sending the
// same payload among others is still reported. Four are too few to tell
// from attackers forging a referer: they are reported as before.
func plantedCases(format string) []Case {
	const page = "/blog/post-1"
	readers := func(l *Log, n int) {
		for i := range n {
			ip, at := fmt.Sprintf("100.66.%d.%d", i, i%200+1), time.Duration(i)*37*time.Second
			l.Visit(ip, at, page, i)
			for j, t := range plantedTargets {
				l.Add(Req{IP: ip, At: at + time.Duration(2+j)*time.Second, Target: t, Status: []int{200, 404}[j], Bytes: []int{5100, 150}[j],
					Referer: PageURL(page), UA: Chrome})
			}
		}
	}
	probe := func(l *Log) {
		for i, t := range []string{plantedTargets[0], "/search?q=1%20and%201=2", "/item?id=1%27%20or%20%271%27=%271", "/?file=../../etc/passwd"} {
			l.Add(Req{IP: payloadProber, At: time.Hour + time.Duration(i)*time.Second, Target: t, Status: 200, Bytes: 5100, UA: "curl/8.5.0"})
		}
	}
	return []Case{
		{Name: "planted-payload-" + format, Format: format,
			Log: func(l *Log) { l.Visitors(40); readers(l, 40); probe(l) },
			Check: func(r *report.Report) []string {
				bad := checkNotBlamed(r, "100.66.")
				found := false
				for _, p := range r.Planted {
					found = found || (p.Page == page && p.Visitors == 40 && p.Severity >= evidence.High && len(p.Targets) == 2)
				}
				if !found {
					bad = append(bad, fmt.Sprintf("no planted page %s with 40 visitors at high: %+v", page, r.Planted))
				}
				if !strings.Contains(r.Summary.Headline, page) || r.Summary.Severity < evidence.High {
					bad = append(bad, fmt.Sprintf("the summary does not name the page at high: %s %q", r.Summary.Severity, r.Summary.Headline))
				}
				if len(r.Summary.DoNow) == 0 || !strings.Contains(r.Summary.DoNow[0], "clean the page "+page) {
					bad = append(bad, fmt.Sprintf("Do now does not start with cleaning the page: %q", r.Summary.DoNow))
				}
				if r.Summary.Clients.Planted != 40 {
					bad = append(bad, fmt.Sprintf("clients %+v: want 40 planted", r.Summary.Clients))
				}
				if f := finding(r, payloadProber); f == nil || f.Severity < evidence.High {
					bad = append(bad, "the prober sending the same payload among others is not reported at high")
				}
				return bad
			}},
		{Name: "planted-payload-alone-" + format, Format: format,
			Log: func(l *Log) { l.Visitors(40); readers(l, 40) },
			Check: func(r *report.Report) []string {
				var bad []string
				if len(r.Findings) != 0 || len(r.Blocklist) != 0 {
					bad = append(bad, fmt.Sprintf("%d findings, %d blocklist entries; want none", len(r.Findings), len(r.Blocklist)))
				}
				if len(r.Planted) != 1 || r.Summary.Severity < evidence.High || !strings.Contains(r.Summary.Headline, page) {
					bad = append(bad, fmt.Sprintf("the planted page alone is not the report's news at high: %s %q", r.Summary.Severity, r.Summary.Headline))
				}
				return bad
			}},
		{Name: "planted-payload-too-few-" + format, Format: format,
			Log: func(l *Log) { l.Visitors(40); readers(l, 4) },
			Check: func(r *report.Report) []string {
				var bad []string
				for i := range 4 {
					ip := fmt.Sprintf("100.66.%d.%d", i, i+1)
					if f := finding(r, ip); f == nil || f.Severity < evidence.High {
						bad = append(bad, fmt.Sprintf("%s, one of only 4 clients sending the payloads with the page as referer, is not reported at high", ip))
					}
				}
				if len(r.Planted) != 0 {
					bad = append(bad, fmt.Sprintf("4 clients make a planted page: %+v", r.Planted))
				}
				return bad
			}},
	}
}

// checkNotBlamed: no client whose address starts with prefix is a finding,
// on the blocklist, in a campaign or in a suspicious group.
func checkNotBlamed(r *report.Report, prefix string) []string {
	var bad []string
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Actor, prefix) {
			bad = append(bad, fmt.Sprintf("visitor %s reported: %s %v", f.Actor, f.Severity, f.Categories))
			break
		}
	}
	for _, b := range r.Blocklist {
		if strings.HasPrefix(b.CIDR, prefix) {
			bad = append(bad, "visitor on the blocklist: "+b.CIDR)
			break
		}
	}
	for _, c := range r.Campaigns {
		if slices.ContainsFunc(c.Actors, func(a string) bool { return strings.HasPrefix(a, prefix) }) {
			bad = append(bad, fmt.Sprintf("visitors in campaign %s %q", c.Kind, c.Key))
		}
	}
	for _, g := range r.Groups {
		if g.Suspicious() && slices.ContainsFunc(g.Members, func(a string) bool { return strings.HasPrefix(a, prefix) }) {
			bad = append(bad, fmt.Sprintf("visitors in suspicious group %s", g.Key))
		}
	}
	return bad
}
