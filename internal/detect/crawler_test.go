package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// Addresses inside the ranges Google and Bing publish (internal/crawlers).
const (
	googlebotIP = "66.249.66.1"
	bingbotIP   = "157.55.39.10"
)

// from sends reqs from ip.
func from(ip string, reqs []req) []req {
	for i := range reqs {
		reqs[i].ip = ip
	}
	return reqs
}

// as sends reqs with user agent ua.
func as(ua string, reqs []req) []req {
	for i := range reqs {
		reqs[i].ua = ua
	}
	return reqs
}

// A crawler's name is a pass only from its operator's published ranges, and
// only for what crawlers do.
func TestCrawlerClaims(t *testing.T) {
	scan := func(ip, ua string) []req {
		var r []req
		for i := range 400 {
			r = append(r, req{ip: ip, at: time.Duration(i) * 50 * time.Millisecond, target: fmt.Sprintf("/dir%d/file%d.php", i, i%50), status: 404, ua: ua})
		}
		return r
	}
	dead := func(ip, ua string) []req {
		var r []req
		for i := range 300 {
			r = append(r, req{ip: ip, at: time.Duration(i) * 2 * time.Second, target: fmt.Sprintf("/old/article-%d", i), status: 404, ua: ua})
		}
		return r
	}
	tests := []struct {
		name string
		reqs []req
		want []evidence.Category // hits; nil: not reported
	}{
		{"fake googlebot wordlist scan", scan(attacker, googlebot), []evidence.Category{evidence.HTTPProbing, evidence.FakeCrawler}},
		{"the same scan as chrome", scan(attacker, browser), []evidence.Category{evidence.HTTPProbing}},
		{"fake googlebot reading pages", as(googlebot, seq(5, "/page/%d", 200, time.Minute)), []evidence.Category{evidence.FakeCrawler}},
		{"real googlebot crawling dead urls", dead(googlebotIP, googlebot), nil},
		{"real googlebot crawling a migrated php site's dead links", func() []req {
			r := dead(googlebotIP, googlebot)
			for i := range r {
				r[i].target = fmt.Sprintf("/news/article-%d.php", i)
				r[i].at /= 4
			}
			return r
		}(), nil},
		{"real googlebot crawling fast", as(googlebot, from(googlebotIP, seq(300, "/page/%d", 200, 200*time.Millisecond))), nil},
		{"real bingbot crawling dead urls", dead(bingbotIP, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"), nil},
		{"real googlebot probing admin and backup paths at a scan's rate", from(googlebotIP, each(404, googlebot,
			"/admin", "/administrator", "/backup.zip", "/db.sql", "/wp-login.php", "/xmlrpc.php", "/phpinfo.php",
			"/site.tar.gz", "/config.php.bak", "/www.zip", "/.git/config", "/server-status")), []evidence.Category{evidence.HTTPProbing}},
		{"real googlebot posting to a form", from(googlebotIP, []req{
			{method: "POST", target: "/contact", status: 404, ua: googlebot},
			{method: "POST", target: "/admin/login", status: 404, ua: googlebot},
			{method: "POST", target: "/administrator/", status: 404, ua: googlebot},
		}), []evidence.Category{evidence.AdminProbing}},
		// A yandexbot publishes no JSON list: its word is kept, as before.
		{"unverifiable crawler following links", from(attacker, each(404, "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
			"/wp-login.php", "/xmlrpc.php", "/wp-admin/")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, sus := find(run(t, Config{}, tt.reqs), tt.reqs[0].ip)
			if tt.want == nil {
				if sus {
					t.Fatalf("reported: %v %s", a.Categories, a.Hits[0].Reason)
				}
				return
			}
			if !sus {
				t.Fatalf("not reported: %+v", a)
			}
			for _, c := range tt.want {
				if hitFor(a, c) == nil {
					t.Errorf("no %s hit: %v", c, a.Categories)
				}
			}
			if h := hitFor(a, evidence.FakeCrawler); h != nil {
				if h.Severity != evidence.Low || !strings.Contains(h.Reason, "outside the ranges Google publishes") {
					t.Errorf("fake-crawler hit: %v %s", h.Severity, h.Reason)
				}
			}
		})
	}
}

// A log from long before the shipped lists cannot be judged by them: a 2015
// bingbot from an address Bing no longer lists is not a fake.
func TestCrawlerClaimsOutsideTheListsYears(t *testing.T) {
	old := as("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", from("157.55.32.109", seq(3, "/page/%d", 200, time.Minute)))
	for i := range old {
		old[i].at -= 11 * 365 * 24 * time.Hour
	}
	if a, sus := find(run(t, Config{}, old), "157.55.32.109"); sus {
		t.Errorf("old bingbot reported: %v", a.Categories)
	}
	recent := as(old[0].ua, from("157.55.32.109", seq(3, "/page/%d", 200, time.Minute)))
	if a, sus := find(run(t, Config{}, recent), "157.55.32.109"); !sus || hitFor(a, evidence.FakeCrawler) == nil {
		t.Errorf("a bingbot outside today's ranges not reported: %+v", a)
	}
}
