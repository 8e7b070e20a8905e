package detect

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

func TestStuffingCampaign(t *testing.T) {
	uas := []string{browser, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"}
	// members(n) posts 1-3 failed logins from each of n addresses, hours apart.
	members := func(n int) []req {
		var out []req
		for i := range n {
			ip := fmt.Sprintf("198.51.100.%d", 10+i)
			for k := range 1 + i%3 {
				out = append(out, req{ip: ip, at: time.Duration(i*7+k*29) * time.Hour, method: "POST", target: "/api/login", status: 401, ua: uas[i%2]})
			}
		}
		return out
	}
	// People who mistype: they load the page first.
	var people []req
	for i := range 30 {
		ip := fmt.Sprintf("192.0.2.%d", 10+i)
		at := time.Duration(i) * time.Hour
		people = append(people, req{ip: ip, at: at, target: "/login", status: 200, bytes: 1200, ua: browser},
			req{ip: ip, at: at + 10*time.Second, method: "POST", target: "/api/login", status: 401, ua: browser})
	}
	tests := []struct {
		name    string
		reqs    []req
		members int
	}{
		{"sixty addresses over days", members(60), 60},
		{"exactly the threshold", members(MinStuffingActors), MinStuffingActors},
		{"one short of it", members(MinStuffingActors - 1), 0},
		{"people who mistype and give up", people, 0},
		{"the campaign among people", append(members(25), people...), 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, DefaultConfig(), tc.reqs)
			all := append(slices.Clone(c.Suspicious), c.Weak...)
			cs := Campaigns(all, nil)
			var stuffing []evidence.Campaign
			for _, cp := range cs {
				if cp.Kind == KindStuffing {
					stuffing = append(stuffing, cp)
				}
			}
			if tc.members == 0 {
				if len(stuffing) > 0 {
					t.Fatalf("campaign of %d, want none: %s", len(stuffing[0].Actors), stuffing[0].Reason)
				}
				return
			}
			if len(stuffing) != 1 || len(stuffing[0].Actors) != tc.members {
				t.Fatalf("campaigns %+v, want one of %d", stuffing, tc.members)
			}
			cp := stuffing[0]
			if cp.Severity != evidence.High || cp.FirstSeen.IsZero() || !cp.LastSeen.After(cp.FirstSeen.Add(24*time.Hour)) {
				t.Errorf("campaign severity %s, span %s..%s", cp.Severity, cp.FirstSeen, cp.LastSeen)
			}
			reported := 0
			for _, a := range promoteWith(all, cs) {
				if !slices.Contains(cp.Actors, a.Actor) {
					if h := hitFor(&a, evidence.CredentialStuffing); h != nil {
						t.Errorf("%s is not a member but has %s", a.Actor, h.Reason)
					}
					continue
				}
				h := hitFor(&a, evidence.CredentialStuffing)
				if !a.Suspicious() || h == nil || a.Severity != evidence.High {
					t.Errorf("member %s not reported at the campaign's severity: %+v", a.Actor, a)
					continue
				}
				reported++
			}
			if reported != tc.members {
				t.Errorf("%d members reported, want %d", reported, tc.members)
			}
		})
	}
}
