package detect

import (
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

func TestBadBotRule(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"libwww-perl", each(200, "libwww-perl/6.67", "/"), evidence.BadBot, "hit", evidence.Low, "libwww-perl"},
		{"perl LWP", each(200, "LWP::Simple/5.827 libwww-perl/5.833", "/"), evidence.BadBot, "hit", 0, ""},
		{"the beast", each(200, "The Beast", "/"), evidence.BadBot, "hit", 0, ""},
		{"trackback spammer", each(200, "TrackBack/1.02", "/blog/post/trackback/"), evidence.BadBot, "hit", 0, ""},
		{"sun fingerprinter", each(404, "Sun Web Console Fingerprinter/7.15", "/"), evidence.BadBot, "hit", 0, ""},
		{"site downloader", each(200, "Mozilla/4.5 (compatible; HTTrack 3.0x; Windows 98)", "/"), evidence.BadBot, "hit", 0, "HTTrack"},
		{"seo bot from the list", each(200, "Mozilla/5.0 (compatible; BLEXBot/1.0; +http://webmeup-crawler.com/)", "/"), evidence.BadBot, "hit", 0, ""},
		{"scanner-ua wins", each(200, "Mozilla/5.00 (Nikto/2.1.5) (Evasions:None) (Test:Port Check)", "/"), evidence.BadBot, "none", 0, ""},
		{"allowlisted crawler the list also names", each(200, "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)", "/", "/a"), evidence.BadBot, "none", 0, ""},
		{"allowlisted dotbot", each(200, "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)", "/"), evidence.BadBot, "none", 0, ""},
		{"name inside a word", each(200, "Mozilla/5.0 (X11; Linux x86_64) Snakeoil/1.0 Buddylist", "/"), evidence.BadBot, "none", 0, ""},
		{"lower-case word from the list", each(200, "my evil little script", "/"), evidence.BadBot, "none", 0, ""},
	})
}

// TestBadBotBrowsers checks that real browsers, in-app browsers, crawlers,
// monitors and common HTTP libraries are not on the list.
func TestBadBotBrowsers(t *testing.T) {
	for _, ua := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
		"Mozilla/5.0 (Windows NT 6.1; rv:7.0.1) Gecko/20100101 Firefox/70.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 13; V2111 Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/6170 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
		"Mozilla/5.0 (Linux; U; Android 10; zh-cn; MI 9 Build/QKQ1.190825.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/66.0.3359.126 MQQBrowser/10.4 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; Android 5.1; OPPO A33 Build/LMY47I) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/43.0.2357.121 Mobile Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 14_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0 Mobile/15E148 Safari/604.1 (Applebot/0.1; +http://www.apple.com/go/applebot)",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
		"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
		"Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
		"Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
		"curl/8.5.0", "Wget/1.21.4", "python-requests/2.31.0", "Go-http-client/2.0", "okhttp/4.12.0",
		"Amazon CloudFront", "ELB-HealthChecker/2.0", "kube-probe/1.29",
	} {
		if m := badBots.find(ua); m != "" {
			t.Errorf("%q matches bad-bot name %q", ua, m)
		}
	}
	if len(badBots.names) < 500 {
		t.Errorf("%d names: the embedded list did not load", len(badBots.names))
	}
}
