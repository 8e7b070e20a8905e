package steer

import (
	"fmt"
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
