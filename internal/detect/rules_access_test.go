package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// times builds n requests from ip, one every step, with target(i), method
// and status(i).
func times(ip string, n int, step time.Duration, method, ua string, target func(int) string, status func(int) int) []req {
	out := make([]req, n)
	for i := range n {
		out[i] = req{ip: ip, at: time.Duration(i) * step, method: method, target: target(i), status: status(i), ua: ua}
	}
	return out
}

func fixed(s string) func(int) string { return func(int) string { return s } }
func always(s int) func(int) int      { return func(int) int { return s } }

// The access rules, with the false positives each must not produce. The
// outcome is checked for the rule id (a category can have several rules).
func TestAccessRules(t *testing.T) {
	const app = "openHAB-Android/3.12"
	davPairs := func(n int) []req {
		var out []req
		for i := range n {
			at := time.Duration(i) * 1500 * time.Millisecond
			out = append(out,
				req{ip: attacker, at: at, method: "PROPFIND", target: "/remote.php/dav/files/anna/", status: 401, ua: "mirall/3.11.0"},
				req{ip: attacker, at: at + 100*time.Millisecond, method: "PROPFIND", target: "/remote.php/dav/files/anna/", status: 207, bytes: 900, ua: "mirall/3.11.0"},
				req{ip: attacker, at: at + 600*time.Millisecond, method: "PUT", target: fmt.Sprintf("/remote.php/dav/files/anna/IMG_%d.jpg", i), status: 201, ua: "mirall/3.11.0"})
		}
		return out
	}
	nikto := []req{
		{ip: attacker, target: "/", status: 200, bytes: 1200, ua: browser},
		{ip: attacker, at: time.Second, method: "OPTIONS", target: "*", status: 200, ua: browser},
		{ip: attacker, at: 2 * time.Second, method: "PROPFIND", target: "/", status: 405, ua: browser},
		{ip: attacker, at: 3 * time.Second, method: "PUT", target: "/test.txt", status: 405, ua: browser},
		{ip: attacker, at: 4 * time.Second, method: "MOVE", target: "/index.html", status: 405, ua: browser},
	}
	davWriter := []req{
		{ip: attacker, method: "PROPFIND", target: "/", status: 405, ua: "DAV.pm/v0.49"},
		{ip: attacker, at: time.Second, method: "MKCOL", target: "/DavTestDir/", status: 405, ua: "DAV.pm/v0.49"},
		{ip: attacker, at: 2 * time.Second, method: "PUT", target: "/davtest.php", status: 201, ua: "DAV.pm/v0.49"},
	}
	var rest []req
	for i := range 30 {
		at := time.Duration(i) * 2 * time.Second
		id := fmt.Sprintf("/api/todos/%d", i)
		rest = append(rest,
			req{ip: attacker, at: at, target: "/api/todos", status: 200, bytes: 900, ua: "acme-sync/2.4"},
			req{ip: attacker, at: at + 100*time.Millisecond, method: "OPTIONS", target: id, status: 204, ua: "acme-sync/2.4"},
			req{ip: attacker, at: at + 200*time.Millisecond, method: "PUT", target: id, status: 200, bytes: 80, ua: "acme-sync/2.4"},
			req{ip: attacker, at: at + 300*time.Millisecond, method: "DELETE", target: id + "9", status: 404, ua: "acme-sync/2.4"})
	}
	tests := []struct {
		name string
		reqs []req
		rule string
		want string // hit, weak or none
		sev  evidence.Severity
		why  string
	}{
		// 401/403 floods on any protected path
		{"basic-auth flood on a dashboard", times(attacker, 60, time.Second, "GET", browser, fixed("/dashboard/"), always(401)), "auth-flood", "hit", evidence.High, "threshold 20"},
		{"REST API flood", times(attacker, 25, 2*time.Second, "GET", "python-requests/2.31", fixed("/rest/items"), always(401)), "auth-flood", "hit", 0, ""},
		{"expired saved password, every 3 minutes for 5 hours", times(attacker, 100, 3*time.Minute, "GET", app, fixed("/rest/items"), always(401)), "auth-flood", "none", 0, ""},
		{"six POSTs refused in a second (CrowdSec's generic 401 test)", times(attacker, 6, 100*time.Millisecond, "POST", browser, fixed("/client"), always(401)), "auth-flood", "hit", evidence.High, "burst of 6"},
		{"an app retrying three times at once", times(attacker, 3, 200*time.Millisecond, "GET", app, fixed("/rest/items"), always(401)), "auth-flood", "none", 0, ""},
		{"a poller every 5 seconds stays below", times(attacker, 200, 5*time.Second, "GET", app, fixed("/rest/events"), always(401)), "auth-flood", "weak", 0, ""},
		{"WebDAV challenge-response", davPairs(40), "auth-flood", "weak", 0, "challenge-response"},
		{"refusals spread over distinct paths", times(attacker, 40, time.Second, "GET", browser, func(i int) string { return fmt.Sprintf("/private/%d", i) }, always(403)), "auth-flood", "none", 0, ""},
		{"login endpoints stay brute-force's", times(attacker, 30, time.Second, "POST", browser, fixed("/api/login"), always(401)), "auth-flood", "none", 0, ""},
		{"SOGo login is a login endpoint", times(attacker, 12, 20*time.Second, "POST", browser, fixed("/SOGo/connect"), always(403)), "brute-force", "hit", evidence.High, ""},
		{"OIDC token endpoint", times(attacker, 12, 20*time.Second, "POST", "curl/8", fixed("/realms/main/protocol/openid-connect/token"), always(401)), "brute-force", "hit", 0, ""},
		{"Roundcube login", times(attacker, 12, 20*time.Second, "POST", browser, fixed("/?_task=login"), always(401)), "brute-force", "hit", 0, ""},

		// credential-stuffing members
		{"only failed logins", times(attacker, 3, 20*time.Hour, "POST", browser, fixed("/api/login"), always(401)), KindStuffing, "weak", 0, "no other request"},
		{"a person loads the page first", append([]req{{ip: attacker, target: "/login", status: 200, bytes: 1200, ua: browser}},
			times(attacker, 2, time.Minute, "POST", browser, fixed("/api/login"), always(401))...), KindStuffing, "none", 0, ""},
		{"form logins answered 200, nothing else", times(attacker, 2, 30*time.Hour, "POST", browser, fixed("/login"), always(200)), KindStuffing, "weak", 0, "2 login POSTs (0 failed"},
		{"an app signs in once and goes on", append(times(attacker, 1, time.Second, "POST", "AcmeApp/5.1", fixed("/api/login"), always(200)),
			times(attacker, 5, time.Second, "GET", "AcmeApp/5.1", fixed("/api/feed"), always(200))...), KindStuffing, "none", 0, ""},
		{"a monitor checking its login", times(attacker, 3, time.Hour, "POST", "Pingdom.com_bot_version_1.4", fixed("/api/login"), always(401)), KindStuffing, "none", 0, ""},

		// enumeration
		{"walking user ids, mostly 403", times(attacker, 300, time.Second, "GET", "python-requests/2.31", func(i int) string { return fmt.Sprintf("/api/users/%d", 1000+i) },
			func(i int) int {
				if i%17 == 0 {
					return 200
				}
				return 403
			}), "enumeration", "hit", evidence.High, "/api/users/{id}"},
		{"walking ids, all 404", times(attacker, 80, 2*time.Second, "GET", "curl/8", func(i int) string { return fmt.Sprintf("/orders/%d/invoice", 5000+i) }, always(404)), "enumeration", "hit", evidence.Medium, "/orders/{id}/invoice"},
		{"walking a query id", times(attacker, 80, 2*time.Second, "GET", "curl/8", func(i int) string { return fmt.Sprintf("/invoice?id=%d", 5000+i) }, always(404)), "enumeration", "hit", 0, "id={id}"},
		{"walking UUIDs", times(attacker, 60, time.Second, "GET", "curl/8", func(i int) string { return fmt.Sprintf("/api/docs/%08x-1111-4222-8333-%012x", i*7919, i) }, always(403)), "enumeration", "hit", 0, ""},
		{"paging a catalogue", times(attacker, 80, 5*time.Second, "GET", browser, func(i int) string { return fmt.Sprintf("/products?page=%d", i+1) }, always(200)), "enumeration", "none", 0, ""},
		{"an app loading its items, a few gone", times(attacker, 80, 200*time.Millisecond, "GET", browser, func(i int) string { return fmt.Sprintf("/api/items/%d", i+1) },
			func(i int) int {
				if i%20 == 0 {
					return 404
				}
				return 200
			}), "enumeration", "weak", 0, ""},
		{"googlebot recrawling removed products", times(attacker, 120, 5*time.Second, "GET", googlebot, func(i int) string { return fmt.Sprintf("/products/%d", 4000+i) }, always(404)), "enumeration", "none", 0, ""},
		{"images named by number", times(attacker, 120, time.Second, "GET", browser, func(i int) string { return fmt.Sprintf("/img/%d.jpg", i) }, always(404)), "enumeration", "none", 0, ""},

		// method probing
		{"methods a scanner tries", nikto, "method-probing", "hit", evidence.Medium, "PROPFIND"},
		{"TRACE fires on one", []req{{ip: attacker, method: "TRACE", target: "/", status: 405}}, "method-probing", "hit", evidence.Medium, ""},
		{"a WebDAV test that could write", davWriter, "method-probing", "hit", evidence.High, "written"},
		{"a catch-all page answering any method", []req{
			{ip: attacker, method: "PROPFIND", target: "/", status: 200, bytes: 1184},
			{ip: attacker, at: time.Second, method: "PUT", target: "/test.txt", status: 200, bytes: 1184},
			{ip: attacker, at: 2 * time.Second, method: "PROPFIND", target: "/webdav/", status: 200, bytes: 1184},
		}, "method-probing", "hit", evidence.Medium, "PROPFIND"},
		{"one refused PROPFIND is weak", []req{{ip: attacker, method: "PROPFIND", target: "/", status: 405}}, "method-probing", "weak", 0, ""},
		{"a REST client and CORS preflights", rest, "method-probing", "none", 0, ""},
		{"a sync client writing with its credentials", davPairs(20), "method-probing", "none", 0, ""},
		{"Apache's internal dummy connection", times(attacker, 20, time.Minute, "OPTIONS", "Apache/2.4.62 (Debian) (internal dummy connection)", fixed("*"), always(200)), "method-probing", "none", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, DefaultConfig(), tc.reqs)
			a, sus := find(c, attacker)
			var hit, weak *evidence.Hit
			if a != nil {
				for i := range a.Hits {
					if a.Hits[i].Rule == tc.rule {
						hit = &a.Hits[i]
					}
				}
				for i := range a.Weak {
					if a.Weak[i].Rule == tc.rule {
						weak = &a.Weak[i]
					}
				}
			}
			got := "none"
			switch {
			case hit != nil && sus:
				got = "hit"
			case weak != nil:
				got = "weak"
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s; actor %+v", got, tc.want, a)
			}
			h := hit
			if h == nil {
				h = weak
			}
			if h == nil {
				return
			}
			if tc.sev != 0 && h.Severity != tc.sev {
				t.Errorf("severity %s, want %s (%s)", h.Severity, tc.sev, h.Reason)
			}
			if tc.why != "" && !strings.Contains(h.Reason, tc.why) {
				t.Errorf("reason %q does not contain %q", h.Reason, tc.why)
			}
		})
	}
}

// The crawl rule counts the whole sustained activity, and its severity
// follows how long and how much.
func TestCrawlVolume(t *testing.T) {
	pages := func(ip string, n int, step time.Duration, uas ...string) []req {
		out := make([]req, n)
		for i := range n {
			out[i] = req{ip: ip, at: time.Duration(i) * step, target: fmt.Sprintf("/products/item-%d", i), status: 200, bytes: 4000, ua: uas[i%len(uas)]}
		}
		return out
	}
	var headless []req
	for i := range 1200 {
		at := time.Duration(i) * 700 * time.Millisecond
		headless = append(headless, req{ip: attacker, at: at, target: fmt.Sprintf("/products/item-%d", i), status: 200, bytes: 4000, ua: browser})
		for k, a := range []string{"/app.js", "/app.css", "/logo.svg", "/api/cart"} {
			headless = append(headless, req{ip: attacker, at: at + time.Duration(k+1)*50*time.Millisecond, target: a, status: 200, bytes: 900, ua: browser})
		}
	}
	tests := []struct {
		name     string
		reqs     []req
		sev      evidence.Severity
		minCount int64
	}{
		{"a headless browser with each page's assets", headless, evidence.Medium, 5700},
		{"a one-minute burst", pages(attacker, 90, 500*time.Millisecond, browser), evidence.Low, 80},
		{"a quarter of an hour at two a second", pages(attacker, 1800, 500*time.Millisecond, browser), evidence.Medium, 1700},
		{"over an hour at three a second", pages(attacker, 14000, 330*time.Millisecond, browser), evidence.High, 13900},
		{"an office behind one address", pages(attacker, 1800, 500*time.Millisecond, browser, googlebot[:20], "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"), evidence.Low, 1700},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, sus := find(run(t, DefaultConfig(), tc.reqs), attacker)
			h := hitFor(a, evidence.AggressiveCrawl)
			if !sus || h == nil {
				t.Fatalf("no aggressive-crawl hit: %+v", a)
			}
			if h.Severity != tc.sev || h.Count < tc.minCount || h.Count > int64(len(tc.reqs)) {
				t.Errorf("severity %s count %d, want %s and %d..%d: %s", h.Severity, h.Count, tc.sev, tc.minCount, len(tc.reqs), h.Reason)
			}
		})
	}
}

func TestRecordID(t *testing.T) {
	for _, tc := range []struct {
		path, query, route, id string
	}{
		{"/api/users/1042", "", "/api/users/{id}", "1042"},
		{"/api/users/1042/orders", "", "/api/users/{id}/orders", "1042"},
		{"/api/users/7/orders/99", "", "/api/users/7/orders/{id}", "99"},
		{"/d/0f8fad5b-d9cb-469f-a165-70867728950e", "", "/d/{id}", "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"/obj/507f1f77bcf86cd799439011", "", "/obj/{id}", "507f1f77bcf86cd799439011"},
		{"/profile.php", "id=77&tab=info", "/profile.php?id={id}", "77"},
		{"/blog/how-we-ship", "", "", ""},
		{"/assets/index-b7kq2xpa.js", "", "", ""},
		{"/deadbeefdeadbeef", "", "", ""}, // hex without a digit is a word
		{"/", "q=select", "", ""},
	} {
		route, id, ok := recordID(tc.path, tc.query)
		if route != tc.route || id != tc.id || ok != (tc.id != "") {
			t.Errorf("recordID(%q, %q) = %q, %q, %v; want %q, %q", tc.path, tc.query, route, id, ok, tc.route, tc.id)
		}
	}
}
