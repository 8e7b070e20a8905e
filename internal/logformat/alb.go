package logformat

import (
	"bytes"

	"github.com/logsift/logsift/internal/record"
)

// albParser reads Application Load Balancer access logs. Fields appended
// by newer log versions are ignored. NLB TLS lines ("tls 2.0 ...") and ALB
// connection-log lines that share a bucket are rejected with reason
// "not-http": they are not HTTP requests, and rejecting keeps them counted
// and visible in Stats.Reasons.
type albParser struct {
	spans [albMaxFields]span
}

const (
	albMaxFields = 32
	albMinFields = 14 // through user_agent

	albType      = 0
	albTime      = 1
	albClient    = 3
	albStatus    = 8
	albSentBytes = 11
	albRequest   = 12
	albUA        = 13
	albTraceID   = 17
)

// splitALB splits on spaces; a field starting with '"' runs to the quote
// that is followed by a space or the end of the line (so a raw quote or
// space inside a request does not break it). Quotes are not part of the span.
func splitALB(b []byte, out []span) int {
	n := 0
	i := 0
	for n < len(out) {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			break
		}
		if b[i] == '"' {
			// ALB does not escape: a backslash is an ordinary byte
			e := quotedEndEsc(b[i:], nil, false)
			if e < 0 {
				out[n] = span{i + 1, len(b)}
				n++
				break
			}
			out[n] = span{i + 1, i + e}
			n++
			i += e + 1
			continue
		}
		j := bytes.IndexByte(b[i:], ' ')
		if j < 0 {
			out[n] = span{i, len(b)}
			n++
			break
		}
		out[n] = span{i, i + j}
		n++
		i += j
	}
	return n
}

func isALBType(v []byte) bool {
	switch string(v) {
	case "http", "https", "h2", "ws", "wss", "grpcs", "grpc":
		return true
	}
	return false
}

func (p *albParser) parse(lb *lineBuf, rec *record.Record) (result, string) {
	b := lb.b
	if len(b) > 0 && b[0] == '#' {
		return resSkip, ""
	}
	n := splitALB(b, p.spans[:])
	if n == 0 {
		return resSkip, ""
	}
	if !isALBType(lb.bytes(p.spans[albType])) {
		typ := lb.bytes(p.spans[albType])
		if string(typ) == "tls" || string(typ) == "udp" || string(typ) == "tcp" {
			return resReject, ReasonNotHTTP
		}
		// connection log: starts with an ISO time, then the client IP
		if n > 2 && len(typ) > 20 && typ[4] == '-' && typ[10] == 'T' && looksLikeIP(lb.bytes(p.spans[1])) {
			return resReject, ReasonNotHTTP
		}
		return resReject, ReasonUnrecognized
	}
	if n < albMinFields {
		return resReject, ReasonFieldCount
	}
	var f fields
	t, ok := lb.parseISO(lb.bytes(p.spans[albTime]))
	if !ok {
		return resReject, ReasonBadTime
	}
	f.time = t
	cl := p.spans[albClient]
	c := bytes.LastIndexByte(lb.bytes(cl), ':')
	if c <= 0 {
		return resReject, ReasonBadClientIP
	}
	f.client = span{cl.i, cl.i + c}
	if f.status, ok = parseStatus(lb.bytes(p.spans[albStatus])); !ok {
		return resReject, ReasonBadStatus
	}
	if f.bytes, ok = parseBytes(lb.bytes(p.spans[albSentBytes])); !ok {
		return resReject, ReasonBadBytes
	}
	f.ua = dash(lb, p.spans[albUA])
	if n > albTraceID {
		f.requestID = dash(lb, p.spans[albTraceID])
	}
	f.setRequest(lb, p.spans[albRequest], true)
	if r := f.build(lb, rec); r != "" {
		return resReject, r
	}
	return resOK, ""
}
