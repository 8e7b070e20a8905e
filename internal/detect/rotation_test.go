package detect

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

var wordlist = func() []string {
	var out []string
	for i := range 200 {
		out = append(out, fmt.Sprintf("/dir%03d/", i))
	}
	return out
}()

// rotate spreads a wordlist scan over addresses: member i asks per paths,
// starting gap after member i-1.
func rotate(addrs []string, per int, gap time.Duration, ua string) []req {
	var out []req
	for i, ip := range addrs {
		for k := range per {
			out = append(out, req{ip: ip, at: time.Duration(i)*gap + time.Duration(k)*time.Second,
				target: wordlist[(i*per+k)%len(wordlist)], status: 404, ua: ua})
		}
	}
	return out
}

func v6(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("2001:db8:beef:%x::%x", 0x100+i, i+1))
	}
	return out
}

func v4(base string, from, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s.%d", base, from+i))
	}
	return out
}

func TestRotation(t *testing.T) {
	const scanner = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
	// ISP users: browsing, each its own browser, a typo each.
	var isp []req
	for i, ip := range v4("198.51.100", 10, 20) {
		ua := fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0) Chrome/13%d.0", i%7)
		at := time.Duration(i) * 30 * time.Second
		isp = append(isp, req{ip: ip, at: at, target: "/", status: 200, bytes: 1200, ua: ua},
			req{ip: ip, at: at + time.Second, target: wordlist[i], status: 404, ua: ua},
			req{ip: ip, at: at + 2*time.Second, target: "/pricing", status: 200, bytes: 1200, ua: ua})
	}
	// The same four paths from every address: a shared probe set, not a rotation.
	var same []req
	for _, ip := range v4("203.0.113", 40, 8) {
		for k, p := range []string{"/.env", "/.git/config", "/admin.php", "/old/"} {
			same = append(same, req{ip: ip, at: time.Duration(k) * time.Second, target: p, status: 404, ua: scanner})
		}
	}
	// Two addresses a day apart do not act together.
	apart := append(rotate(v4("192.0.2", 100, 3), 4, time.Minute, scanner), rotate(v4("192.0.2", 110, 3), 4, time.Minute, scanner)...)
	for i := len(apart) / 2; i < len(apart); i++ {
		apart[i].at += 24 * time.Hour
	}
	versions := rotate(v4("192.0.2", 64, 10), 2, 15*time.Second, "")
	for i := range versions {
		versions[i].ua = fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.0 Safari/537.36", 110+i/2%20, 4000+i/2*37)
	}
	tests := []struct {
		name    string
		reqs    []req
		prefix  string // the merged actor, "" for none
		members int
	}{
		{"a random browser version per address", versions, "192.0.2.64/28", 10},
		{"IPv6 /64s of one /48", rotate(v6(24), 3, 20*time.Second, scanner), "2001:db8:beef:100::/59", 24},
		{"neighbouring IPv4 addresses", rotate(v4("192.0.2", 130, 12), 2, 15*time.Second, scanner), "192.0.2.128/28", 12},
		{"each address asks once", rotate(v4("192.0.2", 1, 30), 1, 5*time.Second, scanner), "192.0.2.0/27", 30},
		{"ISP neighbours browsing", isp, "", 0},
		{"identical probe sets", same, "", 0},
		{"too few paths in all", rotate(v4("192.0.2", 130, 4), 2, 10*time.Second, scanner), "", 0},
		{"bursts a day apart", apart, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, DefaultConfig(), tc.reqs)
			var merged []evidence.Actor
			for _, a := range c.Suspicious {
				if a.MemberCount > 0 {
					merged = append(merged, a)
				}
			}
			if tc.prefix == "" {
				if len(merged) > 0 {
					t.Fatalf("merged %s (%d members), want none", merged[0].Actor, merged[0].MemberCount)
				}
				return
			}
			if len(merged) != 1 {
				t.Fatalf("%d merged actors, want 1: %+v", len(merged), c.Suspicious)
			}
			a := merged[0]
			if a.Actor != tc.prefix || a.MemberCount != tc.members || len(a.Members) != tc.members {
				t.Errorf("merged %s with %d members (%d listed), want %s with %d", a.Actor, a.MemberCount, len(a.Members), tc.prefix, tc.members)
			}
			if h := hitFor(&a, evidence.HTTPProbing); h == nil || a.Severity < evidence.Medium {
				t.Errorf("merged actor not reported as probing at medium: %s %+v", a.Severity, a.Hits)
			}
			if a.Requests != int64(len(tc.reqs)) {
				t.Errorf("merged actor has %d requests, the scan sent %d", a.Requests, len(tc.reqs))
			}
			// The members are no longer reported on their own.
			p := netip.MustParsePrefix(a.Actor)
			for _, o := range append(slices.Clone(c.Suspicious), c.Weak...) {
				if o.MemberCount == 0 && p.Overlaps(netip.MustParsePrefix(actorPrefix(o.Actor))) {
					t.Errorf("member %s still reported on its own", o.Actor)
				}
			}
		})
	}
}

func actorPrefix(actor string) string {
	if a, err := netip.ParseAddr(actor); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String()
	}
	return actor
}

// TestBlockCover: what a rotating scan is blocked by when its prefix holds
// other clients too: prefixes holding every member and no other client.
func TestBlockCover(t *testing.T) {
	keys := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, record.Actor(netip.MustParseAddr(s)))
		}
		return out
	}
	tests := []struct {
		name            string
		prefix          string
		members, others []netip.Prefix
		want            []string
	}{
		{"no one else: the smallest prefix", "192.0.2.0/24", keys("192.0.2.3", "192.0.2.90", "192.0.2.160", "192.0.2.250"), nil,
			[]string{"192.0.2.0/24"}},
		{"interleaved with neighbours: the addresses", "192.0.2.0/24", keys("192.0.2.3", "192.0.2.90", "192.0.2.160", "192.0.2.250"), keys("192.0.2.100", "192.0.2.200"),
			[]string{"192.0.2.3/32", "192.0.2.90/32", "192.0.2.160/32", "192.0.2.250/32"}},
		{"a cluster beside a neighbour: the cluster's prefix", "192.0.2.0/24", keys("192.0.2.1", "192.0.2.2", "192.0.2.5", "192.0.2.7"), keys("192.0.2.200"),
			[]string{"192.0.2.0/29"}},
		{"two clusters around a neighbour", "192.0.2.0/24", keys("192.0.2.16", "192.0.2.17", "192.0.2.18", "192.0.2.19", "192.0.2.21"), keys("192.0.2.20"),
			[]string{"192.0.2.16/30", "192.0.2.21/32"}},
		{"IPv6 /64s of a /48", "2001:db8::/48", keys("2001:db8:0:1::9", "2001:db8:0:2::9", "2001:db8:0:3::9"), keys("2001:db8:0:ff::1"),
			[]string{"2001:db8::/62"}},
	}
	for _, tt := range tests {
		got := blockCover(netip.MustParsePrefix(tt.prefix), tt.members, tt.others)
		var gs []string
		for _, p := range got {
			gs = append(gs, p.String())
		}
		if !slices.Equal(gs, tt.want) {
			t.Errorf("%s: blockCover = %v, want %v", tt.name, gs, tt.want)
		}
	}
}

// TestBlockCoverBounds: whatever the layout, no output prefix holds another
// client, every member is covered up to maxCover prefixes, and no more.
func TestBlockCoverBounds(t *testing.T) {
	p := netip.MustParsePrefix("198.51.100.0/24")
	for _, step := range []int{1, 2, 3, 5, 7} {
		var members, others []netip.Prefix
		for i := range 256 {
			k := record.Actor(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
			if i%step == 0 {
				others = append(others, k)
			} else {
				members = append(members, k)
			}
		}
		got := blockCover(p, members, others)
		if len(got) > maxCover {
			t.Errorf("step %d: %d prefixes, more than %d", step, len(got), maxCover)
		}
		covered := 0
		for _, m := range members {
			if slices.ContainsFunc(got, func(c netip.Prefix) bool { return c.Contains(m.Addr()) }) {
				covered++
			}
		}
		for _, o := range others {
			if slices.ContainsFunc(got, func(c netip.Prefix) bool { return c.Contains(o.Addr()) }) {
				t.Errorf("step %d: neighbour %s blocked by %v", step, o, got)
			}
		}
		if len(got) < maxCover && covered != len(members) {
			t.Errorf("step %d: %d of %d members covered by %d prefixes", step, covered, len(members), len(got))
		}
	}
}
