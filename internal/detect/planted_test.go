package detect

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// Two payloads a page carries when someone injected them into it.
var plantedPayloads = []string{
	"/search?q=%27%20union%20select%20password%20from%20users--%20",
	"/img/x.gif?c=%3Cscript%3Ealert(document.cookie)%3C/script%3E",
}

const plantedPage = "https://www.example.com/blog/post-9"

// reader is a visit from ip (a page and its assets, as visit writes it)
// whose browser then requests targets with ref as referer, each answered
// status.
func reader(ip string, ref string, targets ...string) []req {
	r := visit(ip, "", 0, "")
	for i, t := range targets {
		r = append(r, req{ip: ip, at: time.Duration(3+i) * time.Second, target: t, status: 404, bytes: 150, ua: browser, ref: ref})
	}
	return r
}

// readers are n readers of the page, each in a /24 of its own (so that a
// partitioned run spreads them over chunks): 100.64.0.1, 100.64.1.2...
func readers(n int, ref string, targets ...string) []req { return readersAt(0, n, ref, targets...) }

// readersAt are readers from 100.64.first.first+1 on.
func readersAt(first, n int, ref string, targets ...string) []req {
	var out []req
	for i := first; i < first+n; i++ {
		out = append(out, reader(fmt.Sprintf("100.64.%d.%d", i, i+1), ref, targets...)...)
	}
	return out
}

// runPlanted is one engine over reqs, judged as Aggregate judges a run.
func runPlanted(t *testing.T, cfg Config, reqs []req) (evidence.Chunk, []evidence.PlantedPage) {
	t.Helper()
	c := MergeChunks(cfg, []evidence.Chunk{run(t, cfg, reqs)})
	return c, SeparatePlanted(&c).Pages
}

func TestPlanted(t *testing.T) {
	tool := readers(1, plantedPage, plantedPayloads...)
	for i := range tool {
		tool[i].ua = "python-requests/2.31"
	}
	post := readers(1, plantedPage, plantedPayloads...)
	post[len(post)-1].method = "POST"
	noBrowsing := readers(1, plantedPage, plantedPayloads...)[4:]
	uaPayload := readers(1, plantedPage, "/search?q=shoes")
	uaPayload[len(uaPayload)-1].ua = browser + " ' union select 1,2--"
	tests := []struct {
		name string
		reqs []req
		// planted is the visitors of the one planted page expected, 0 for
		// none; reported are clients that must stay findings (high).
		planted  int64
		reported []string
	}{
		{name: "forty readers", reqs: readers(40, plantedPage, plantedPayloads...), planted: 40},
		{name: "the minimum", reqs: readers(MinPlantedVisitors, plantedPage, plantedPayloads...), planted: MinPlantedVisitors},
		{name: "one target", reqs: readers(8, plantedPage, plantedPayloads[0]), planted: 8},
		{name: "four targets", reqs: readers(8, plantedPage, slices.Concat(plantedPayloads, []string{"/a.js?x=%3Csvg/onload=alert(1)%3E", "/b.png?id=1%20and%201=2"})...), planted: 8},
		{name: "browsers escape the same link differently",
			reqs:    slices.Concat(readers(3, plantedPage, plantedPayloads[0]), from("100.64.200.1", readers(1, plantedPage, "/search?q='%20UNION%20SELECT%20password%20FROM%20users--%20")), from("100.64.201.1", readers(1, plantedPage, "/search?q=%27+union+select+password+from+users--+"))),
			planted: 5},

		{name: "four readers are too few", reqs: readers(MinPlantedVisitors-1, plantedPage, plantedPayloads...),
			reported: []string{"100.64.0.1", "100.64.1.2", "100.64.2.3", "100.64.3.4"}},
		{name: "readers of one /24 are as many", reqs: slices.Concat(from("100.64.9.1", readers(1, plantedPage, plantedPayloads...)),
			from("100.64.9.2", readers(1, plantedPage, plantedPayloads...)), from("100.64.9.3", readers(1, plantedPage, plantedPayloads...)),
			from("100.64.9.4", readers(1, plantedPage, plantedPayloads...)), from("100.64.9.5", readers(1, plantedPage, plantedPayloads...))),
			planted: 5},
		{name: "IPv6 readers of five /48s", reqs: ipv6Readers("2001:db8:%x:1::7", 5), planted: 5},
		{name: "five /64s of one /48 are one party", reqs: ipv6Readers("2001:db8:1:%x::7", 5),
			reported: []string{"2001:db8:1::/64", "2001:db8:1:4::/64"}},
		{name: "a lone forged referer", reqs: slices.Concat(readers(1, plantedPage, plantedPayloads...), manyVisits(30)), reported: []string{"100.64.0.1"}},
		{name: "a reader with a second payload",
			reqs:    slices.Concat(readers(10, plantedPage, plantedPayloads...), from(attacker, readers(1, plantedPage, plantedPayloads[0], plantedPayloads[1], "/?id=1%27%20or%20%271%27=%271"))),
			planted: 10, reported: []string{attacker}},
		{name: "different pages",
			reqs:     slices.Concat(readers(3, plantedPage, plantedPayloads...), readersAt(100, 3, "https://www.example.com/blog/post-8", plantedPayloads...)),
			reported: []string{"100.64.0.1", "100.64.100.101"}},
		{name: "different target sets",
			reqs:     slices.Concat(readers(3, plantedPage, plantedPayloads...), readersAt(100, 3, plantedPage, plantedPayloads[0])),
			reported: []string{"100.64.0.1", "100.64.100.101"}},
		{name: "more targets than a page carries",
			reqs:     readers(8, plantedPage, slices.Concat(plantedPayloads, []string{"/a?x=%3Cscript%3E1", "/b?x=%3Cscript%3E2", "/c?x=%3Cscript%3E3"})...),
			reported: []string{"100.64.0.1", "100.64.7.8"}},
		{name: "a tool's user agent", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...), from(attacker, tool)), planted: 8, reported: []string{attacker}},
		{name: "a probe besides", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...), from(attacker, readers(1, plantedPage, plantedPayloads[0], plantedPayloads[1], "/phpmyadmin/"))),
			planted: 8, reported: []string{attacker}},
		{name: "a leaked file besides", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...),
			from(attacker, append(readers(1, plantedPage, plantedPayloads...), req{ip: attacker, at: time.Minute, target: "/.env", status: 200, bytes: 1873, ua: browser, ref: plantedPage}))),
			planted: 8, reported: []string{attacker}},
		{name: "a POST", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...), from(attacker, post)), planted: 8, reported: []string{attacker}},
		{name: "no browsing", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...), from(attacker, noBrowsing)), planted: 8, reported: []string{attacker}},
		{name: "a referer from another site", reqs: readers(8, "https://evil.example.net/blog/post-9", plantedPayloads...), reported: []string{"100.64.0.1", "100.64.7.8"}},
		{name: "no referer", reqs: readers(8, "", plantedPayloads...), reported: []string{"100.64.0.1", "100.64.7.8"}},
		{name: "the payload in the user agent", reqs: slices.Concat(readers(8, plantedPage, plantedPayloads...), from(attacker, uaPayload)), planted: 8, reported: []string{attacker}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, pages := runPlanted(t, Config{}, tt.reqs)
			switch {
			case tt.planted == 0 && len(pages) != 0:
				t.Errorf("planted pages %+v, want none", pages)
			case tt.planted > 0 && (len(pages) != 1 || pages[0].Visitors != tt.planted || pages[0].Page != "/blog/post-9" || pages[0].Severity < evidence.High):
				t.Errorf("planted pages %+v, want /blog/post-9 with %d visitors at high", pages, tt.planted)
			case tt.planted > 0 && c.Counts.Planted != tt.planted:
				t.Errorf("counts %+v, want %d planted", c.Counts, tt.planted)
			}
			for _, ip := range tt.reported {
				if a, suspicious := find(c, ip); !suspicious || a.Severity < evidence.High {
					t.Errorf("%s not reported at high: %+v", ip, a)
				}
			}
			for _, a := range c.Suspicious {
				if tt.planted > 0 && a.Planted != nil && a.Planted.Page == "/blog/post-9" && !slices.Contains(tt.reported, a.Actor) {
					t.Errorf("reader %s of the planted page still reported", a.Actor)
				}
			}
			if c.Counts.Total() != int64(c.Actors) {
				t.Errorf("counts %+v add up to %d of %d actors", c.Counts, c.Counts.Total(), c.Actors)
			}
			all := append(slices.Clone(c.Suspicious), c.Weak...)
			for _, cp := range Campaigns(all, c.Groups) {
				for _, a := range cp.Actors {
					if i := slices.IndexFunc(all, func(x evidence.Actor) bool { return x.Actor == a }); i >= 0 && all[i].Planted != nil && tt.planted > 0 && !slices.Contains(tt.reported, a) {
						t.Errorf("planted reader %s in campaign %q", a, cp.Key)
					}
				}
			}
		})
	}
}

// ipv6Readers are n readers of the page from format's addresses (%x the
// reader's number).
func ipv6Readers(format string, n int) []req {
	var out []req
	for i := range n {
		out = append(out, from(fmt.Sprintf(format, i), readers(1, plantedPage, plantedPayloads...))...)
	}
	return out
}

// manyVisits are n ordinary visits that match no rule.
func manyVisits(n int) []req {
	var out []req
	for i := range n {
		out = append(out, from(fmt.Sprintf("100.65.%d.1", i), visit("100.65.0.1", "", 0, ""))...)
	}
	return out
}

// The readers of a planted page, split over chunks by /24 as Parse splits
// them, and beyond the detail limits so that most are counted in groups,
// make the same planted page as one engine over every row.
func TestPlantedAcrossChunks(t *testing.T) {
	cfg := Config{DetailLimit: 3, WeakLimit: 3}
	reqs := slices.Concat(readers(60, plantedPage, plantedPayloads...), from(attacker, readers(1, "", plantedPayloads...)))
	_, one := runPlanted(t, cfg, reqs)

	const k = 7
	chunks := partitioned(t, cfg, reqs, k)
	grouped := 0
	for _, c := range chunks {
		for _, g := range c.Groups {
			if g.Planted != nil {
				grouped++
			}
		}
	}
	if grouped == 0 {
		t.Fatal("no reader was counted in a group: the test does not test groups")
	}
	merged := MergeChunks(cfg, chunks)
	many := SeparatePlanted(&merged).Pages
	if len(one) != 1 || one[0].Visitors != 60 {
		t.Fatalf("one engine: %+v", one)
	}
	if len(many) != 1 || many[0].Visitors != one[0].Visitors || many[0].Key() != one[0].Key() ||
		!slices.Equal(many[0].Members, one[0].Members) || many[0].Severity != one[0].Severity {
		t.Errorf("%d chunks: %+v\none engine: %+v", k, many, one)
	}
	// The client that sent the payloads without a referer, detailed or
	// grouped, is the one suspicious client left.
	if merged.Counts.Suspicious != 1 || len(merged.Suspicious)+len(merged.Groups) != 1 {
		t.Errorf("suspicious left: %+v, groups %+v", merged.Suspicious, merged.Groups)
	}
	if merged.Counts.Planted != 60 || merged.Counts.Total() != int64(merged.Actors) {
		t.Errorf("counts %+v of %d actors", merged.Counts, merged.Actors)
	}
}

// The planted mark is part of a group's behaviour: readers of a page and
// attackers sending the same payloads on their own are different groups.
func TestPlantedGroupKey(t *testing.T) {
	c := run(t, Config{}, slices.Concat(readers(1, plantedPage, plantedPayloads...), from(attacker, readers(1, "", plantedPayloads...))))
	r, _ := find(c, "100.64.0.1")
	a, _ := find(c, attacker)
	if r == nil || a == nil || r.Planted == nil || a.Planted != nil {
		t.Fatalf("reader %+v, attacker %+v", r, a)
	}
	gr, ga := groupOf(r), groupOf(a)
	if gr.ID == ga.ID || gr.Planted == nil {
		t.Errorf("same group for a planted reader and an attacker: %s %q / %q", gr.ID, gr.Key, ga.Key)
	}
	setGroupKey(&gr, levelCategories)
	if gr.Planted != nil {
		t.Errorf("a coarse group keeps the planted mark: %+v", gr)
	}
}
