package logformat

import (
	"bytes"
	"net/netip"
	"time"
)

// span is a half-open byte range [i, j) in lineBuf.b.
type span struct{ i, j int }

func (s span) empty() bool { return s.j <= s.i }

// lineBuf holds the current line followed by any decoded field values, so
// that a whole record costs one string allocation: fields are spans into
// the buffer, converted together by finish.
type lineBuf struct {
	b   []byte
	s   string
	tmp []byte // scratch for two-step decoding

	// last parsed timestamp, reused when consecutive lines share it
	lastTime    [40]byte
	lastTimeLen int
	lastTimeVal time.Time
}

func (lb *lineBuf) reset(line []byte) {
	if cap(lb.b) < 2*len(line)+64 {
		lb.b = make([]byte, 0, 2*len(line)+64)
	}
	lb.b = append(lb.b[:0], line...)
	lb.s = ""
}

func (lb *lineBuf) bytes(sp span) []byte { return lb.b[sp.i:sp.j] }

// finish converts the buffer to a string once; str is valid afterwards.
func (lb *lineBuf) finish() { lb.s = string(lb.b) }

func (lb *lineBuf) str(sp span) string {
	if sp.empty() {
		return ""
	}
	return lb.s[sp.i:sp.j]
}

// appendSpan appends v to the buffer and returns its span.
func (lb *lineBuf) appendSpan(v []byte) span {
	i := len(lb.b)
	lb.b = append(lb.b, v...)
	return span{i, len(lb.b)}
}

// percent returns sp percent-decoded: the same span when it holds no '%',
// else a new span with the decoded bytes. Invalid escapes are kept as is.
func (lb *lineBuf) percent(sp span) span {
	if bytes.IndexByte(lb.b[sp.i:sp.j], '%') < 0 {
		return sp
	}
	i := len(lb.b)
	lb.b = appendPercentDecoded(lb.b, lb.b[sp.i:sp.j])
	return span{i, len(lb.b)}
}

// uaDecode percent-decodes a CloudFront/Amplify user agent, twice when the
// logger double-encoded it (%2520): that shows as %20 left after one pass
// in a value that has no space.
func (lb *lineBuf) uaDecode(sp span) span {
	sp = lb.percent(sp)
	v := lb.b[sp.i:sp.j]
	if bytes.IndexByte(v, ' ') < 0 && bytes.Contains(v, []byte("%20")) {
		sp = lb.percent(sp)
	}
	return sp
}

// amplify undoes the Amplify console escaping: \X -> X, then %-decoding.
func (lb *lineBuf) amplify(sp span) span {
	v := lb.b[sp.i:sp.j]
	if bytes.IndexByte(v, '\\') < 0 {
		return lb.percent(sp)
	}
	lb.tmp = appendBackslashUnescaped(lb.tmp[:0], v)
	i := len(lb.b)
	lb.b = appendPercentDecoded(lb.b, lb.tmp)
	return span{i, len(lb.b)}
}

// unbackslash undoes the Amplify \X escaping only.
func (lb *lineBuf) unbackslash(sp span) span {
	v := lb.b[sp.i:sp.j]
	if bytes.IndexByte(v, '\\') < 0 {
		return sp
	}
	i := len(lb.b)
	lb.b = appendBackslashUnescaped(lb.b, v)
	return span{i, len(lb.b)}
}

// clfUnescape undoes Apache/nginx log escaping (\" \\ \xHH \n ...).
func (lb *lineBuf) clfUnescape(sp span) span {
	v := lb.b[sp.i:sp.j]
	if bytes.IndexByte(v, '\\') < 0 {
		return sp
	}
	i := len(lb.b)
	lb.b = appendCLFUnescaped(lb.b, v)
	return span{i, len(lb.b)}
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendPercentDecoded appends src with %XX escapes decoded once. '+' is
// kept: logs record the query as sent, and rules match on both forms.
func appendPercentDecoded(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '%' && i+2 < len(src) {
			hi, ok1 := unhex(src[i+1])
			lo, ok2 := unhex(src[i+2])
			if ok1 && ok2 {
				dst = append(dst, hi<<4|lo)
				i += 2
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// appendBackslashUnescaped appends src with every \X replaced by X.
func appendBackslashUnescaped(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' && i+1 < len(src) {
			i++
			c = src[i]
		}
		dst = append(dst, c)
	}
	return dst
}

// cEscapes maps the letter of a C control escape to its byte.
var cEscapes = [256]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'v': '\v', 'f': '\f'}

// appendCLFUnescaped decodes the escapes Apache (ap_escape_logitem) and
// nginx write: \" \\ \xHH and the C control escapes. Unknown escapes are kept.
func appendCLFUnescaped(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			continue
		}
		switch n := src[i+1]; n {
		case '"', '\\':
			dst = append(dst, n)
			i++
		case 'n', 'r', 't', 'b', 'v', 'f':
			dst = append(dst, cEscapes[n])
			i++
		case 'x':
			if i+3 < len(src) {
				hi, ok1 := unhex(src[i+2])
				lo, ok2 := unhex(src[i+3])
				if ok1 && ok2 {
					dst = append(dst, hi<<4|lo)
					i += 3
					continue
				}
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// isDash reports whether v is a logged "no value": "-" (or "-0", which one
// real Amplify sample writes).
func isDash(v []byte) bool {
	return len(v) == 0 || (v[0] == '-' && (len(v) == 1 || (len(v) == 2 && v[1] == '0')))
}

// atoi parses a non-negative decimal of at most 18 digits.
func atoi(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseStatus(v []byte) (int, bool) {
	if isDash(v) {
		return 0, true
	}
	n, ok := atoi(v)
	if !ok || n > 999 {
		return 0, false
	}
	return int(n), true
}

func parseBytes(v []byte) (int64, bool) {
	if isDash(v) {
		return 0, true
	}
	return atoi(v)
}

// parseClient parses an address as logged; zones are dropped and IPv4-mapped
// IPv6 unmapped so one client has one key.
func parseClient(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// looksLikeIP is a cheap syntactic pre-check before netip parsing.
func looksLikeIP(v []byte) bool {
	if len(v) < 2 || len(v) > 45 {
		return false
	}
	sep := false
	for _, c := range v {
		switch {
		case c == '.' || c == ':':
			sep = true
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return sep
}

func digits(v []byte, n int) (int, bool) {
	if len(v) < n {
		return 0, false
	}
	x := 0
	for _, c := range v[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + int(c-'0')
	}
	return x, true
}

// mkTime builds a UTC time, rejecting out-of-range fields rather than
// letting time.Date normalise them (month 13 is a bad time, not January).
// A leap second (:60) is accepted and becomes the next minute's :00.
func mkTime(y, mo, d, h, mi, s, nsec int) (time.Time, bool) {
	if y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return time.Time{}, false
	}
	// The day is checked before the seconds are added: a leap second may
	// roll over to the next day, an invalid day (31 Feb) must not.
	t := time.Date(y, time.Month(mo), d, h, mi, 0, nsec, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t.Add(time.Duration(s) * time.Second), true
}

// cachedTime returns the time parsed for key if it is the same as the last
// one; many consecutive lines share a second.
func (lb *lineBuf) cachedTime(key []byte) (time.Time, bool) {
	if lb.lastTimeLen > 0 && lb.lastTimeLen == len(key) && string(lb.lastTime[:lb.lastTimeLen]) == string(key) {
		return lb.lastTimeVal, true
	}
	return time.Time{}, false
}

func (lb *lineBuf) storeTime(key []byte, t time.Time) {
	if len(key) <= len(lb.lastTime) {
		lb.lastTimeLen = copy(lb.lastTime[:], key)
		lb.lastTimeVal = t
	}
}

// parseDateTime parses W3C "2006-01-02" and "15:04:05" fields (UTC).
func (lb *lineBuf) parseDateTime(date, clock []byte) (time.Time, bool) {
	if len(date) != 10 || len(clock) < 8 || len(clock) > 20 {
		return time.Time{}, false
	}
	var key [32]byte
	k := copy(key[:], date)
	k += copy(key[k:], clock)
	if t, ok := lb.cachedTime(key[:k]); ok {
		return t, true
	}
	y, ok1 := digits(date, 4)
	mo, ok2 := digits(date[5:], 2)
	d, ok3 := digits(date[8:], 2)
	h, ok4 := digits(clock, 2)
	mi, ok5 := digits(clock[3:], 2)
	s, ok6 := digits(clock[6:], 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || date[4] != '-' || date[7] != '-' || clock[2] != ':' || clock[5] != ':' {
		return time.Time{}, false
	}
	t, ok := mkTime(y, mo, d, h, mi, s, 0)
	if ok {
		lb.storeTime(key[:k], t)
	}
	return t, ok
}

// parseISO parses ALB "2006-01-02T15:04:05.000000Z".
func (lb *lineBuf) parseISO(v []byte) (time.Time, bool) {
	if len(v) < 20 || len(v) > 35 || v[len(v)-1] != 'Z' {
		return time.Time{}, false
	}
	if t, ok := lb.cachedTime(v); ok {
		return t, true
	}
	y, ok1 := digits(v, 4)
	mo, ok2 := digits(v[5:], 2)
	d, ok3 := digits(v[8:], 2)
	h, ok4 := digits(v[11:], 2)
	mi, ok5 := digits(v[14:], 2)
	s, ok6 := digits(v[17:], 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	nsec := 0
	frac := v[19 : len(v)-1]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) > 10 {
			return time.Time{}, false
		}
		scale := 100000000
		for _, c := range frac[1:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec += int(c-'0') * scale
			scale /= 10
		}
	}
	t, ok := mkTime(y, mo, d, h, mi, s, nsec)
	if ok {
		lb.storeTime(v, t)
	}
	return t, ok
}

// parseCLFTime parses the content of an Apache/nginx time field to UTC:
// "10/Oct/2000:13:55:36 -0700" and the shapes real servers also write: a
// one-digit day, a localized month name (monthNumber), a fraction of a
// second, "+hh:mm", GMT/UTC/UT/Z as zone, or no zone at all, which is read
// as UTC because the line does not say.
func (lb *lineBuf) parseCLFTime(v []byte) (time.Time, bool) {
	if t, ok := lb.cachedTime(v); ok {
		return t, true
	}
	t, ok := parseCLFStamp(v)
	if ok {
		lb.storeTime(v, t)
	}
	return t, ok
}

func parseCLFStamp(v []byte) (time.Time, bool) {
	s1 := bytes.IndexByte(v, '/')
	if s1 < 1 || s1 > 2 {
		return time.Time{}, false
	}
	d, ok := digits(v, s1)
	rest := v[s1+1:]
	s2 := bytes.IndexByte(rest, '/')
	if !ok || s2 < 1 {
		return time.Time{}, false
	}
	mo := monthNumber(rest[:s2])
	rest = rest[s2+1:]
	if mo == 0 || len(rest) < 13 || rest[4] != ':' || rest[7] != ':' || rest[10] != ':' {
		return time.Time{}, false
	}
	y, ok1 := digits(rest, 4)
	h, ok2 := digits(rest[5:], 2)
	mi, ok3 := digits(rest[8:], 2)
	s, ok4 := digits(rest[11:], 2)
	if !(ok1 && ok2 && ok3 && ok4) {
		return time.Time{}, false
	}
	rest = rest[13:]
	nsec := 0
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		k := 1
		for scale := 100000000; k < len(rest) && k <= 9 && '0' <= rest[k] && rest[k] <= '9'; k++ {
			nsec += int(rest[k]-'0') * scale
			scale /= 10
		}
		if k == 1 {
			return time.Time{}, false
		}
		rest = rest[k:]
	}
	off, ok := parseZone(rest)
	if !ok {
		return time.Time{}, false
	}
	t, ok := mkTime(y, mo, d, h, mi, s, nsec)
	if !ok {
		return time.Time{}, false
	}
	return t.Add(-off), true
}

// parseZone parses what follows the seconds of a CLF time: nothing (UTC),
// or a space and "+hhmm", "+hh:mm", GMT, UTC, UT or Z.
func parseZone(z []byte) (time.Duration, bool) {
	if len(z) == 0 {
		return 0, true
	}
	if z[0] != ' ' {
		return 0, false
	}
	z = z[1:]
	switch string(z) {
	case "GMT", "UTC", "UT", "Z":
		return 0, true
	}
	if len(z) == 6 && z[3] == ':' {
		z = []byte{z[0], z[1], z[2], z[4], z[5]}
	}
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	zh, ok1 := digits(z[1:], 2)
	zm, ok2 := digits(z[3:], 2)
	if !ok1 || !ok2 || zh > 14 || zm > 59 {
		return 0, false
	}
	off := time.Duration(zh)*time.Hour + time.Duration(zm)*time.Minute
	if z[0] == '-' {
		off = -off
	}
	return off, true
}
