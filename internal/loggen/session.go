package loggen

import "net/netip"

// step is one request of a session, gap milliseconds after the previous one.
type step struct {
	method string
	a      asset
	query  string
	ref    string
	gap    int64
}

const (
	kindBrowser = iota + 10
	kindBot
)

// session is one visit: a browser loading pages, or a bot's crawl.
type session struct {
	next      int64
	kind      int
	ip        netip.Addr
	port      int
	ua, proto string
	edge      string
	ios       bool
	returning bool
	steps     [24]step
	n, i      int
	views     int
	emitted   int
	page      int // index into routes of the current page
}

func (s *session) done() bool { return s.i >= s.n && s.views == 0 }

var externalRefs = []string{"https://www.google.com/", "https://www.google.com/", "https://www.bing.com/",
	"https://duckduckgo.com/", "https://news.ycombinator.com/", "https://t.co/", "https://www.linkedin.com/"}

func (g *gen) newSession(at int64) *session {
	var s *session
	if n := len(g.free); n > 0 {
		s = g.free[n-1]
		g.free = g.free[:n-1]
		*s = session{}
	} else {
		s = new(session)
	}
	s.next = at
	s.port = 1024 + g.rng.IntN(64000)
	r := g.rng.IntN(100)
	if r < 86 {
		g.browser(s)
	} else {
		g.bot(s)
	}
	return s
}

func (g *gen) browser(s *session) {
	// Visitors come from a population that grows with the log; Zipf-like reuse
	// would be more realistic still, uniform is close enough for the rules.
	h := splitmix64(g.seed ^ uint64(g.rng.Int64N(g.clients)))
	s.kind = kindBrowser
	s.ip = g.visitorIP(h)
	if g.rng.IntN(50) == 0 {
		// One of the busy shared addresses: many people, many user agents.
		s.ip = netip.AddrFrom4(sharedV4[g.rng.IntN(len(sharedV4))])
	}
	s.ua = browserUAs[(h>>40)%uint64(len(browserUAs))]
	s.ios = isIOS(s.ua)
	s.edge = edges[(h>>48)%uint64(len(edges))]
	s.proto = "HTTP/2.0"
	if (h>>56)%5 == 0 {
		s.proto = "HTTP/3.0"
	}
	s.returning = g.rng.IntN(10) < 3
	s.views = 1 + int(g.rng.ExpFloat64()*2.5)
	s.views = min(s.views, 12)
	g.pageView(s, true)
}

func (g *gen) bot(s *session) {
	r := g.rng.IntN(g.botW)
	b := 0
	for ; r >= bots[b].weight; b++ {
		r -= bots[b].weight
	}
	ips := g.botIPs[b]
	s.kind = kindBot
	s.ip = ips[g.rng.IntN(len(ips))]
	s.ua = bots[b].ua
	s.proto = "HTTP/1.1"
	s.edge = edges[g.rng.IntN(len(edges))]
	s.views = 0
	if bots[b].kind == kindPreview {
		route := 5 + g.rng.IntN(3) // blog posts get shared
		s.add(step{method: "GET", a: page(routes[route])})
		s.add(step{method: "GET", a: lazy[6], gap: 200 + g.rng.Int64N(800)})
		return
	}
	s.add(step{method: "GET", a: robots})
	if g.rng.IntN(2) == 0 {
		s.add(step{method: "GET", a: sitemap, gap: 500 + g.rng.Int64N(3000)})
	}
	if g.rng.IntN(4) == 0 {
		s.add(step{method: "GET", a: crawlerMisc[g.rng.IntN(len(crawlerMisc))], gap: 500 + g.rng.Int64N(3000)})
	}
	for k := 2 + g.rng.IntN(10); k > 0; k-- {
		a := page(routes[g.rng.IntN(len(routes))])
		if g.rng.IntN(20) == 0 {
			a = notFound(typos[g.rng.IntN(len(typos))])
		}
		s.add(step{method: "GET", a: a, gap: 2000 + g.rng.Int64N(30000)})
	}
}

func page(path string) asset     { return asset{path, 200, "text/html", indexBytes} }
func notFound(path string) asset { return asset{path, 404, "text/html", notFoundLen} }

// add queues st; a session holds at most len(s.steps) requests per page view
// and drops the rest.
func (s *session) add(st step) {
	if s.n < len(s.steps) {
		s.steps[s.n] = st
		s.n++
	}
}

// pageView queues the requests of one page view: a full load the first time,
// then client-side navigation (API calls and lazy chunks) or a reload.
func (g *gen) pageView(s *session, first bool) {
	s.n, s.i = 0, 0
	s.views--
	prev := s.page
	s.page = g.rng.IntN(len(routes))
	ref := g.refs[prev]
	think := int64(0)
	if !first {
		think = 4000 + int64(g.rng.ExpFloat64()*30000)
	}
	full := first || g.rng.IntN(7) == 0
	if full {
		docRef := ref
		if first {
			docRef = ""
			if g.rng.IntN(10) < 3 {
				docRef = externalRefs[g.rng.IntN(len(externalRefs))]
			}
		}
		if first && g.rng.IntN(30) == 0 {
			// A typo first, then the right page.
			s.add(step{method: "GET", a: notFound(typos[g.rng.IntN(len(typos))]), ref: docRef, gap: think})
			think = 3000 + g.rng.Int64N(8000)
		}
		s.add(step{method: "GET", a: page(routes[s.page]), ref: docRef, gap: think})
		ref = g.refs[s.page]
		for _, a := range firstLoad {
			if s.returning {
				if g.rng.IntN(3) != 0 {
					continue // still cached
				}
				a = asset{a.path, 304, "", 300 + int64(g.rng.IntN(120))}
			}
			s.add(step{method: "GET", a: a, ref: ref, gap: 15 + g.rng.Int64N(150)})
		}
		if !s.returning && g.rng.IntN(2) == 0 {
			s.add(step{method: "GET", a: favicon, ref: ref, gap: 20 + g.rng.Int64N(300)})
		}
		if s.ios && g.rng.IntN(5) < 3 {
			for _, a := range touchIcons {
				s.add(step{method: "GET", a: a, gap: 30 + g.rng.Int64N(400)})
			}
		}
		s.add(step{method: "GET", a: apiCalls[0], ref: ref, gap: 40 + g.rng.Int64N(200)})
	} else {
		ref = g.refs[s.page]
		s.add(step{method: "GET", a: apiCalls[0], ref: ref, gap: think})
	}
	// What the page itself loads.
	switch path := routes[s.page]; {
	case path == "/pricing":
		s.add(step{method: "GET", a: lazy[0], ref: ref, gap: 20 + g.rng.Int64N(100)})
		s.add(step{method: "GET", a: apiCalls[1], ref: ref, gap: 20 + g.rng.Int64N(200)})
	case len(path) >= 5 && path[:5] == "/blog":
		s.add(step{method: "GET", a: lazy[1], ref: ref, gap: 20 + g.rng.Int64N(100)})
		s.add(step{method: "GET", a: apiCalls[2+g.rng.IntN(2)], ref: ref, gap: 20 + g.rng.Int64N(200)})
		s.add(step{method: "GET", a: lazy[7], ref: ref, gap: 20 + g.rng.Int64N(200)})
	case len(path) >= 5 && path[:5] == "/docs":
		s.add(step{method: "GET", a: lazy[2], ref: ref, gap: 20 + g.rng.Int64N(100)})
	case len(path) >= 10 && path[:10] == "/dashboard":
		s.add(step{method: "GET", a: lazy[3], ref: ref, gap: 20 + g.rng.Int64N(100)})
		s.add(step{method: "GET", a: apiCalls[5], ref: ref, gap: 20 + g.rng.Int64N(100)})
	case path == "/login":
		gap := 5000 + g.rng.Int64N(15000)
		if g.rng.IntN(8) == 0 { // a mistyped password, then the right one
			s.add(step{method: "POST", a: asset{"/api/login", 401, "application/json", 41}, ref: ref, gap: gap})
			gap = 3000 + g.rng.Int64N(6000)
		}
		s.add(step{method: "POST", a: asset{"/api/login", 200, "application/json", 212}, ref: ref, gap: gap})
	case path == "/" || path == "/features":
		s.add(step{method: "GET", a: lazy[4], ref: ref, gap: 20 + g.rng.Int64N(100)})
		if g.rng.IntN(2) == 0 {
			s.add(step{method: "GET", a: lazy[5], ref: ref, gap: 20 + g.rng.Int64N(300)})
		}
		s.add(step{method: "GET", a: apiCalls[4], ref: ref, gap: 20 + g.rng.Int64N(200)})
	}
	if g.rng.IntN(10) < 7 {
		s.add(step{method: "POST", a: asset{"/api/events", 204, "", 0}, ref: ref, gap: 200 + g.rng.Int64N(2000)})
	}
	s.next += s.steps[0].gap
}

// emit fills ev with the session's next request and schedules the one after.
func (s *session) emit(g *gen, ev *event) {
	st := &s.steps[s.i]
	result := "Miss"
	switch {
	case st.a.status >= 400:
		result = "Error"
	case st.a.status == 304:
		result = "RefreshHit"
	case st.a.ctype != "text/html" && st.a.ctype != "application/json" && g.rng.IntN(4) != 0:
		result = "Hit"
	}
	taken := 1 + g.rng.IntN(40)
	if result == "Miss" {
		taken = 20 + g.rng.IntN(400)
	}
	*ev = event{
		ms: s.next, ip: s.ip, port: s.port, method: st.method, path: st.a.path, query: st.query,
		status: st.a.status, ctype: st.a.ctype, bytes: st.a.bytes, referer: st.ref, ua: s.ua,
		proto: s.proto, edge: s.edge, taken: taken, result: result,
	}
	s.i++
	s.emitted++
	if s.i < s.n {
		s.next += s.steps[s.i].gap
		return
	}
	if s.views > 0 {
		g.pageView(s, false)
	}
}

// sessHeap is a min-heap of sessions by next request time.
type sessHeap []*session

func (h *sessHeap) push(s *session) {
	*h = append(*h, s)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].next <= a[i].next {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *sessHeap) pop() {
	a := *h
	n := len(a) - 1
	a[0] = a[n]
	a[n] = nil
	*h = a[:n]
	h.fix0()
}

// fix0 restores the heap after the root's time changed.
func (h sessHeap) fix0() {
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].next < h[m].next {
			m = l
		}
		if r < len(h) && h[r].next < h[m].next {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
