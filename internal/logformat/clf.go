package logformat

import (
	"bytes"

	"github.com/logsift/logsift/internal/record"
)

// clfParser reads Apache/nginx common and combined lines, with optional
// vhost or syslog prefixes before the client and extra fields after the
// user agent.
type clfParser struct{}

// findCLFTime returns the index of the '[' that opens "dd/Mon/yyyy:hh:mm:ss zone]".
func findCLFTime(b []byte) int {
	for i := 0; i < len(b); {
		k := bytes.IndexByte(b[i:], '[')
		if k < 0 {
			return -1
		}
		i += k
		if i+28 <= len(b) && b[i+27] == ']' && b[i+3] == '/' && b[i+7] == '/' && b[i+12] == ':' {
			return i
		}
		i++
	}
	return -1
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

func (clfParser) parse(lb *lineBuf, rec *record.Record) (result, string) {
	b := lb.b
	if len(b) > 0 && b[0] == '#' {
		return resSkip, ""
	}
	var f fields
	ti := findCLFTime(b)
	if ti < 0 {
		return resReject, ReasonBadTime
	}
	t, ok := lb.parseCLFTime(b[ti+1 : ti+27])
	if !ok {
		return resReject, ReasonBadTime
	}
	f.time = t

	// Client: third token before the time, else the first IP-looking token
	// (a remote user with spaces shifts the tokens; syslog/vhost prefixes
	// come before the client).
	var toks [16]span
	n := 0
	for i := 0; i < ti && n < len(toks); {
		s, e := nextToken(b[:ti], i)
		if s >= e {
			break
		}
		toks[n] = span{s, e}
		n++
		i = e
	}
	if n < 3 {
		return resReject, ReasonFieldCount
	}
	ci := -1
	if looksLikeIP(lb.bytes(toks[n-3])) {
		ci = n - 3
	} else {
		for k := 0; k < n; k++ {
			if looksLikeIP(lb.bytes(toks[k])) {
				ci = k
				break
			}
		}
	}
	if ci < 0 {
		return resReject, ReasonBadClientIP
	}
	f.client = toks[ci]
	if ci == 1 && n == 4 {
		// vhost_combined: "host:port client ident user"
		f.host = hostOnly(toks[0], lb)
	}

	i := ti + 28
	if i >= len(b) || b[i] != ' ' {
		return resReject, ReasonFieldCount
	}
	i++
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
	s, e = nextToken(b, e)
	if s == e {
		return resReject, ReasonFieldCount
	}
	nb, ok := parseBytes(b[s:e])
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
