package report

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

func TestBlockTallyPrefix(t *testing.T) {
	v4 := func(i int) netip.Prefix { return netip.MustParsePrefix(fmt.Sprintf("198.51.100.%d/32", i)) }
	v6 := func(i int) netip.Prefix { return netip.MustParsePrefix(fmt.Sprintf("2001:db8:5:%x::/64", i)) }
	sqli := []evidence.Category{evidence.SQLInjection}
	tests := []struct {
		name   string
		block  string
		addrs  []netip.Prefix
		sevs   func(i int) evidence.Severity
		actors int64 // every client the log shows in the block
		want   string
	}{
		{"all attackers", "198.51.100.0/24", seq(16, 32, v4), medium, 16, "198.51.100.16/28"},
		{"spread over the block", "198.51.100.0/24", []netip.Prefix{v4(1), v4(2), v4(3), v4(4), v4(5), v4(6), v4(7), v4(250)}, medium, 8, ""},
		{"filling a quarter of it", "198.51.100.0/24", append(seq(0, 40, v4), seq(230, 256, v4)...), medium, 66, "198.51.100.0/24"},
		{"filling less", "198.51.100.0/24", append(seq(0, 39, v4), seq(232, 256, v4)...), medium, 63, ""},
		{"one benign visitor among them", "198.51.100.0/24", seq(16, 32, v4), medium, 17, ""},
		{"one below the blocklist's severity", "198.51.100.0/24", seq(16, 32, v4), func(i int) evidence.Severity {
			if i == 3 {
				return evidence.Low
			}
			return evidence.High
		}, 16, ""},
		{"too few", "198.51.100.0/24", seq(16, 23, v4), medium, 7, ""},
		{"IPv6 /64s of one /48", "2001:db8:5::/48", seq(0, 300, v6), medium, 300, "2001:db8:5::/55"},
		{"IPv6 /64s scattered over a /48", "2001:db8:5::/48", []netip.Prefix{v6(0), v6(1), v6(2), v6(3), v6(4), v6(5), v6(6), v6(0xffff)}, medium, 8, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tl BlockTally
			for i, a := range tc.addrs {
				tl.Add(a, tc.sevs(i), sqli)
			}
			e, ok := tl.Close(netip.MustParsePrefix(tc.block), tc.actors)
			if got := e.CIDR; got != tc.want || ok != (tc.want != "") {
				t.Fatalf("prefix %q (%v), want %q", got, ok, tc.want)
			}
			if ok && e.Addresses != int64(len(tc.addrs)) {
				t.Errorf("covers %d addresses, want %d", e.Addresses, len(tc.addrs))
			}
		})
	}
}

func medium(int) evidence.Severity { return evidence.Medium }

func seq(from, to int, f func(int) netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for i := from; i < to; i++ {
		out = append(out, f(i))
	}
	return out
}

// A prefix entry replaces the findings inside it; findings elsewhere stay,
// the blocklist is bounded, and every entry says how many addresses it covers.
func TestBlocklistWithPrefixes(t *testing.T) {
	var fs []Finding
	for i := range MaxBlockEntries + 300 { // 256 of them in the prefix
		a := evidence.Actor{Actor: fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256), Requests: 3}
		fs = append(fs, Finding{Actor: a.Actor, Severity: evidence.Medium, Categories: []evidence.Category{evidence.SensitiveFiles}, Evidence: a})
	}
	prefix := BlockEntry{CIDR: "10.0.0.0/24", Severity: evidence.Medium, Reason: "r", Addresses: 256}
	bl := blocklist(fs, []BlockEntry{prefix})
	if len(bl) != MaxBlockEntries || bl[0] != prefix {
		t.Fatalf("%d entries, first %+v", len(bl), bl[0])
	}
	for _, e := range bl[1:] {
		if p := netip.MustParsePrefix(e.CIDR); netip.MustParsePrefix("10.0.0.0/24").Contains(p.Addr()) || e.Addresses != 1 {
			t.Errorf("entry %+v: inside the prefix, or covering %d addresses", e, e.Addresses)
		}
	}
}
