package detect

import (
	"fmt"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// visit is an ordinary visit from ip: a page, its assets referred from it,
// and then probe (if any) with the page as referer, as a planted
// <img src=probe> makes a browser ask for it.
func visit(ip, probe string, status int, ref string) []req {
	page := "https://www.example.com/blog/post-9"
	r := []req{{ip: ip, target: "/blog/post-9", status: 200, bytes: 6400, ua: browser, ref: "https://www.google.com/"}}
	for i, a := range []string{"/css/site.css", "/js/app.js", "/img/logo.png"} {
		r = append(r, req{ip: ip, at: time.Second, target: a, status: []int{200, 304, 200}[i], bytes: 900, ua: browser, ref: page})
	}
	if probe != "" {
		r = append(r, req{ip: ip, at: 2 * time.Second, target: probe, status: status, bytes: 153, ua: browser, ref: ref})
	}
	return r
}

// Visitors lured to a planted link are not reported and not weak; the
// paths they were led to are counted as linked, per referring page.
func TestLuredVisitors(t *testing.T) {
	const page = "https://www.example.com/blog/post-9"
	for _, probe := range []string{"/admin", "/wp-login.php", "/phpinfo.php", "/server-status", "/.env", "/shell.php"} {
		t.Run(probe, func(t *testing.T) {
			var reqs []req
			for i := range 60 {
				reqs = append(reqs, visit(fmt.Sprintf("100.64.0.%d", i+1), probe, 404, page)...)
			}
			c := run(t, Config{}, reqs)
			if len(c.Suspicious)+len(c.Weak) != 0 {
				t.Fatalf("lured visitors reported: %d suspicious, %d weak, e.g. %+v", len(c.Suspicious), len(c.Weak), append(c.Suspicious, c.Weak...)[0])
			}
			if len(c.Linked) != 1 || c.Linked[0].Visitors != 60 || c.Linked[0].Path != probe || c.Linked[0].From != "/blog/post-9" {
				t.Errorf("linked = %+v", c.Linked)
			}
			all := append(append([]evidence.Actor{}, c.Suspicious...), c.Weak...)
			if cs := Campaigns(all, nil); len(cs) != 0 {
				t.Errorf("campaign of lured visitors: %+v", cs)
			}
		})
	}
}

// What a lured visitor does not do: each of these is reported (or kept as
// weak evidence) as before.
func TestLuredLookAlikes(t *testing.T) {
	const page = "https://www.example.com/blog/post-9"
	two := append(visit(attacker, "/admin", 404, page), req{ip: attacker, at: 3 * time.Second, target: "/phpmyadmin/", status: 404, ua: browser, ref: page})
	tool := visit(attacker, "/server-status", 404, page)
	for i := range tool {
		tool[i].ua = "python-requests/2.31"
	}
	noAssets := visit(attacker, "/server-status", 404, page)
	noAssets = append(noAssets[:1], noAssets[4:]...)
	payload := append(visit(attacker, "/server-status", 404, page), req{ip: attacker, at: 4 * time.Second, target: "/?q=1%27%20union%20select%201,2--", status: 200, ua: browser})
	tests := []struct {
		name string
		reqs []req
		cat  evidence.Category
	}{
		{"no referer", visit(attacker, "/server-status", 404, ""), evidence.AdminProbing},
		{"referer from another site", visit(attacker, "/server-status", 404, "https://evil.example.net/x"), evidence.AdminProbing},
		{"answered 200", visit(attacker, "/.env", 200, page), evidence.SensitiveFiles},
		{"two probe paths", two, evidence.AdminProbing},
		{"a tool's user agent", tool, evidence.AdminProbing},
		{"no assets", noAssets, evidence.AdminProbing},
		{"a payload besides", payload, evidence.SQLInjection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := run(t, Config{}, tt.reqs)
			a, _ := find(c, attacker)
			if hitFor(a, tt.cat) == nil && weakFor(a, tt.cat) == nil {
				t.Errorf("not reported: %+v (linked %+v)", a, c.Linked)
			}
			if len(c.Linked) != 0 {
				t.Errorf("counted as lured: %+v", c.Linked)
			}
		})
	}
}

// A shared probe set of one path makes a campaign only among actors that
// probe: no browsing, or a user agent that is not a browser's.
func TestCampaignNeedsProbing(t *testing.T) {
	weakActor := func(ip string, browsed int64, ua string) evidence.Actor {
		return evidence.Actor{Actor: ip, Browsed: browsed, UserAgents: []evidence.Count{{Value: ua, N: 1}},
			Weak: []evidence.Hit{{Rule: "admin-probing", Category: evidence.AdminProbing, Severity: evidence.Medium, Count: 1,
				Samples: []evidence.Sample{{Target: "/admin", Status: 404}}}}}
	}
	var browsing, bare, tools []evidence.Actor
	for i := range 5 {
		browsing = append(browsing, weakActor(fmt.Sprintf("100.64.0.%d", i), 4, browser))
		bare = append(bare, weakActor(fmt.Sprintf("192.0.2.%d", i), 0, browser))
		tools = append(tools, weakActor(fmt.Sprintf("198.51.100.%d", i), 4, "curl/8.5.0"))
	}
	if cs := Campaigns(browsing, nil); len(cs) != 0 {
		t.Errorf("visitors who browse and share one path make a campaign: %+v", cs)
	}
	for name, as := range map[string][]evidence.Actor{"no browsing": bare, "tool user agent": tools} {
		if cs := Campaigns(as, nil); len(cs) != 1 || cs[0].Kind != "shared-probe-set" {
			t.Errorf("%s: campaigns %+v, want the shared probe set", name, cs)
		}
	}
}
