package detect

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/record"
)

// manyClients is a log of n thin /.env probers (each a new address, one
// failing request), m sqlmap clients (each suspicious alone) and some
// visitors who browse, in several /24s.
func manyClients(n, m int) []req {
	var reqs []req
	for i := range n {
		reqs = append(reqs, req{ip: fmt.Sprintf("10.%d.%d.%d", 1+i/65536, i/256%256, i%256), at: time.Duration(i) * time.Millisecond,
			target: "/.env", status: 404, ua: "curl/8.5.0"})
	}
	for i := range m {
		reqs = append(reqs, req{ip: fmt.Sprintf("172.16.%d.%d", i/256, i%256), at: time.Duration(i) * time.Second,
			target: "/item.php?id=1%20UNION%20ALL%20SELECT%20NULL,NULL--", status: 500, ua: "sqlmap/1.7.2#stable (https://sqlmap.org)"})
	}
	for i := range 40 {
		ip := fmt.Sprintf("192.168.%d.%d", i/10, i%10+1)
		for j, p := range []string{"/", "/about", "/style.css", "/app.js"} {
			reqs = append(reqs, req{ip: ip, at: time.Duration(i*10+j) * time.Second, target: p, ua: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0"})
		}
	}
	return reqs
}

func TestResultGroupsBeyondTheDetailLimits(t *testing.T) {
	cfg := Config{DetailLimit: 20, WeakLimit: 50}
	c := run(t, cfg, manyClients(5000, 300))
	if len(c.Suspicious) != 20 || len(c.Weak) != 50 {
		t.Fatalf("detailed %d suspicious and %d weak actors, want 20 and 50", len(c.Suspicious), len(c.Weak))
	}
	if got, want := c.Counts, (evidence.Counts{Suspicious: 300, Weak: 5000, Clean: 40}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	if c.Counts.Total() != int64(c.Actors) {
		t.Errorf("counts %+v add up to %d, the engine saw %d actors", c.Counts, c.Counts.Total(), c.Actors)
	}
	// Detailed and grouped, every client is there once.
	var suspicious, weak int64
	for _, g := range c.Groups {
		if g.Weak {
			weak += g.Clients
		} else {
			suspicious += g.Clients
		}
		if len(g.Members) > evidence.MaxGroupMembers || len(g.Samples) > evidence.MaxGroupSamples {
			t.Errorf("group %s lists %d members and %d samples", g.ID, len(g.Members), len(g.Samples))
		}
	}
	if suspicious != 280 || weak != 4950 || len(c.Groups) != 2 {
		t.Errorf("groups %d (suspicious %d, weak %d clients), want 2 (280, 4950)", len(c.Groups), suspicious, weak)
	}
	// The worst are detailed: all sqlmap clients rank alike, so the first
	// addresses in the one ranking.
	for i, a := range c.Suspicious {
		if want := fmt.Sprintf("172.16.0.%d", []int{0, 1, 10, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 11, 110, 111, 112, 113, 114, 115}[i]); a.Actor != want {
			t.Errorf("detailed actor %d is %s, want %s", i, a.Actor, want)
		}
	}

	// The 5,000 probers are one campaign, grouped or not, and all of them
	// become suspicious; the sqlmap clients share a user agent.
	all := append(slices.Clone(c.Suspicious), c.Weak...)
	cs := Campaigns(all, c.Groups)
	byKind := map[string]evidence.Campaign{}
	for _, k := range cs {
		byKind[k.Kind] = k
	}
	if k := byKind["shared-probe-set"]; k.ActorCount != 5000 || len(k.Actors) != 50 || len(k.Groups) != 1 {
		t.Errorf("probe-set campaign of %d actors (%d detailed, groups %v), want 5000 (50, one group)", k.ActorCount, len(k.Actors), k.Groups)
	}
	if k := byKind["shared-user-agent"]; k.ActorCount != 300 {
		t.Errorf("user-agent campaign of %d actors, want 300", k.ActorCount)
	}
	actors, groups := PromoteCampaigns(all, c.Groups, cs)
	for _, a := range actors {
		if !a.Suspicious() {
			t.Errorf("%s not promoted", a.Actor)
		}
	}
	for _, g := range groups {
		if g.Weak || slices.Equal(g.ProbeSet, []string{"/.env"}) && g.Rules[0].Rule != "campaign" {
			t.Errorf("group %s (%s) not promoted: %+v", g.ID, g.Key, g.Rules)
		}
	}
}

// Visitors who only browse make no group and no detail, however many.
func TestResultCountsCleanClients(t *testing.T) {
	c := run(t, Config{DetailLimit: 1, WeakLimit: 1}, manyClients(0, 0))
	if len(c.Suspicious)+len(c.Weak)+len(c.Groups) != 0 || c.Counts.Clean != 40 || c.Counts.Total() != int64(c.Actors) {
		t.Errorf("benign visitors reported: %d suspicious, %d weak, %d groups, counts %+v", len(c.Suspicious), len(c.Weak), len(c.Groups), c.Counts)
	}
}

// Chunks of a partitioned run merge into what one engine over all the rows
// gives: the same detailed actors, groups and counts.
func TestMergeChunksAgreesWithOneEngine(t *testing.T) {
	cfg := Config{DetailLimit: 20, WeakLimit: 50, LoginLimit: 10}
	reqs := manyClients(3000, 200)
	for i := range 30 { // credential-stuffing members, each in a /24 of its own
		for j := range 2 {
			reqs = append(reqs, req{ip: fmt.Sprintf("100.64.%d.7", i), at: time.Duration(i)*time.Hour + time.Duration(j)*time.Minute,
				method: "POST", target: "/login", status: 401, ua: "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"})
		}
	}
	one := run(t, cfg, reqs)
	merged := MergeChunks(cfg, partitioned(t, cfg, reqs, 3))
	names := func(as []evidence.Actor) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Actor)
		}
		return out
	}
	if !slices.Equal(names(merged.Suspicious), names(one.Suspicious)) || !slices.Equal(names(merged.Weak), names(one.Weak)) {
		t.Errorf("merged details %v / %v, one engine %v / %v", names(merged.Suspicious), names(merged.Weak), names(one.Suspicious), names(one.Weak))
	}
	if !reflect.DeepEqual(merged.Groups, one.Groups) {
		t.Errorf("merged groups differ:\n%+v\none engine:\n%+v", merged.Groups, one.Groups)
	}
	if merged.Counts != one.Counts || merged.Actors != one.Actors {
		t.Errorf("merged counts %+v of %d, one engine %+v of %d", merged.Counts, merged.Actors, one.Counts, one.Actors)
	}
	cs := Campaigns(append(slices.Clone(one.Suspicious), one.Weak...), one.Groups)
	if !slices.ContainsFunc(cs, func(c evidence.Campaign) bool { return c.Kind == KindStuffing && c.ActorCount == 30 }) {
		t.Errorf("no credential-stuffing campaign of 30 among %+v", cs)
	}
}

// partitioned is the chunks of k engines over reqs, split by /24 or /48 as
// Parse splits a log.
func partitioned(t *testing.T, cfg Config, reqs []req, k int) []evidence.Chunk {
	t.Helper()
	engines := make([]*Engine, k)
	for i := range engines {
		e, err := NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		engines[i] = e
	}
	for i, q := range reqs {
		r := q.record(int64(i + 1))
		b, _ := record.Block(r.Client).MarshalBinary()
		engines[int(b[len(b)-2])%k].Observe(r)
	}
	chunks := make([]evidence.Chunk, k)
	for i, e := range engines {
		chunks[i] = e.Result(i)
	}
	return chunks
}

// More behaviours than GroupLimit fold into coarser groups: the count stays
// bounded, every client stays counted, and a campaign by probe set still
// forms when the user agents are folded away.
func TestGroupsBounded(t *testing.T) {
	var reqs []req
	for i := range 400 {
		reqs = append(reqs, req{ip: fmt.Sprintf("10.9.%d.%d", i/200, i%200+1), target: "/.git/config", status: 404,
			ua: fmt.Sprintf("scanner-%d/1.0", i)})
	}
	cfg := Config{DetailLimit: 1, WeakLimit: 1, GroupLimit: 10}
	c := run(t, cfg, reqs)
	if len(c.Groups) > 10 {
		t.Fatalf("%d groups, limit 10", len(c.Groups))
	}
	var n int64
	for _, g := range c.Groups {
		n += g.Clients
	}
	if n+int64(len(c.Weak)+len(c.Suspicious)) != 400 {
		t.Errorf("groups hold %d clients and %d are detailed, want 400 in all", n, len(c.Weak)+len(c.Suspicious))
	}
	cs := Campaigns(append(slices.Clone(c.Suspicious), c.Weak...), c.Groups)
	if len(cs) == 0 || cs[0].Kind != "shared-probe-set" || cs[0].ActorCount != 400 {
		t.Errorf("campaigns %+v, want one probe-set campaign of 400", cs)
	}
}

func TestGroupKeyIsTheBehaviour(t *testing.T) {
	a := evidence.Actor{Actor: "192.0.2.1", Requests: 1, Weak: []evidence.Hit{{Rule: "sensitive-files", Category: evidence.SensitiveFiles,
		Severity: evidence.Medium, Count: 1, Samples: []evidence.Sample{{Line: 3, Target: "/.env", Status: 404}}}},
		UserAgents: []evidence.Count{{Value: "zgrab/0.x", N: 1}}}
	b := a
	b.Actor = "192.0.2.2"
	c := a
	c.UserAgents = []evidence.Count{{Value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0", N: 1}}
	ga, gb, gc := GroupOf(&a), GroupOf(&b), GroupOf(&c)
	if ga.ID != gb.ID || ga.ID == gc.ID {
		t.Errorf("ids %s %s %s: the same behaviour must share one, another user agent must not", ga.ID, gb.ID, gc.ID)
	}
	if !ga.Weak || !ga.Probing || ga.Actors != 1 || !slices.Equal(ga.ProbeSet, []string{"/.env"}) || !slices.Equal(ga.UserAgents, []string{"zgrab/0.x"}) {
		t.Errorf("group %+v", ga)
	}
	if _, err := netip.ParseAddr(ga.Members[0]); err != nil || len(ga.Samples) != 1 {
		t.Errorf("members %v samples %v", ga.Members, ga.Samples)
	}
}
