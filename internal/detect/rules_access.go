package detect

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// Access rules: how a client uses (or tries to use) what the site protects
// and what it stores: refused credentials on any protected path, logins and
// nothing else, record ids walked one by one, methods no browser sends.

var ruleAuthFlood = rule{
	id: "auth-flood", cat: evidence.BruteForce, sev: evidence.High, kind: kindBehaviour,
	what:   "refused request",
	config: []string{"auth_flood_failures", "auth_flood_window"},
	doc: func(c *Config) string {
		return fmt.Sprintf(">= %d 401/403 answers on one path within %s, or %d within %s (any protected path: basic auth, a REST API; login endpoints are brute-force's), and more refusals than successful answers",
			c.AuthFloodFailures, durationString(c.AuthFloodWindow), authBurst, durationString(Duration(authBurstWindow)))
	},
	// Counted from an actor's third refusal, so that a visitor whose app
	// checks a session now and then (401 on /api/me) costs no evidence; the
	// two before it are dated with the third.
	detect: func(q *request, f *found) {
		s := q.r.Status
		if (s != 401 && s != 403) || q.static || q.pathAllowed || q.ua.allowedAs != "" || q.found[rBrute].hit {
			return
		}
		if q.st.refused < 1<<31 {
			q.st.refused++
		}
		if q.st.refused >= 3 {
			*f = found{hit: true}
		}
	},
	record: func(q *request, rs *richState, _ ruleID, _ found) bool {
		a := rs.auth
		if a == nil {
			a = &authState{w: window{length: int64(q.cfg.AuthFloodWindow), same: true}}
			rs.auth = a
		}
		h := maphash.String(q.seed, q.npath)
		for a.w.total < int64(q.st.refused)-1 {
			a.w.add(q.t, h)
		}
		a.w.add(q.t, h)
		return true
	},
	ownState: true,
	eval: func(j *judge) (verdict, bool) {
		a := j.rs.auth
		if a == nil {
			return verdict{}, false
		}
		n, at := a.w.evaluate()
		burst := a.w
		burst.length, burst.best = int64(authBurstWindow), 0
		b, bAt := burst.evaluate()
		th := j.cfg.AuthFloodFailures
		reason := fmt.Sprintf("%d 401/403 answers on one path within %s of log time from %s, e.g. %s (threshold %d; %d refusals in all)",
			n, durationString(j.cfg.AuthFloodWindow), time.Unix(0, at).UTC().Format(time.RFC3339), j.example, th, a.w.total)
		fire := n >= th
		if b >= authBurst {
			fire = true
			reason += fmt.Sprintf("; %d of them within %s from %s (a burst of %d fires on its own)", b, durationString(Duration(authBurstWindow)),
				time.Unix(0, bAt).UTC().Format(time.RFC3339), authBurst)
		}
		// Challenge-response clients (Digest, NTLM, WebDAV) are refused
		// once before each request they then make with credentials, and the
		// people behind a shared address mostly browse: in both, the
		// successful answers keep up with the refusals. A guesser's do not.
		if ok := j.st.requests - failedRequests(j.st); ok >= a.w.total {
			fire = false
			reason += fmt.Sprintf("; but %d answers were 2xx/3xx, as many as the refusals: a challenge-response client or an address many people share", ok)
		}
		return verdict{fire: fire, count: a.w.total, reason: reason}, n*2 >= th || fire
	},
}

// A burst of authBurst refusals of one path within authBurstWindow is a
// tool, whatever the rate after it: faster than a person retypes a password
// and than any retry schedule. It is the capacity of CrowdSec's generic
// 401 scenario (LePresidente/http-generic-401-bf: 5, leaking one per 10s).
const (
	authBurst       = 6
	authBurstWindow = 10 * time.Second
)

// authState is auth-flood's evidence: refusals by path.
type authState struct {
	w window
}

// failedRequests counts an actor's answers that were 4xx, 5xx or none.
func failedRequests(st *actorState) int64 {
	var n int64
	for _, c := range st.status {
		if c.n > 0 && (c.code >= 400 || c.code == 0) {
			n += c.n
		}
	}
	for code, c := range st.moreStatus {
		if code >= 400 || code == 0 {
			n += c
		}
	}
	return n
}

var ruleStuffing = rule{
	id: KindStuffing, cat: evidence.CredentialStuffing, sev: evidence.Low, kind: kindBehaviour,
	what: "login POST",
	doc: func(*Config) string {
		return fmt.Sprintf("a client whose every request is a POST to a login endpoint (whatever the answer: a form login may fail with 200 or 302) is kept as a weak match; >= %d of them on one endpoint make a campaign (high) whose members are all reported",
			MinStuffingActors)
	},
	// Counted while every request of the actor is a login POST. Evidence is
	// kept from the second such POST (a failed one is brute-force's from
	// the first): a person loads the page first, and an app that signs in
	// once and goes on with its calls costs nothing.
	detect: func(q *request, f *found) {
		if !q.found[rBrute].hit || q.pathAllowed || !strings.EqualFold(q.r.Method, "POST") {
			return
		}
		if q.st.loginPosts < 1<<31 {
			q.st.loginPosts++
		}
		if n := int64(q.st.loginPosts); n == q.st.requests && n >= 2 {
			*f = found{hit: true}
		}
	},
	ownState: true,
	eval: func(j *judge) (verdict, bool) {
		n := int64(j.st.loginPosts)
		if n == 0 || n != j.st.requests || j.rs.claimedUA != "" {
			return verdict{}, false
		}
		var samples []evidence.Sample
		for _, id := range []ruleID{rBrute, rStuffing} {
			if r := j.rs.rules.get(id); r != nil && len(r.samples) > len(samples) {
				samples = r.samples
			}
		}
		return verdict{count: n, samples: samples,
			reason: fmt.Sprintf("%d login POST%s (%d failed: 401/403/429 or 4xx) and no other request (no page, asset or API call) from %s to %s: alone, a person's typo; many addresses doing only this are a credential-stuffing campaign",
				n, plural(int(n)), j.rs.brute.events(), time.Unix(0, j.st.first).UTC().Format(time.RFC3339), time.Unix(0, j.st.last).UTC().Format(time.RFC3339)),
		}, true
	},
}

var ruleEnumeration = rule{
	id: "enumeration", cat: evidence.Enumeration, sev: evidence.Medium, kind: kindBehaviour,
	what:   "record-id request",
	config: []string{"enumeration_ids", "enumeration_window"},
	doc: func(c *Config) string {
		return fmt.Sprintf(">= %d distinct record ids (numbers, UUIDs, long hex, in the path or a query parameter) on one route within %s, at least half answered 401/403/404/410; high when %d or more were answered 2xx",
			c.EnumerationIDs, durationString(c.EnumerationWindow), enumServed)
	},
	// Ids are followed from an actor's first refused one (and on every id
	// request once the actor has full evidence): a catalogue page or an
	// app's list view that answers 200 costs nothing.
	detect: func(q *request, f *found) {
		if q.static || q.pathAllowed || q.ua.allowedAs != "" || q.r.Malformed {
			return
		}
		s := q.r.Status
		if !(s == 401 || s == 403 || s == 404 || s == 410) && q.st.rich == nil {
			return
		}
		if _, _, ok := recordID(q.npath, q.r.Query); ok {
			*f = found{hit: true}
		}
	},
	record: func(q *request, rs *richState, _ ruleID, _ found) bool {
		route, id, _ := recordID(q.npath, q.r.Query)
		if rs.enum == nil {
			rs.enum = &enumState{}
		}
		rs.enum.add(q, route, id)
		return true
	},
	ownState: true,
	eval: func(j *judge) (verdict, bool) {
		es := j.rs.enum
		if es == nil {
			return verdict{}, false
		}
		var best *enumRoute
		n, at := 0, int64(0)
		for i := range es.routes {
			r := &es.routes[i]
			if m, t := r.w.evaluate(); m > n {
				best, n, at = r, m, t
			}
		}
		th := j.cfg.EnumerationIDs
		if best == nil || n*2 < th {
			return verdict{}, false
		}
		all := best.refused + best.other
		fire := n >= th && best.refused*2 >= all
		sev := evidence.Medium
		reason := fmt.Sprintf("%d distinct record ids on %s within %s of log time from %s; %d of its %d answers refused or not found (401/403/404/410), %d served 2xx (threshold %d ids, half refused)",
			n, best.route, durationString(j.cfg.EnumerationWindow), time.Unix(0, at).UTC().Format(time.RFC3339), best.refused, all, best.served, th)
		if fire && best.served >= enumServed {
			sev = evidence.High
			reason += "; records were served to a client walking ids it is mostly refused: check whether it could read what it should not"
		}
		return verdict{fire: fire, sev: sev, count: all, reason: reason}, true
	},
}

// enumServed 2xx answers make an enumeration high: the walk got records.
const enumServed = 10

// enumState follows the id routes of one actor: at most maxEnumRoutes, the
// least used replaced by a new one.
type enumState struct {
	routes []enumRoute
}

const maxEnumRoutes = 4

type enumRoute struct {
	hash                   uint64
	route                  string // the route with the id as {id}, truncated
	w                      window // distinct ids over time
	refused, served, other int64  // answers: 401/403/404/410, 2xx, all but refused
}

func (es *enumState) add(q *request, route, id string) {
	var hh maphash.Hash
	hh.SetSeed(q.seed)
	hh.WriteString(route)
	h := hh.Sum64()
	var r *enumRoute
	for i := range es.routes {
		if es.routes[i].hash == h {
			r = &es.routes[i]
			break
		}
	}
	if r == nil {
		nr := enumRoute{hash: h, route: strings.Clone(truncate(route, 120)),
			w: window{length: int64(q.cfg.EnumerationWindow), distinct: true}}
		if len(es.routes) < maxEnumRoutes {
			es.routes = append(es.routes, nr)
			r = &es.routes[len(es.routes)-1]
		} else {
			r = &es.routes[0]
			for i := range es.routes {
				if es.routes[i].w.total < r.w.total {
					r = &es.routes[i]
				}
			}
			*r = nr
		}
	}
	r.w.add(q.t, maphash.String(q.seed, id))
	switch s := q.r.Status; {
	case s == 401 || s == 403 || s == 404 || s == 410:
		r.refused++
	case s >= 200 && s < 300:
		r.served++
		r.other++
	default:
		r.other++
	}
}

// recordID finds the record id a request names: the last path segment that
// is an id, or else the first query parameter whose value is one. route is
// the path with the id replaced by {id} (or path?name={id}).
func recordID(npath, query string) (route, id string, ok bool) {
	end := len(npath)
	for end > 0 {
		start := strings.LastIndexByte(npath[:end], '/') + 1
		if seg := npath[start:end]; isRecordID(seg) {
			return npath[:start] + "{id}" + npath[end:], seg, true
		}
		if start == 0 {
			break
		}
		end = start - 1
	}
	for query != "" {
		var kv string
		kv, query, _ = strings.Cut(query, "&")
		if k, v, found := strings.Cut(kv, "="); found && k != "" && isRecordID(v) {
			return npath + "?" + truncate(k, 40) + "={id}", v, true
		}
	}
	return "", "", false
}

// isRecordID reports whether s looks like a record key: a number (1 to 20
// digits), a UUID, or hex of 16 to 64 characters with a digit (object ids,
// hashes). Page numbers are numbers too: the failure share tells a walk
// from paging.
func isRecordID(s string) bool {
	n := len(s)
	if n == 0 || n > 64 {
		return false
	}
	digits, hex := 0, 0
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'f':
			hex++
		case c == '-' && n == 36 && (i == 8 || i == 13 || i == 18 || i == 23):
		default:
			return false
		}
	}
	switch {
	case digits == n:
		return n <= 20
	case n == 36:
		return true
	}
	return n >= 16 && digits > 0 && !strings.Contains(s, "-")
}

var ruleMethodProbing = rule{
	id: "method-probing", cat: evidence.MethodProbing, sev: evidence.Medium, kind: kindBehaviour,
	what:   "unusual-method request",
	config: []string{"method_probes"},
	doc: func(c *Config) string {
		return fmt.Sprintf("TRACE, TRACK or DEBUG on 1; otherwise >= %d distinct refused requests with WebDAV methods (PROPFIND, MKCOL, MOVE...), OPTIONS * or PUT/DELETE of a file outside API routes (401 challenges and CORS preflights do not count); high when a write (PUT, DELETE, MOVE, COPY, MKCOL) succeeded for a client that also probed and whose other requests mostly failed",
			c.MethodProbes)
	},
	detect: func(q *request, f *found) {
		if m, strong := unusualMethod(q); m != "" {
			*f = found{hit: true, strong: strong, marker: m}
		}
	},
	record: func(q *request, rs *richState, id ruleID, f found) bool {
		ms := rs.methods
		if ms == nil {
			ms = &methodState{}
			rs.methods = ms
		}
		s := q.r.Status
		write := isWriteMethod(f.marker)
		// A write succeeded when the server says it created (201) or took
		// it without a body (204, or 200 with none); a 200 with a body is
		// as likely a catch-all page answering any method.
		ok := s == 201 || s == 204 || (s == 200 && q.r.Bytes <= 0)
		// A WebDAV server answers PROPFIND and SEARCH with 207; anything
		// else that is not a refusal is a site that does not speak WebDAV.
		davMiss := (f.marker == "PROPFIND" || f.marker == "PROPPATCH" || f.marker == "SEARCH") && s != 207 && s != 401 && s != 407
		if f.strong || f.marker == "OPTIONS *" || davMiss || (s >= 400 && s != 401 && s != 407) {
			h := maphash.String(q.seed, q.npath) ^ maphash.String(q.seed, f.marker)
			if len(ms.probes) < maxRuleHashes && !slices.Contains(ms.probes, h) {
				ms.probes = append(ms.probes, h)
			}
		}
		switch {
		case ok && write:
			ms.writesOK++
			// Keep the write among the samples: it is the finding.
			if r := rs.rule(id); len(r.samples) >= maxSamples {
				r.samples = r.samples[:maxSamples-1]
			}
		case s >= 200 && s < 400:
			ms.otherOK++
		}
		if !slices.Contains(ms.methods, f.marker) && len(ms.methods) < 8 {
			ms.methods = append(ms.methods, f.marker)
		}
		return true
	},
	eval: func(j *judge) (verdict, bool) {
		ms := j.rs.methods
		if ms == nil {
			return verdict{}, false
		}
		d := len(ms.probes)
		failed := failedRequests(j.st)
		ordinary := j.st.requests - failed - ms.writesOK - ms.otherOK
		fire := j.r.strong > 0 || d >= j.cfg.MethodProbes
		sev := evidence.Medium
		reason := fmt.Sprintf("%d request%s with WebDAV or unusual methods (%s), %d distinct refused, e.g. %s (threshold %d; TRACE, TRACK and DEBUG fire on one)",
			j.r.count, plural(int(j.r.count)), strings.Join(ms.methods, ", "), d, j.example, j.cfg.MethodProbes)
		if ms.writesOK > 0 {
			reason += fmt.Sprintf("; %d write%s (PUT, DELETE, MOVE, COPY, MKCOL) answered 2xx", ms.writesOK, plural(int(ms.writesOK)))
			// "A client that otherwise only probes": it probed, and most
			// of its other requests failed. A sync client or a REST
			// integration writes among mostly successful requests.
			if d >= 1 && failed >= ordinary {
				fire, sev = true, evidence.High
				reason += fmt.Sprintf(" for a client that probed and whose other requests mostly failed (%d failed, %d succeeded): something may have been written to the server", failed, ordinary)
			}
		}
		return verdict{fire: fire, sev: sev, reason: reason}, d > 0 || fire
	},
}

// methodState is method-probing's evidence.
type methodState struct {
	probes   []uint64 // distinct (method, path) pairs refused, or probes whatever the answer
	writesOK int64    // write methods answered 2xx
	otherOK  int64    // other unusual-method requests answered 2xx/3xx
	methods  []string
}

// The methods method-probing looks at, as they are named in reasons.
var probeMethods = []string{"TRACE", "TRACK", "DEBUG", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
	"UNLOCK", "SEARCH", "PUT", "DELETE", "OPTIONS"}

// unusualMethod names a request's method when method-probing counts it:
// TRACE, TRACK and DEBUG (strong), WebDAV methods, OPTIONS * (not from
// Apache's own "internal dummy connection"), and PUT or DELETE of a file or
// a directory outside API routes. Plain OPTIONS (CORS preflights) and
// PUT/DELETE/PATCH on API routes are what REST clients send.
func unusualMethod(q *request) (string, bool) {
	m := q.r.Method
	switch m {
	case "GET", "POST", "HEAD", "":
		return "", false
	}
	i := slices.IndexFunc(probeMethods, func(p string) bool { return strings.EqualFold(p, m) })
	if i < 0 {
		return "", false
	}
	name := probeMethods[i]
	switch name {
	case "TRACE", "TRACK", "DEBUG":
		return name, true
	case "OPTIONS":
		if q.r.Path == "*" && !strings.Contains(q.r.UA, "internal dummy connection") {
			return "OPTIONS *", false
		}
		return "", false
	case "PUT", "DELETE":
		p := q.npath
		if apiLike(p) {
			return "", false
		}
		last := p[strings.LastIndexByte(p, '/')+1:]
		if last != "" && !strings.Contains(last, ".") {
			return "", false // a REST resource, not a file
		}
	}
	return name, false
}

func isWriteMethod(m string) bool {
	switch m {
	case "PUT", "DELETE", "MOVE", "COPY", "MKCOL", "PROPPATCH":
		return true
	}
	return false
}
