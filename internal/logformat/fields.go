package logformat

import (
	"bytes"
	"time"

	"github.com/logsift/logsift/internal/record"
)

// Reason codes for rejected lines; they are part of the Stats contract.
const (
	ReasonFieldCount     = "field-count"
	ReasonBadTime        = "bad-time"
	ReasonBadClientIP    = "bad-client-ip"
	ReasonBadStatus      = "bad-status"
	ReasonBadBytes       = "bad-bytes"
	ReasonBadRequest     = "bad-request"
	ReasonLineTooLong    = "line-too-long"
	ReasonFormatMismatch = "format-mismatch"
	ReasonNotHTTP        = "not-http"
	ReasonBadHeader      = "bad-header"
	ReasonTruncated      = "truncated"
	ReasonUnrecognized   = "unrecognized" // matches no supported format
)

// fields collects the spans of one parsed line; numbers and time are
// parsed straight from the bytes, strings are made by build.
type fields struct {
	client                              span
	method, host, rawPath, path         span
	rawQuery, query, proto, referer, ua span
	requestID                           span
	time                                time.Time
	status                              int
	bytes                               int64
	malformed                           bool
}

// build converts the line buffer to one string and fills rec from it.
// It returns a reason code when the client address is invalid.
func (f *fields) build(lb *lineBuf, rec *record.Record) string {
	lb.finish()
	addr, ok := parseClient(lb.str(f.client))
	if !ok {
		return ReasonBadClientIP
	}
	*rec = record.Record{
		Line:      rec.Line,
		Time:      f.time,
		Client:    addr,
		Method:    lb.str(f.method),
		Host:      lb.str(f.host),
		Path:      lb.str(f.path),
		RawPath:   lb.str(f.rawPath),
		Query:     lb.str(f.query),
		RawQuery:  lb.str(f.rawQuery),
		Proto:     lb.str(f.proto),
		Status:    f.status,
		Bytes:     f.bytes,
		Referer:   lb.str(f.referer),
		UA:        lb.str(f.ua),
		RequestID: lb.str(f.requestID),
		Malformed: f.malformed,
	}
	return ""
}

// dash returns an empty span for logged "no value" markers.
func dash(lb *lineBuf, sp span) span {
	if isDash(lb.bytes(sp)) {
		return span{}
	}
	return sp
}

// setTarget splits a request target at the first '?' into raw and
// percent-decoded path and query.
func (f *fields) setTarget(lb *lineBuf, t span) {
	v := lb.bytes(t)
	q := bytes.IndexByte(v, '?')
	if q < 0 {
		f.rawPath = t
		f.rawQuery = span{}
	} else {
		f.rawPath = span{t.i, t.i + q}
		f.rawQuery = span{t.i + q + 1, t.j}
	}
	f.path = lb.percent(f.rawPath)
	f.query = lb.percent(f.rawQuery)
}

// setURLTarget handles a target that may be in absolute form
// (scheme://host:port/path, as ALB logs it): the host goes to f.host.
func (f *fields) setURLTarget(lb *lineBuf, t span) {
	v := lb.bytes(t)
	if k := bytes.Index(v, []byte("://")); k > 0 && k < 10 && bytes.IndexByte(v[:k], '/') < 0 {
		rest := span{t.i + k + 3, t.j}
		rv := lb.bytes(rest)
		end := len(rv)
		if e := bytes.IndexAny(rv, "/?"); e >= 0 {
			end = e
		}
		f.host = hostOnly(span{rest.i, rest.i + end}, lb)
		t = span{rest.i + end, rest.j}
	}
	f.setTarget(lb, t)
}

// hostOnly strips a :port from host[:port] ([v6]:port keeps the brackets' content).
func hostOnly(sp span, lb *lineBuf) span {
	v := lb.bytes(sp)
	if len(v) > 0 && v[0] == '[' {
		if e := bytes.IndexByte(v, ']'); e > 0 {
			return span{sp.i + 1, sp.i + e}
		}
		return sp
	}
	if c := bytes.LastIndexByte(v, ':'); c >= 0 && bytes.IndexByte(v[:c], ':') < 0 {
		return span{sp.i, sp.i + c}
	}
	return sp
}

func isTokenChar(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

// setRequest splits an HTTP request line "METHOD target PROTO" (the target
// may contain raw spaces). Anything else marks the record Malformed with
// the raw text as Path.
func (f *fields) setRequest(lb *lineBuf, req span, absolute bool) {
	v := lb.bytes(req)
	sp1 := bytes.IndexByte(v, ' ')
	ok := sp1 > 0 && sp1 <= 32
	if ok {
		for _, c := range v[:sp1] {
			if !isTokenChar(c) {
				ok = false
				break
			}
		}
		if ok && sp1 == 1 && v[0] == '-' {
			ok = false
		}
	}
	if !ok {
		f.malformed = true
		f.method = span{}
		if isDash(v) {
			return
		}
		f.path = req
		f.rawPath = req
		return
	}
	f.method = span{req.i, req.i + sp1}
	rest := span{req.i + sp1 + 1, req.j}
	rv := lb.bytes(rest)
	if sp2 := bytes.LastIndexByte(rv, ' '); sp2 >= 0 && bytes.HasPrefix(rv[sp2+1:], []byte("HTTP/")) {
		f.proto = span{rest.i + sp2 + 1, rest.j}
		rest = span{rest.i, rest.i + sp2}
	}
	if absolute {
		f.setURLTarget(lb, rest)
	} else {
		f.setTarget(lb, rest)
	}
}
