package logformat

import (
	"bytes"

	"github.com/logsift/logsift/internal/record"
)

// clfParser reads Apache/nginx common and combined lines, with optional
// syslog, vhost or X-Forwarded-For prefixes and extra fields after the user
// agent. How it finds the client and the time is in the package doc
// ("Who a line is charged to").
type clfParser struct{}

// clfTimeEnd returns the index of the ']' closing a time field that opens
// at b[i] == '[', judged by shape only ("d/Mon/yyyy:" and a ']' within a
// time's length); parseCLFTime checks the content. -1 when b[i:] is not one.
func clfTimeEnd(b []byte, i int) int {
	// fast path: "[10/Oct/2000:13:55:36 -0700]"
	if i+27 < len(b) && b[i+27] == ']' && b[i+3] == '/' && b[i+7] == '/' && b[i+12] == ':' {
		return i + 27
	}
	if i+1 >= len(b) || b[i+1] < '0' || b[i+1] > '9' {
		return -1
	}
	w := b[i+1 : min(len(b), i+1+maxCLFTime)]
	e := bytes.IndexByte(w, ']')
	if e < 0 || bytes.IndexByte(w[:e], '[') >= 0 {
		return -1
	}
	v := w[:e]
	s1 := bytes.IndexByte(v, '/')
	if s1 < 1 || s1 > 2 {
		return -1
	}
	s2 := bytes.IndexByte(v[s1+1:], '/')
	if s2 < 1 || s1+1+s2+5 >= len(v) || v[s1+1+s2+5] != ':' {
		return -1
	}
	return i + 1 + e
}

// maxCLFTime bounds what may stand between a time's brackets: the longest
// month name, a fraction and a "+hh:mm" zone fit.
const maxCLFTime = 48

// requestFollows reports whether a quoted request follows b[j:] (" \"", or
// " host \"" when the vhost comes after the time). The user field before the
// real time cannot end like that: Apache and nginx escape its quotes.
func requestFollows(b []byte, j int) bool {
	if j+1 >= len(b) || b[j] != ' ' {
		return false
	}
	if b[j+1] == '"' {
		return true
	}
	if b[j+1] == '[' {
		return false
	}
	k := bytes.IndexByte(b[j+1:], ' ')
	return k > 0 && j+k+2 < len(b) && b[j+k+2] == '"' && bytes.IndexByte(b[j+1:j+1+k], '"') < 0
}

// findCLFTime returns the '[' and ']' of the line's time: the first time
// followed by a quoted request, else the first time at all (a line whose
// request is not quoted). The user field may hold text shaped like a time
// before the real one; only the real one is followed by the request.
func findCLFTime(b []byte) (int, int) {
	first, firstEnd := -1, -1
	for i := 0; i < len(b); i++ {
		k := bytes.IndexByte(b[i:], '[')
		if k < 0 {
			break
		}
		i += k
		e := clfTimeEnd(b, i)
		if e < 0 {
			continue
		}
		if requestFollows(b, e+1) {
			return i, e
		}
		if first < 0 {
			first, firstEnd = i, e
		}
		i = e
	}
	return first, firstEnd
}

// quotedEnd returns the index of the quote closing a field that starts at
// b[0] == '"': a quote, not escaped, followed by a space or the end (or by
// what follows(b[q+1:]) accepts, when given). -1 when there is none.
func quotedEnd(b []byte, follows func([]byte) bool) int {
	return quotedEndEsc(b, follows, true)
}

// quotedEndEsc is quotedEnd; escapes says whether a backslash escapes the
// next byte (Apache/nginx) or is an ordinary byte (ALB).
func quotedEndEsc(b []byte, follows func([]byte) bool, escapes bool) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if escapes {
				i++
			}
		case '"':
			if i+1 == len(b) || (b[i+1] == ' ' && (follows == nil || follows(b[i+2:]))) {
				return i
			}
		}
	}
	return -1
}

// statusFollows reports whether b starts with a status and a size field.
func statusFollows(b []byte) bool {
	tok := b[:min(len(b), 4)]
	if sp := bytes.IndexByte(tok, ' '); sp >= 0 {
		tok = tok[:sp]
	}
	if len(tok) == 1 && tok[0] == '-' {
		return true
	}
	if len(tok) != 3 {
		return false
	}
	_, ok := atoi(tok)
	return ok
}

func nextToken(b []byte, i int) (int, int) {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' {
		j++
	}
	return i, j
}

// clfClient finds the client in pre, the text before the time: the first
// field after a syslog header, or the second when the first is a vhost; the
// last address of a leading X-Forwarded-For list. At least one field (the
// ident) must stand between the client and the time. It returns
// the client, the vhost (empty when none) and a reason code on failure.
//
// spacedHost says that a vhost line holds another address after the
// client: the vhost may be a raw Host header with a space in it ("evil
// 8.8.8.8"), which servers answer with 400, so the caller rejects such a
// line when its status is 400 rather than guess which address is the
// client.
func clfClient(pre []byte) (client, host span, spacedHost bool, reason string) {
	i := syslogHeaderLen(pre)
	s, e := nextToken(pre, i)
	if s == e {
		return span{}, span{}, false, ReasonFieldCount
	}
	switch {
	case pre[s] == '"':
		// a quoted X-Forwarded-For list
		q := bytes.IndexByte(pre[s+1:], '"')
		if q < 0 {
			return span{}, span{}, false, ReasonBadClientIP
		}
		client, e = lastListItem(pre, s+1, s+1+q), s+q+2
	case pre[e-1] == ',':
		// an X-Forwarded-For list: "a, b, c"
		for e < len(pre) && pre[e-1] == ',' {
			s, e = nextToken(pre, e)
		}
		client = span{s, e}
	case isClientAddr(pre[s:e]):
		client = span{s, e}
		// "HOST CLIENT - USER": a vhost logged first that is an address
		// (nginx's $host is the Host header, which may be "8.8.8.8").
		// Where the client comes first, the second field is the ident,
		// which the client does not write.
		s2, e2 := nextToken(pre, e)
		if s2 < e2 && isClientAddr(pre[s2:e2]) {
			// or a raw Host header holding a space and addresses
			spacedHost = true
			if s3, e3 := nextToken(pre, e2); isDash(pre[s3:e3]) && s3 < e3 {
				if s4, e4 := nextToken(pre, e3); s4 < e4 {
					host, client, e = span{s, e}, span{s2, e2}, e2
					spacedHost = laterAddr(pre, e)
				}
			}
		}
	default:
		// a vhost ("www.example.com:443", or "-") before the client
		s2, e2 := nextToken(pre, e)
		if s2 == e2 || !isClientAddr(pre[s2:e2]) {
			return span{}, span{}, false, ReasonBadClientIP
		}
		if !isDash(pre[s:e]) {
			host = span{s, e}
		}
		client, e = span{s2, e2}, e2
		spacedHost = laterAddr(pre, e)
	}
	// the ident; the user may be blank (a Basic-auth name of spaces)
	if s, e := nextToken(pre, e); s == e {
		return span{}, span{}, false, ReasonFieldCount
	}
	return client, host, spacedHost, ""
}

// laterAddr reports whether a token of pre after i has the shape of an
// address.
func laterAddr(pre []byte, i int) bool {
	for {
		s, e := nextToken(pre, i)
		if s == e {
			return false
		}
		if isClientAddr(pre[s:e]) {
			return true
		}
		i = e
	}
}

// lastListItem returns the last comma-separated item of b[i:j], trimmed.
func lastListItem(b []byte, i, j int) span {
	if c := bytes.LastIndexByte(b[i:j], ','); c >= 0 {
		i += c + 1
	}
	for i < j && b[i] == ' ' {
		i++
	}
	for j > i && b[j-1] == ' ' {
		j--
	}
	return span{i, j}
}

// isClientAddr reports whether v has the shape of an IP address (build
// parses it): dotted digits, or hex with two or more colons. "host:port"
// and hex-letter host names ("bad.cafe") are not addresses.
func isClientAddr(v []byte) bool {
	if !looksLikeIP(v) {
		return false
	}
	colons := bytes.Count(v, []byte{':'})
	if colons == 0 {
		for _, c := range v {
			if c != '.' && (c < '0' || c > '9') {
				return false
			}
		}
		return true
	}
	return colons >= 2
}

func (clfParser) parse(lb *lineBuf, rec *record.Record) (result, string) {
	b := lb.b
	if len(b) > 0 && b[0] == '#' {
		return resSkip, ""
	}
	var f fields
	ti, te := findCLFTime(b)
	if ti < 0 {
		return resReject, ReasonBadTime
	}
	client, host, spacedHost, reason := clfClient(b[:ti])
	if reason != "" {
		return resReject, reason
	}
	t, ok := lb.parseCLFTime(b[ti+1 : te])
	if !ok {
		return resReject, ReasonBadTime
	}
	f.time = t
	f.client = client
	if !host.empty() {
		f.host = hostOnly(host, lb)
	}

	i := te + 1
	if i >= len(b) || b[i] != ' ' {
		return resReject, ReasonFieldCount
	}
	i++
	if i < len(b) && b[i] != '"' && requestFollows(b, i-1) {
		// Apache 2.2 formats with the vhost after the time
		s, e := nextToken(b, i)
		if f.host.empty() {
			f.host = hostOnly(span{s, e}, lb)
		}
		i = e + 1
	}
	var req span
	if i < len(b) && b[i] == '"' {
		e := quotedEnd(b[i:], statusFollows)
		if e < 0 {
			e = quotedEnd(b[i:], nil) // then the status is what is wrong
		}
		if e < 0 {
			return resReject, ReasonBadRequest
		}
		req = span{i + 1, i + e}
		i += e + 1
	} else {
		// an unquoted "-" request
		s, e := nextToken(b, i)
		req = span{s, e}
		i = e
	}
	s, e := nextToken(b, i)
	st, ok := parseStatus(b[s:e])
	if !ok || s == e {
		return resReject, ReasonBadStatus
	}
	f.status = st
	if spacedHost && st == 400 {
		return resReject, ReasonBadClientIP
	}
	s, e = nextToken(b, e)
	if s == e {
		return resReject, ReasonFieldCount
	}
	nb, ok := parseCLFBytes(b[s:e])
	if !ok {
		return resReject, ReasonBadBytes
	}
	f.bytes = nb
	i = e
	// combined: "referer" "user-agent"; anything after is ignored
	for k := 0; k < 2; k++ {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) || b[i] != '"' {
			break
		}
		e := quotedEnd(b[i:], nil)
		var v span
		if e < 0 {
			v = span{i + 1, len(b)}
			i = len(b)
		} else {
			v = span{i + 1, i + e}
			i += e + 1
		}
		v = lb.clfUnescape(dash(lb, v))
		if k == 0 {
			f.referer = v
		} else {
			f.ua = v
		}
	}

	f.setRequest(lb, lb.clfUnescape(req), false)
	if r := f.build(lb, rec); r != "" {
		return resReject, r
	}
	return resOK, ""
}

// parseCLFBytes parses the size field: a number, "-", or "sent/body" as
// some formats log it (%O/%B), of which the first is kept.
func parseCLFBytes(v []byte) (int64, bool) {
	if k := bytes.IndexByte(v, '/'); k > 0 {
		if _, ok := parseBytes(v[k+1:]); !ok {
			return 0, false
		}
		v = v[:k]
	}
	return parseBytes(v)
}
