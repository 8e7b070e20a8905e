package crawlers

import (
	"net/netip"
	"testing"
)

func TestShippedListsLoad(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	for _, o := range Operators {
		if o.Prefixes() == 0 {
			t.Errorf("%s: no prefixes shipped", o.Name)
		}
		if o.Updated().IsZero() {
			t.Errorf("%s: shipped lists carry no creationTime", o.Name)
		}
	}
}

func TestClaimedAndContains(t *testing.T) {
	const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	for _, c := range []struct {
		ua, addr string
		op       string // "" when the UA claims no verified crawler
		in       bool
	}{
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66.1", "Google", true},
		{"Googlebot/2.1 (+http://www.google.com/bot.html)", "203.0.113.7", "Google", false},
		{"Mozilla/5.0 (compatible; Googlebot/2.1)", "2001:4860:4801:10::1", "Google", true},
		{"Mozilla/5.0 (compatible; Googlebot/2.1)", "::ffff:66.249.66.1", "Google", true},
		{"Mozilla/5.0 (compatible; Googlebot/2.1)", "2001:db8::1", "Google", false},
		{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "157.55.39.10", "Microsoft Bing", true},
		{"Mozilla/5.0 (compatible; bingbot/2.0)", "66.249.66.1", "Microsoft Bing", false}, // Google's range is not Bing's
		{"Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15 (Applebot/0.1)", "17.241.75.5", "Apple", true},
		{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "20.171.206.9", "OpenAI", true},
		{"CCBot/2.0 (https://commoncrawl.org/faq/)", "192.0.2.1", "Common Crawl", false},
		// False positives: browsers, and crawlers of operators without a list.
		{chrome, "66.249.66.1", "", false},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 Chrome-Lighthouse", "198.51.100.2", "", false},
		{"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "198.51.100.2", "", false},
		{"", "66.249.66.1", "", false},
	} {
		o := Claimed(c.ua)
		got := ""
		if o != nil {
			got = o.Name
		}
		if got != c.op {
			t.Errorf("Claimed(%q) = %q, want %q", c.ua, got, c.op)
			continue
		}
		if o == nil {
			continue
		}
		if in := o.Contains(netip.MustParseAddr(c.addr)); in != c.in {
			t.Errorf("%s.Contains(%s) = %v, want %v", o.Name, c.addr, in, c.in)
		}
	}
}

func TestParse(t *testing.T) {
	ps, ts, err := Parse([]byte(`{"creationTime":"2026-06-09T17:35:40.000000","prefixes":[{"ipv4Prefix":"66.249.64.1/27"},{"ipv6Prefix":"2001:4860:4801:10::/64"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0] != netip.MustParsePrefix("66.249.64.0/27") {
		t.Errorf("prefixes = %v, want the two, masked", ps)
	}
	if ts.IsZero() || ts.Year() != 2026 {
		t.Errorf("creationTime = %v", ts)
	}
	for _, bad := range []string{
		`{"creationTime":"2026-01-01T00:00:00","prefixes":[]}`,
		`{"prefixes":[{"ipv4Prefix":"66.249.64.0/33"}]}`,
		`<html>moved</html>`,
	} {
		if _, _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s): no error", bad)
		}
	}
}

func BenchmarkContains(b *testing.B) {
	g := Claimed("Googlebot")
	a := netip.MustParseAddr("203.0.113.7")
	for b.Loop() {
		g.Contains(a)
	}
}
