package detect

import (
	"net/netip"
	"testing"

	"github.com/logsift/logsift/internal/record"
)

// FuzzObserve feeds hostile field values through the rules: nothing may
// panic, and samples stay truncated.
func FuzzObserve(f *testing.F) {
	f.Add("/%252e%252e/etc/passwd", "a=${${lower:j}ndi:ldap://x}", "() { :; };", "GET", 404, false)
	f.Add("\x16\x03\x01", "", "", "", 400, true)
	f.Add("/wp-login.php", "x=%%32%65%", "Nikto", "POST", 200, false)
	f.Add("http://other.example/", "1'/**/union/**/select", "${jndi:", "CONNECT", 0, false)
	e, err := NewEngine(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, query, ua, method string, status int, bad bool) {
		r := &reqRecord{path: path, query: query, ua: ua, method: method, status: status, bad: bad}
		rec := r.build()
		e.Observe(rec)
		e.Observe(rec)
		c := e.Result(0)
		for _, a := range c.Suspicious {
			for _, h := range a.Hits {
				for _, s := range h.Samples {
					if len(s.Target) > maxTarget || len(s.UA) > maxUA {
						t.Fatalf("sample too long: %d/%d", len(s.Target), len(s.UA))
					}
				}
			}
		}
	})
}

type reqRecord struct {
	path, query, ua, method string
	status                  int
	bad                     bool
}

func (q *reqRecord) build() *record.Record {
	r := &record.Record{Line: 1, Time: t0, Client: netip.MustParseAddr("192.0.2.1"), Method: q.method,
		Path: q.path, RawPath: q.path, Query: q.query, RawQuery: q.query, UA: q.ua, Referer: q.ua,
		Status: q.status, Malformed: q.bad}
	return r
}
