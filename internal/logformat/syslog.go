package logformat

import "bytes"

// syslogHeaderLen returns the length of a syslog or container-log header at
// the start of b, 0 when there is none. Recognised: an optional "<PRI>",
// then
//   - RFC 5424: "1 TIMESTAMP HOST APP PROCID MSGID SD ";
//   - RFC 3164: "Mmm dd hh:mm:ss HOST TAG: " (the tag may be missing);
//   - an RFC 3339 timestamp followed by "HOST TAG: " (rsyslog's precise
//     format, journalctl -o short-iso), by "stdout F " (the CRI format of
//     Kubernetes logs) or directly by the message (docker logs -t).
//
// The logger writes the header, not the client, and it is looked for at the
// start of the line only: a user field cannot pose as one.
func syslogHeaderLen(b []byte) int {
	i := 0
	if len(b) > 0 && b[0] == '<' {
		k := bytes.IndexByte(b[:min(len(b), 5)], '>')
		if k < 2 || !allDigits(b[1:k]) {
			return 0
		}
		i = k + 1
	}
	if i+2 < len(b) && b[i] == '1' && b[i+1] == ' ' && isISOStamp(b[i+2:]) {
		j := i + 2
		for range 5 { // timestamp, host, app, procid, msgid
			_, j = nextToken(b, j)
		}
		s, e := nextToken(b, j)
		if s < len(b) && b[s] == '[' {
			return skipStructuredData(b, s)
		}
		return e // "-"
	}
	if n := bsdStampLen(b[i:]); n > 0 {
		_, j := nextToken(b, i+n) // host
		if s, e := nextToken(b, j); e > s && b[e-1] == ':' {
			j = e // tag
		}
		return j
	}
	if isISOStamp(b[i:]) {
		_, j := nextToken(b, i)
		s1, e1 := nextToken(b, j)
		s2, e2 := nextToken(b, e1)
		w1, w2 := string(b[s1:e1]), string(b[s2:e2])
		switch {
		case (w1 == "stdout" || w1 == "stderr") && (w2 == "F" || w2 == "P"):
			return e2
		case e2 > s2 && b[e2-1] == ':':
			return e2
		}
		return j
	}
	return i
}

// skipStructuredData returns the end of RFC 5424 structured data starting
// at b[i] == '[': one or more "[...]" elements, in which '\]' is escaped.
func skipStructuredData(b []byte, i int) int {
	for i < len(b) && b[i] == '[' {
		j := i + 1
		for j < len(b) && b[j] != ']' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		i = min(j+1, len(b))
	}
	return i
}

// isISOStamp reports whether b starts with "yyyy-mm-ddThh:mm:ss".
func isISOStamp(b []byte) bool {
	return len(b) >= 19 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' &&
		allDigits(b[:4]) && allDigits(b[5:7]) && allDigits(b[8:10]) && allDigits(b[11:13])
}

// bsdStampLen returns the length of an RFC 3164 time "Mmm dd hh:mm:ss"
// (the day space- or zero-padded) at the start of b, or 0.
func bsdStampLen(b []byte) int {
	if len(b) < 15 || b[3] != ' ' || monthIndex(b[:3]) == 0 {
		return 0
	}
	d := b[4:6]
	if d[0] == ' ' {
		d = d[1:]
	}
	if !allDigits(d) || b[6] != ' ' {
		return 0
	}
	c := b[7:15]
	if c[2] != ':' || c[5] != ':' || !allDigits(c[:2]) || !allDigits(c[3:5]) || !allDigits(c[6:8]) {
		return 0
	}
	return 15
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
