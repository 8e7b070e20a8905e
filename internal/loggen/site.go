package loggen

import "strings"

// The benign side: a small single-page app on Amplify, its visitors, and the
// bots every public site sees.

// asset is one file the site serves, with what the edge answers.
type asset struct {
	path   string
	status int
	ctype  string
	bytes  int64
}

// The SPA's routes: each answers index.html (the app routes client-side).
var routes = []string{
	"/", "/", "/", "/pricing", "/features", "/about", "/blog", "/blog/launch-week",
	"/blog/how-we-ship", "/docs", "/docs/getting-started", "/docs/api", "/contact",
	"/login", "/signup", "/dashboard", "/dashboard/settings",
}

const indexBytes = 1184

// The build output a first page view loads.
var firstLoad = []asset{
	{"/assets/index-B7kq2xPa.js", 200, "application/javascript", 184321},
	{"/assets/vendor-Cx9mD1eQ.js", 200, "application/javascript", 412877},
	{"/assets/index-D4fR8tLw.css", 200, "text/css", 28734},
	{"/fonts/inter-var.woff2", 200, "font/woff2", 98216},
	{"/images/logo.svg", 200, "image/svg+xml", 3121},
	{"/favicon.svg", 200, "image/svg+xml", 1402},
	{"/manifest.json", 200, "application/json", 512},
}

// Files some pages load lazily.
var lazy = []asset{
	{"/assets/pricing-a1B2c3D4.js", 200, "application/javascript", 12877},
	{"/assets/blog-Q9w8E7r6.js", 200, "application/javascript", 22410},
	{"/assets/docs-Zx5Yw4Vu.js", 200, "application/javascript", 35120},
	{"/assets/dashboard-Hj6Kl7Mn.js", 200, "application/javascript", 61844},
	{"/images/hero.webp", 200, "image/webp", 84211},
	{"/images/screenshot-1.webp", 200, "image/webp", 120554},
	{"/images/og-card.png", 200, "image/png", 66302},
	{"/images/team/ana.jpg", 200, "image/jpeg", 24410},
}

// API calls the app makes (no file extension: probing rules must not count them).
var apiCalls = []asset{
	{"/api/session", 200, "application/json", 87},
	{"/api/plans", 200, "application/json", 1422},
	{"/api/posts", 200, "application/json", 5310},
	{"/api/posts/launch-week", 200, "application/json", 8120},
	{"/api/products", 200, "application/json", 2811},
	{"/api/me", 401, "application/json", 41},
}

// Ordinary 404s: browsers asking for icons the site does not have, and typos.
var (
	favicon     = asset{"/favicon.ico", 404, "text/html", 548}
	touchIcons  = []asset{{"/apple-touch-icon.png", 404, "text/html", 548}, {"/apple-touch-icon-precomposed.png", 404, "text/html", 548}}
	robots      = asset{"/robots.txt", 404, "text/html", 548}
	crawlerMisc = []asset{{"/ads.txt", 404, "text/html", 548}, {"/.well-known/security.txt", 404, "text/html", 548},
		{"/humans.txt", 404, "text/html", 548}, {"/feed.xml", 404, "text/html", 548}}
	sitemap     = asset{"/sitemap.xml", 404, "text/html", 548}
	typos       = []string{"/pricng", "/abut", "/blog/launch-weeek", "/Pricing", "/docs/getting-startd", "/contact-us", "/singup", "/dashbaord", "/blog/", "/docs/api/v2"}
	notFoundLen = int64(548)
)

// Browser user agents, as real browsers send them.
var browserUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
}

// isIOS reports whether ua is an iOS device's (they ask for apple-touch-icon).
func isIOS(ua string) bool { return strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") }

// bot is a well-known crawler, monitor or link-preview fetcher.
type bot struct {
	ua     string
	ips    []string // a few real-looking addresses from the operator's ranges
	kind   int
	weight int
}

const (
	kindCrawler = iota
	kindPreview
)

var bots = []bot{
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", []string{"66.249.66.1", "66.249.66.33", "66.249.68.5", "66.249.79.140"}, kindCrawler, 6},
	{"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", []string{"66.249.66.70", "66.249.66.160"}, kindCrawler, 4},
	{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", []string{"40.77.167.31", "40.77.167.120", "157.55.39.12", "207.46.13.87"}, kindCrawler, 4},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", []string{"17.241.219.77", "17.241.75.12"}, kindCrawler, 2},
	{"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", []string{"54.36.148.92", "54.36.149.40", "5.39.1.230"}, kindCrawler, 3},
	{"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", []string{"5.255.231.148", "213.180.203.54"}, kindCrawler, 2},
	{"DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", []string{"20.191.45.212"}, kindCrawler, 1},
	{"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", []string{"3.92.144.159", "54.209.44.101"}, kindPreview, 2},
	{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", []string{"69.171.249.10", "173.252.83.116"}, kindPreview, 2},
	{"Twitterbot/1.0", []string{"199.16.157.182"}, kindPreview, 1},
	{"Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", []string{"35.227.62.178"}, kindPreview, 1},
	{"LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", []string{"108.174.2.200"}, kindPreview, 1},
	{"WhatsApp/2.23.20.0", []string{"31.13.66.50"}, kindPreview, 1},
}

// Uptime monitors poll the home page on a fixed period.
var monitors = []struct {
	ua  string
	ips []string
}{
	{"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", []string{"216.144.250.150", "69.162.124.226", "63.143.42.244"}},
	{"Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", []string{"5.172.196.188", "178.255.152.2"}},
}

// Offices and mobile carriers put many visitors behind one address (NAT).
var sharedV4 = [][4]byte{{81, 102, 7, 19}, {92, 184, 40, 2}, {176, 12, 200, 77}}

// Invented address blocks for ordinary visitors (none is a documentation range).
var clientV4 = [][2]byte{
	{24, 17}, {73, 162}, {76, 88}, {81, 102}, {86, 143}, {92, 184}, {98, 207},
	{109, 190}, {151, 44}, {176, 12}, {188, 26}, {2, 84}, {37, 120}, {46, 208},
	{62, 30}, {85, 214}, {90, 61}, {95, 91}, {121, 88}, {180, 150},
}

var clientV6 = [][4]uint16{
	{0x2a02, 0x8108}, {0x2a01, 0xcb19}, {0x2600, 0x1700}, {0x2601, 0x0644}, {0x2a00, 0x23c8},
}

// Edge locations, as the x-edge-location field names them.
var edges = []string{"IAD89-P1", "IAD66-C1", "JFK52-P3", "ORD58-P4", "SFO53-P7", "LHR61-P3", "FRA56-P5", "CDG52-P2", "AMS58-P4", "NRT57-P2", "SIN2-P3", "GRU3-C1"}
