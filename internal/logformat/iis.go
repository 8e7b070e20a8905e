package logformat

import "bytes"

// IIS writes a space inside a value as '+', except in two fields: the user
// name (an account may be called "JOE BLOGGS", and IIS does not quote it)
// and, in some versions, a quoted cookie. Both are written by the client, so
// a row with more fields than #Fields names is realigned only where that is
// certain: columns before the first such field stay, columns after the last
// move by all the extra fields, and columns between the two (c-ip among
// them, in the order IIS 6 logs) move by what the user name took, which
// must leave exactly one address in the c-ip column and a quoted cookie;
// otherwise the row is rejected. No quote is honoured anywhere else, so
// fields never merge and a row never has fewer fields than it should.

// iisShift says how far the columns after each field holding raw spaces
// moved. The zero value moves nothing.
type iisShift struct {
	n     int
	after [2]int // the column of the field holding spaces
	by    [2]int // how far the columns after it moved, in total
}

func (s *iisShift) at(i int) int {
	d := 0
	for k := range s.n {
		if i > s.after[k] {
			d = s.by[k]
		}
	}
	return d
}

// resolveIISShift realigns a row of n > p.cols.n fields, or returns the
// reason to reject it.
func (p *w3cParser) resolveIISShift(lb *lineBuf, n int) (iisShift, string) {
	c := &p.cols
	extra := n - c.n
	a, b := c.user, c.cookie
	if a < 0 || (b >= 0 && b < a) {
		a, b = b, a
	}
	switch {
	case a < 0 && b < 0:
		return iisShift{}, ReasonFieldCount
	case a < 0:
		return iisShift{n: 1, after: [2]int{b}, by: [2]int{extra}}, ""
	case b < 0:
		return iisShift{n: 1, after: [2]int{a}, by: [2]int{extra}}, ""
	case c.ip < a || c.ip > b:
		// both fields on one side of c-ip: the columns between them
		// cannot be placed
		return iisShift{}, ReasonFieldCount
	}
	found := -1
	for u := 0; u <= extra; u++ {
		if !isClientAddr(lb.bytes(p.spans[c.ip+u])) {
			continue
		}
		if grown := extra - u; grown > 0 {
			// the cookie spans fields b+u .. b+extra and is quoted
			first, last := lb.bytes(p.spans[b+u]), lb.bytes(p.spans[b+extra])
			if !bytes.HasPrefix(first, []byte{'"'}) || !bytes.HasSuffix(last, []byte{'"'}) {
				continue
			}
		}
		if found >= 0 {
			return iisShift{}, ReasonBadClientIP // two readings: do not guess
		}
		found = u
	}
	if found < 0 {
		return iisShift{}, ReasonBadClientIP
	}
	return iisShift{n: 2, after: [2]int{a, b}, by: [2]int{found, extra}}, ""
}

// plusToSpace turns the '+' IIS writes for a space back into one.
func (lb *lineBuf) plusToSpace(sp span) span {
	v := lb.b[sp.i:sp.j]
	if bytes.IndexByte(v, '+') < 0 {
		return sp
	}
	i := len(lb.b)
	for _, c := range v {
		if c == '+' {
			c = ' '
		}
		lb.b = append(lb.b, c)
	}
	return span{i, len(lb.b)}
}
