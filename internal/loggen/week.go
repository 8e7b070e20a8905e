package loggen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
)

// The "week" scenario: a week of the ordinary site with the quiet and
// distributed attacks of detection round 2 mixed in (credential stuffing
// spread over many addresses and days, basic-auth and REST 401 floods,
// record-id enumeration, WebDAV and method probing, a scan rotating through
// the addresses of one prefix, a browser-UA scraper running for over an
// hour), one round of the classic attacks, and the benign traps that look
// like them. Attackers use the documentation ranges only; every benign trap
// uses an ordinary address, so a test can tell them apart by address.

// WeekTruth is what the week scenario planted: the actor a report must name
// (an address or an IPv6 /64) and the category it must carry. For a
// rotating scan, Actor is the block the report's prefix must stay within
// (the /48 or /24) and Members are the addresses that prefix must hold.
type WeekTruth struct {
	Actor    string
	Category string
	Members  []string
}

// Addresses the week scenario's attackers and traps use. The stuffing
// members and the rotating scanners are generated (weekStuffingMember,
// weekRotation6, weekRotation4).
var (
	weekBasicAuth   = netip.MustParseAddr("203.0.113.201") // Traefik dashboard basic auth
	weekOpenHAB     = netip.MustParseAddr("2001:db8:77:1::5")
	weekSOGo        = netip.MustParseAddr("198.51.100.202")
	weekEnumerator  = netip.MustParseAddr("203.0.113.203")
	weekEnumQuery   = netip.MustParseAddr("198.51.100.204")
	weekMethodProbe = netip.MustParseAddr("203.0.113.205")
	weekDAVWriter   = netip.MustParseAddr("198.51.100.206")
	weekScraper     = netip.MustParseAddr("203.0.113.207")

	// The rotating scans: one /48 with a /64 per address, and the upper
	// half of a documentation /24 (their smallest covering prefix is /28).
	weekRotation6Net = [6]byte{0x20, 0x01, 0x0d, 0xb8, 0xbe, 0xef}
	weekRotation4Net = [3]byte{192, 0, 2}
)

const (
	weekStuffingMembers = 60
	weekRotation6Count  = 24
	weekRotation4Count  = 12
)

func weekStuffingMember(i int) netip.Addr {
	if i%4 == 3 {
		var b [16]byte
		b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
		b[4], b[5] = 0x51, byte(i) // a different /48 for each: residential proxies
		b[15] = 0x10
		return netip.AddrFrom16(b)
	}
	nets := [3][3]byte{{198, 51, 100}, {203, 0, 113}, {192, 0, 2}}
	n := nets[i%3]
	return netip.AddrFrom4([4]byte{n[0], n[1], n[2], byte(150 + i%50)})
}

func weekRotation6(i int) netip.Addr {
	var b [16]byte
	copy(b[:], weekRotation6Net[:])
	b[6], b[7] = 0x10, byte(i) // one /64 each
	b[8], b[15] = byte(0x40+i), byte(1+i)
	return netip.AddrFrom16(b)
}

func weekRotation4(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{weekRotation4Net[0], weekRotation4Net[1], weekRotation4Net[2], byte(130 + i)})
}

// WeekTruths lists what the week scenario planted, in every format (none of
// these attacks needs a Referer, which ALB logs do not carry).
func WeekTruths() []WeekTruth {
	out := []WeekTruth{
		{Actor: weekBasicAuth.String(), Category: "brute-force"},
		{Actor: actorString(weekOpenHAB), Category: "brute-force"},
		{Actor: weekSOGo.String(), Category: "brute-force"},
		{Actor: weekEnumerator.String(), Category: "enumeration"},
		{Actor: weekEnumQuery.String(), Category: "enumeration"},
		{Actor: weekMethodProbe.String(), Category: "method-probing"},
		{Actor: weekDAVWriter.String(), Category: "method-probing"},
		{Actor: weekScraper.String(), Category: "aggressive-crawl"},
	}
	r6 := WeekTruth{Actor: "2001:db8:beef::/48", Category: "http-probing"}
	for i := range weekRotation6Count {
		r6.Members = append(r6.Members, weekRotation6(i).String())
	}
	r4 := WeekTruth{Actor: "192.0.2.0/24", Category: "http-probing"}
	for i := range weekRotation4Count {
		r4.Members = append(r4.Members, weekRotation4(i).String())
	}
	out = append(out, r6, r4)
	for i := range weekStuffingMembers {
		out = append(out, WeekTruth{Actor: actorString(weekStuffingMember(i)), Category: "credential-stuffing"})
	}
	return out
}

// actorString writes an address as the rules key it: IPv4 as is, IPv6 as its /64.
func actorString(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// planWeek lays out the week scenario over [start, end).
func planWeek(rng *rand.Rand, start, end int64, format string) []event {
	p := &planner{rng: rng}
	span := end - start
	at := func(lo, hi float64) int64 { return start + int64(float64(span)*(lo+(hi-lo)*rng.Float64())) }

	// One round of the classic attacks, so the week also checks them.
	p.sensitiveFiles(at(0.05, 0.3))
	p.wordpress(at(0.05, 0.9))
	p.traversal(at(0.1, 0.9))
	p.sqli(at(0.1, 0.9))
	p.nikto(at(0.2, 0.8), 40)
	p.probing(at(0.1, 0.9))
	p.bruteForce(at(0.3, 0.8), 60)
	p.webshells(at(0.9, 0.95))

	p.stuffing(start, end)
	p.basicAuthFlood(at(0.1, 0.9))
	p.enumeration(at(0.1, 0.9))
	p.methodProbing(at(0.1, 0.9), format != "alb")
	p.rotation(at(0.1, 0.9))
	p.scraper(at(0.2, 0.7))

	p.corporateNAT(start, end)
	p.brokenDeploy(at(0.3, 0.6))
	p.crawlerDeadLinks(at(0.1, 0.8))
	p.healthChecks(start, end)
	p.mobileApp(at(0.1, 0.8))
	p.loginTypos(at(0.1, 0.9))
	p.siteOwner(at(0.1, 0.9))
	p.oddSearches(at(0.1, 0.9))
	p.stalePassword(at(0.2, 0.6))
	p.restClient(at(0.1, 0.9))
	p.catalogue(at(0.1, 0.9))
	p.davSync(at(0.1, 0.9))

	sort.SliceStable(p.events, func(i, j int) bool { return p.events[i].ms < p.events[j].ms })
	return p.events
}

// stuffing: many addresses, each posting a few failed logins over the
// week with an ordinary browser UA and loading nothing else.
func (p *planner) stuffing(start, end int64) {
	for i := range weekStuffingMembers {
		a := p.actor(weekStuffingMember(i), start, browserUAs[p.rng.IntN(len(browserUAs))])
		for range 1 + p.rng.IntN(3) {
			a.ms = start + p.rng.Int64N(end-start)
			a.req("POST", "/api/login", "", 401, 0)
		}
	}
}

// basicAuthFlood guesses the password of a Traefik dashboard behind basic
// auth, of openHAB's REST API, and of SOGo's login.
func (p *planner) basicAuthFlood(ms int64) {
	a := p.actor(weekBasicAuth, ms, "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0")
	for range 240 {
		a.get("/dashboard/", 401, 400)
	}
	a.get("/dashboard/", 200, 0)
	b := p.actor(weekOpenHAB, ms+3_600_000, "python-requests/2.31.0")
	for range 150 {
		b.get("/rest/items", 401, 600)
	}
	c := p.actor(weekSOGo, ms+7_200_000, browserUAs[0])
	for range 30 {
		c.req("POST", "/SOGo/connect", "", 403, 15000)
	}
}

// enumeration walks record ids: a REST route (mostly 403, some 200) and a
// query parameter (mostly 404).
func (p *planner) enumeration(ms int64) {
	a := p.actor(weekEnumerator, ms, "python-requests/2.31.0")
	for id := 1000; id < 1300; id++ {
		st := 403
		if id%17 == 0 {
			st = 200
		}
		a.get(fmt.Sprintf("/api/users/%d", id), st, 800)
	}
	b := p.actor(weekEnumQuery, ms+5_400_000, "Mozilla/5.0 (compatible; Go-http-client/1.1)")
	for id := 52000; id < 52120; id++ {
		st := 404
		if id%9 == 0 {
			st = 200
		}
		b.req("GET", "/invoice", fmt.Sprintf("id=%d", id), st, 1500)
	}
}

// methodProbing: a scanner trying methods the site does not allow, and a
// WebDAV tester whose PUT of a script is accepted.
func (p *planner) methodProbing(ms int64, optionsStar bool) {
	a := p.actor(weekMethodProbe, ms, browserUAs[2])
	a.get("/", 200, 1000)
	if optionsStar {
		a.req("OPTIONS", "*", "", 200, 1000)
	}
	a.req("TRACE", "/", "", 405, 1000)
	a.req("PROPFIND", "/", "", 405, 1000)
	a.req("PUT", "/test.txt", "", 405, 1000)
	a.req("DELETE", "/test.txt", "", 405, 1000)
	a.req("MOVE", "/index.html", "", 405, 1000)
	a.req("SEARCH", "/", "", 405, 1000)
	b := p.actor(weekDAVWriter, ms+900_000, "DAV.pm/v0.49")
	b.req("PROPFIND", "/", "", 405, 2000)
	b.req("MKCOL", "/DavTestDir_k3f9/", "", 405, 2000)
	b.req("PUT", "/davtest_k3f9.php", "", 201, 2000)
	b.req("PUT", "/davtest_k3f9.txt", "", 201, 2000)
	b.req("MOVE", "/davtest_k3f9.txt", "", 405, 2000)
	b.req("DELETE", "/davtest_k3f9.txt", "", 204, 0)
}

// rotationWordlist is a content-discovery wordlist, split between the
// rotating addresses.
var rotationWordlist = []string{
	"/admin.php", "/backup/", "/old/", "/test/", "/tmp/", "/dev/", "/staging/", "/private/", "/upload/",
	"/uploads/", "/files/", "/data/", "/db/", "/database/", "/sql/", "/logs/", "/log/", "/debug/",
	"/install/", "/setup/", "/config/", "/conf/", "/include/", "/includes/", "/lib/", "/src/", "/vendor/",
	"/bin/", "/scripts/", "/cgi/", "/api/internal/", "/console/", "/portal/", "/webadmin/", "/system/",
	"/server/", "/secret/", "/hidden/", "/archive/", "/export/", "/import/", "/dump/", "/bak/",
	"/web/", "/www/", "/site/", "/home/", "/user/", "/users/", "/members/", "/account/", "/accounts/",
	"/temp/", "/cache/", "/static/old/", "/mail/", "/webmail/", "/phpbb/", "/forum/", "/shop/", "/store/",
	"/cart/", "/checkout/", "/payment/", "/billing/", "/invoice/", "/reports/", "/stats/", "/status/",
	"/monitor/", "/metrics/", "/health/", "/info/", "/version/", "/readme/", "/license/", "/changelog/",
}

// rotation: the same wordlist scan split over 24 IPv6 /64s of one /48 and
// over 12 neighbouring IPv4 addresses, each asking only a few paths.
func (p *planner) rotation(ms int64) {
	const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
	w := rotationWordlist
	for i := range weekRotation6Count {
		a := p.actor(weekRotation6(i), ms+int64(i)*20_000, ua)
		for k := 0; k < 3; k++ {
			a.get(w[(i*3+k)%len(w)], 404, 3000)
		}
	}
	for i := range weekRotation4Count {
		a := p.actor(weekRotation4(i), ms+3_600_000+int64(i)*15_000, ua)
		for k := 0; k < 2; k++ {
			a.get(w[(40+i*2+k)%len(w)], 404, 2000)
		}
	}
}

// scraper copies the site with a browser UA, about three pages a second for
// ninety minutes.
func (p *planner) scraper(ms int64) {
	a := p.actor(weekScraper, ms, browserUAs[1])
	for i := range 16000 {
		r := routes[i%len(routes)]
		a.req("GET", r, fmt.Sprintf("p=%d", i), 200, 440)
	}
}

// Benign traps. Ordinary addresses only.

// corporateNAT: one address, thirty people's browsers over working hours
// all week, a few of whom mistype their password.
func (p *planner) corporateNAT(start, end int64) {
	ip := netip.MustParseAddr("81.102.7.44")
	for day := start; day+86_400_000 <= end+1; day += 86_400_000 {
		for k := range 30 {
			a := p.actor(ip, day+8*3_600_000+p.rng.Int64N(9*3_600_000), browserUAs[k%len(browserUAs)])
			a.get("/", 200, 200)
			for _, as := range firstLoad[:4] {
				a.get(as.path, 200, 150)
			}
			a.get("/login", 200, 8000)
			if k%9 == 0 {
				a.req("POST", "/api/login", "", 401, 6000)
			}
			a.req("POST", "/api/login", "", 200, 3000)
			a.get("/dashboard", 200, 2000)
			a.get("/api/me", 200, 30000)
			a.get("/dashboard/settings", 200, 0)
		}
	}
}

// brokenDeploy: for forty minutes the page asks for a bundle that is gone.
func (p *planner) brokenDeploy(ms int64) {
	for i := range 120 {
		ip := netip.AddrFrom4([4]byte{86, 143, byte(10 + i/200), byte(1 + i%200)})
		a := p.actor(ip, ms+int64(i)*20_000, browserUAs[i%len(browserUAs)])
		a.get("/", 200, 150)
		a.get("/assets/index-OLD9x2.js", 404, 150)
		a.get("/assets/index-D4fR8tLw.css", 200, 0)
	}
}

// crawlerDeadLinks: Googlebot, from Google's published range, recrawling
// product pages that were removed.
func (p *planner) crawlerDeadLinks(ms int64) {
	a := p.actor(netip.MustParseAddr("66.249.66.12"), ms, bots[0].ua)
	for i := range 150 {
		a.get(fmt.Sprintf("/products/%d", 4000+i*7), 404, 20000)
	}
}

// healthChecks: a load balancer's and a Kubernetes probe's health checks.
func (p *planner) healthChecks(start, end int64) {
	a := p.actor(netip.MustParseAddr("10.0.1.17"), start, "kube-probe/1.29")
	for a.ms < end-60_000 && len(p.events) < 1<<20 {
		a.get("/healthz", 200, 0)
		a.ms += 60_000
	}
}

// mobileApp: the site's app, throttled now and then.
func (p *planner) mobileApp(ms int64) {
	a := p.actor(netip.MustParseAddr("176.12.200.91"), ms, "AcmeApp/5.1.0 (com.acme.app; build:512; iOS 17.5.1) Alamofire/5.8.0")
	a.req("POST", "/api/login", "", 200, 2000)
	for i := range 200 {
		st := 200
		if i%25 > 21 {
			st = 429
		}
		a.get("/api/feed", st, 1200)
		a.get(fmt.Sprintf("/api/items/%d", 300+i%40), st, 1200)
	}
}

// loginTypos: a person who fails the login four times, then succeeds.
func (p *planner) loginTypos(ms int64) {
	a := p.actor(netip.MustParseAddr("24.17.88.9"), ms, browserUAs[3])
	a.get("/login", 200, 200)
	for _, as := range firstLoad[:5] {
		a.get(as.path, 200, 150)
	}
	for range 4 {
		a.req("POST", "/api/login", "", 401, 9000)
	}
	a.req("POST", "/api/login", "", 200, 2000)
	a.get("/dashboard", 200, 0)
}

// siteOwner: the owner working in the admin pages.
func (p *planner) siteOwner(ms int64) {
	a := p.actor(netip.MustParseAddr("73.162.5.77"), ms, browserUAs[2])
	for i := range 60 {
		pages := []string{"/admin", "/admin/users", "/admin/settings", "/admin/orders", "/admin/reports"}
		a.get(pages[i%len(pages)], 200, 15000)
		a.get("/api/admin/stats", 200, 5000)
	}
}

// oddSearches: searches and API filters that look like attacks and are not.
func (p *planner) oddSearches(ms int64) {
	a := p.actor(netip.MustParseAddr("92.184.40.66"), ms, browserUAs[4])
	for _, q := range []string{
		"q=O%27Brien", "q=select%20from%20menu", "q=drop%20table%20ideas", "q=%3Cdiv%3E%20vs%20%3Cspan%3E",
		"q=rock%20%27n%27%20roll", "q=1%3D1%20math", "q=D%27Angelo%27s%20pizza", "q=how%20to%20union%20two%20lists",
	} {
		a.req("GET", "/search", q, 200, 7000)
	}
	for _, q := range []string{
		"price%5B%24gte%5D=10&price%5B%24lte%5D=100", "filter%5Bstatus%5D%5B%24eq%5D=active",
		"where=%7B%22age%22%3A%7B%22%24gt%22%3A21%7D%7D", "sort=-created&fields%5Bitems%5D=name,price",
	} {
		a.req("GET", "/api/products", q, 200, 4000)
	}
}

// stalePassword: an app with an expired saved password, retrying every few
// minutes for hours, and a calendar client doing the same over WebDAV.
func (p *planner) stalePassword(ms int64) {
	a := p.actor(netip.MustParseAddr("85.214.3.20"), ms, "openHAB-Android/3.12")
	b := p.actor(netip.MustParseAddr("85.214.3.21"), ms, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0")
	for range 100 {
		a.get("/rest/items", 401, 0)
		a.ms += 180_000 + p.rng.Int64N(60_000)
		b.req("PROPFIND", "/SOGo/dav/anna/Calendar/personal/", "", 401, 0)
		b.ms += 300_000
	}
}

// restClient: an integration using PUT and DELETE on the API, and browsers'
// CORS preflights.
func (p *planner) restClient(ms int64) {
	a := p.actor(netip.MustParseAddr("46.208.11.3"), ms, "acme-sync/2.4 (+https://example.com/sync)")
	for i := range 80 {
		id := fmt.Sprintf("/api/todos/%d", 100+i)
		a.get("/api/todos", 200, 1500)
		a.req("OPTIONS", id, "", 204, 200)
		a.req("PUT", id, "", 200, 1500)
		if i%4 == 0 {
			a.req("DELETE", id, "", 204, 1500)
		}
		if i%10 == 0 {
			a.req("DELETE", fmt.Sprintf("/api/todos/%d", 90+i), "", 404, 1500)
		}
	}
}

// catalogue: a person paging through the products, and the SPA loading
// forty items for a list view.
func (p *planner) catalogue(ms int64) {
	a := p.actor(netip.MustParseAddr("151.44.9.200"), ms, browserUAs[7])
	for page := 1; page <= 40; page++ {
		a.req("GET", "/products", fmt.Sprintf("page=%d", page), 200, 6000)
	}
	b := p.actor(netip.MustParseAddr("151.44.9.201"), ms, browserUAs[8])
	for id := 1; id <= 60; id++ {
		st := 200
		if id%20 == 0 {
			st = 404 // an item deleted since the list was cached
		}
		b.get(fmt.Sprintf("/api/items/%d", id), st, 150)
	}
}

// davSync: a WebDAV sync client that authenticates and uploads.
func (p *planner) davSync(ms int64) {
	a := p.actor(netip.MustParseAddr("188.26.70.4"), ms, "Mozilla/5.0 (Windows) mirall/3.11.0 (Nextcloud, windows-10.0.19045 ClientArchitecture: x86_64 OsArchitecture: x86_64)")
	for i := range 30 {
		a.req("PROPFIND", "/remote.php/dav/files/anna/", "", 401, 100)
		a.req("PROPFIND", "/remote.php/dav/files/anna/", "", 207, 500)
		a.req("PUT", fmt.Sprintf("/remote.php/dav/files/anna/Photos/IMG_%04d.jpg", 2000+i), "", 201, 2000)
	}
	a.req("MOVE", "/remote.php/dav/files/anna/Photos/IMG_2000.jpg", "", 201, 1000)
	a.req("DELETE", "/remote.php/dav/files/anna/Photos/IMG_2001.jpg", "", 204, 0)
}
