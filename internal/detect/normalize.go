package detect

// normalize writes the form the rules match on into buf: lowercase, percent
// decoded up to three times (so %252E and %%32%65 become "."), backslashes
// as slashes, and '+' as a space when plus is set (query strings). Invalid
// escapes are kept as they are. It returns s itself and -1 when nothing
// changes, so the common clean path costs one pass and no copy; otherwise the
// text is in the returned buffer and rounds says how many decoding passes
// changed it.
func normalize(buf []byte, s string, plus bool) ([]byte, string, int) {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' || c == '\\' || (c >= 'A' && c <= 'Z') || (plus && c == '+') {
			clean = false
			break
		}
	}
	if clean {
		return buf, s, -1
	}
	buf = buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '\\':
			c = '/'
		case plus && c == '+':
			c = ' '
		}
		buf = append(buf, c)
	}
	rounds := 0
	for range 3 {
		var changed bool
		buf, changed = unescapeInPlace(buf)
		if !changed {
			break
		}
		rounds++
	}
	return buf, "", rounds
}

// unescapeInPlace decodes %XX escapes (lowercasing and turning backslashes
// into slashes as it goes) and reports whether it changed anything.
func unescapeInPlace(b []byte) ([]byte, bool) {
	w := 0
	changed := false
	for r := 0; r < len(b); r++ {
		c := b[r]
		if c == '%' && r+2 < len(b) {
			h, ok1 := unhex(b[r+1])
			l, ok2 := unhex(b[r+2])
			if ok1 && ok2 {
				c = h<<4 | l
				r += 2
				changed = true
				switch {
				case c >= 'A' && c <= 'Z':
					c += 'a' - 'A'
				case c == '\\':
					c = '/'
				}
			}
		}
		b[w] = c
		w++
	}
	return b[:w], changed
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
