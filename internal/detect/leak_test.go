package detect

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// sitePages is ordinary traffic: n visitors each fetch a page of 5-8 KB.
func sitePages(n int) []req {
	var out []req
	for i := range n {
		out = append(out, req{ip: fmt.Sprintf("10.7.%d.%d", i/200, i%200+1), at: time.Duration(i) * time.Second,
			target: fmt.Sprintf("/article/%d", i), status: 200, bytes: 5000 + int64(i*97%3000), ua: browser})
	}
	return out
}

// A served sensitive file is named among the samples, first, however many
// failed decoys came before or after it, and the usual-page test compares
// with the site's pages, not with the attacker's own answers.
func TestLeakNotHiddenByDecoys(t *testing.T) {
	decoys := func(n int, from time.Duration) []req {
		var out []req
		for i := range n {
			out = append(out, req{ip: attacker, at: from + time.Duration(i)*time.Second,
				target: fmt.Sprintf("/.env.%s%d", []string{"bak", "old", "save", "local", "prod"}[i%5], i), status: 404, bytes: 153, ua: "curl/8.5.0"})
		}
		return out
	}
	leak := func(at time.Duration, path string, size int64) req {
		return req{ip: attacker, at: at, target: path, status: 200, bytes: size, ua: "curl/8.5.0"}
	}
	cases := []struct {
		name   string
		reqs   []req
		leak   bool   // a high sensitive-files hit naming a possible leak
		served string // the first sample's target, when leak
	}{
		{"alone", append(sitePages(40), leak(time.Hour, "/.env", 1873)), true, "/.env"},
		{"after five decoys", append(append(sitePages(40), decoys(5, time.Hour)...), leak(2*time.Hour, "/.env", 1873)), true, "/.env"},
		{"between forty decoys", append(append(append(sitePages(40), decoys(20, time.Hour)...), leak(2*time.Hour, "/.env", 1873)), decoys(20, 3*time.Hour)...), true, "/.env"},
		{"two of one size, pages of another", append(sitePages(40), leak(time.Hour, "/.env", 1873), leak(time.Hour+time.Second, "/.env.production", 1873)), true, "/.env"},
		{"fetched thirty times", func() []req {
			r := sitePages(40)
			for i := range 30 {
				r = append(r, leak(time.Hour+time.Duration(i)*time.Second, "/.env", 1873))
			}
			return r
		}(), true, "/.env"},
		// False positive: a single-page app answers everything with its
		// index page, which is what the site's pages weigh.
		{"catch-all page of the site's size", func() []req {
			var r []req
			for i := range 40 {
				r = append(r, req{ip: fmt.Sprintf("10.8.0.%d", i+1), target: fmt.Sprintf("/route/%d", i), status: 200, bytes: 6400, ua: browser})
			}
			return append(append(r, decoys(5, time.Hour)...), leak(2*time.Hour, "/.env", 6400))
		}(), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := find(run(t, Config{}, c.reqs), attacker)
			h := hitFor(a, evidence.SensitiveFiles)
			if !c.leak {
				if h != nil && (h.Severity >= evidence.High || strings.Contains(h.Reason, "possible leak")) {
					t.Fatalf("catch-all answer reported as a leak: %s", h.Reason)
				}
				return
			}
			if h == nil || h.Severity != evidence.High || !strings.Contains(h.Reason, "possible leak") {
				t.Fatalf("leak not reported: %+v", a)
			}
			if len(h.Samples) == 0 || h.Samples[0].Target != c.served || h.Samples[0].Status != 200 {
				t.Errorf("first sample %+v, want the 200 for %s", h.Samples, c.served)
			}
			if len(h.Samples) > maxSamples {
				t.Errorf("%d samples, bound is %d", len(h.Samples), maxSamples)
			}
			if !strings.Contains(h.Reason, "(e.g. "+c.served+")") {
				t.Errorf("reason does not name the served file: %s", h.Reason)
			}
		})
	}
}

// Samples stay in line order and bounded; a 2xx replaces the latest failure
// only once they are full, and never replaces another 2xx.
func TestSampleKeepsServed(t *testing.T) {
	var r ruleState
	var strs strTable
	for i := range 7 {
		q := req{ip: attacker, target: fmt.Sprintf("/f%d", i), status: 404}
		if i == 3 || i == 6 {
			q.status, q.bytes = 200, 10
		}
		rec := q.record(int64(i + 1))
		r.sample(&request{r: rec, ua: &uaInfo{ua: rec.UA}, strs: &strs})
	}
	var got []string
	for _, s := range r.samples {
		got = append(got, fmt.Sprintf("%s:%d", s.Target, s.Status))
	}
	want := []string{"/f0:404", "/f1:404", "/f2:404", "/f3:200", "/f6:200"}
	if !slices.Equal(got, want) {
		t.Errorf("samples %v, want %v", got, want)
	}
	if s := servedFirst(r.samples); s[0].Target != "/f3" || s[1].Target != "/f6" || s[2].Target != "/f0" {
		t.Errorf("servedFirst order: %+v", s)
	}
}

// The histogram describes ordinary pages: answers to paths the presence
// rules know are left out, whoever asked and however encoded.
func TestPageSizesLeaveOutAttackPaths(t *testing.T) {
	p := NewPageSizes()
	for _, target := range []string{"/.env", "/%2Eenv", "/.git/config", "/wp-login.php", "/backup.sql", "/shell.php", "/about", "/"} {
		q := req{ip: attacker, target: target, status: 200, bytes: 1873}
		p.Observe(q.record(1))
	}
	if p.Pages != 2 {
		t.Errorf("pages = %d, want 2 (/about and /)", p.Pages)
	}
}
