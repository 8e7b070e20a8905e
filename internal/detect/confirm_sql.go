package detect

import (
	"strings"
	"unicode/utf8"
)

// The SQL injection checks (rules_payload.go). Each comment gives the
// expression the check implements; confirm_ref_test.go holds them as Go
// regular expressions and checks that both agree.

var (
	clSQLGap    = newClass("\t\n\f\r \v/*+()")  // sqlGap's single characters
	clSelOpen   = newClass(`'"();`)             // what opens a subquery
	clSelA      = newClass("\t\n\f\r \v/*+(")   // [\s\v/*+(]
	clSelB      = newClass("\t\n\f\r \v/*)'\"") // [\s\v/*)'"]
	clQuote     = newClass(`'"`)
	clTautOpen  = newClass(`'")`)
	clTautSep   = newClass("\t\n\f\r \v/*(") // [\s\v/*(]
	clBlankPlus = newClass("\t\n\f\r \v/*+") // [\s\v/*+]
	clSleepPre  = newClass(`'"(),=*`)        // what may precede sleep(
	clBoolTail  = newClass("\t\n\f\r \v/*)") // [\s\v/*)]
	clBoolEnd   = rangeClass("._", [2]byte{'0', '9'}, [2]byte{'a', 'z'})
	clEventPre  = newClass("\t\n\f\r /\"'<+;") // [\s/"'<+;]
)

// unionSelect matches
//
//	union G* (?:(?:all|distinct) G+)? select[\s\v/*+(\x{fffd}]
//
// where G, sqlmap's gaps, is a blank, parenthesis or plus, U+FFFD (MySQL's
// 0xA0 is not UTF-8), a versioned comment opener /*! with its digits, or a
// # or -- comment of up to 64 runes ended by a line break.
//
// A comment may hold anything, "union" included, so the gaps of different
// unions can overlap and walking from each union could read a field many
// times. Instead one pass follows every union at once, in the states an
// automaton for the expression can be in (gapState, in phase 1 after union
// and phase 2 after all or distinct, and the progress into the keywords):
// O(1) per rune, each rune read once. Where no state is live, it jumps to
// the next "union".
func unionSelect(s string) bool {
	i := strings.Index(s, "union")
	if i < 0 {
		return false
	}
	i += 5
	g1 := gapState{at: true, comment: -1}
	g2 := gapState{comment: -1}
	// Progress into all, distinct and select; q2 is phase 2 before its
	// first gap; term is select read, its terminator next.
	ka, kd, ks := 0, 0, 0
	q2, term := false, false
	for i < len(s) {
		if !g1.live() && !g2.live() && ka == 0 && kd == 0 && ks == 0 && !q2 && !term {
			// No union can have started less than 4 bytes back without
			// having been seen ("union" does not overlap itself).
			j := max(i-4, 0)
			k := strings.Index(s[j:], "union")
			if k < 0 {
				return false
			}
			i = j + k + 5
			g1.at = true
			continue
		}
		c, w, fffd := s[i], 1, false
		if c >= utf8.RuneSelf {
			var r rune
			r, w = utf8.DecodeRuneInString(s[i:])
			fffd = r == utf8.RuneError
		}
		if term && (clSelA[c] || fffd) {
			return true
		}
		n1 := g1.step(g1.at, c, fffd)
		n2 := gapState{comment: -1}
		if q2 || g2.live() {
			n2 = g2.step(q2 || g2.at, c, fffd)
		}
		nka, nkd, nks := 0, 0, 0
		nq2, nterm := false, false
		switch {
		case g1.at && c == 'a':
			nka = 1
		case ka > 0 && c == 'l':
			if nka = ka + 1; nka == 3 {
				nka, nq2 = 0, true
			}
		}
		switch {
		case g1.at && c == 'd':
			nkd = 1
		case kd > 0 && c == "distinct"[kd]:
			if nkd = kd + 1; nkd == len("distinct") {
				nkd, nq2 = 0, true
			}
		}
		switch {
		case (g1.at || g2.at) && c == 's':
			nks = 1
		case ks > 0 && c == "select"[ks]:
			if nks = ks + 1; nks == len("select") {
				nks, nterm = 0, true
			}
		}
		if c == 'n' && i >= 4 && s[i-4:i+1] == "union" {
			n1.at = true
		}
		g1, g2, ka, kd, ks, q2, term = n1, n2, nka, nkd, nks, nq2, nterm
		i += w
	}
	return false
}

// gapState is where the threads of unionSelect inside the gaps of one
// phase can be, before a rune.
type gapState struct {
	at      bool // at the end of a gap (phase 1: or right after union)
	slash   int8 // 1 after a '/', 2 after "/*", of a /*! opener
	digits  bool // in the version digits of a /*! opener
	dash    bool // after the first '-' of a -- comment
	comment int  // runes of a comment read, fewest over the threads; -1 for none
}

func (g gapState) live() bool { return g.at || g.slash > 0 || g.digits || g.dash || g.comment >= 0 }

// step reads one rune (first byte c; fffd when it is U+FFFD to the
// expression). src says whether a gap may start before it. Of the threads
// inside comments, the one that has read the fewest runes goes furthest: the
// others are dropped.
func (g gapState) step(src bool, c byte, fffd bool) gapState {
	n := gapState{comment: -1}
	if src {
		n.at = clSQLGap[c] || fffd
		switch c {
		case '/':
			n.slash = 1
		case '#':
			n.comment = 0
		case '-':
			n.dash = true
		}
	}
	switch {
	case g.slash == 1 && c == '*':
		n.slash = 2
	case g.slash == 2 && c == '!':
		n.at, n.digits = true, true
	}
	if g.digits && clDigit[c] {
		n.at, n.digits = true, true
	}
	if g.dash && c == '-' {
		n.comment = 0
	}
	if g.comment >= 0 {
		switch {
		case c == '\n':
			n.at = true
		case g.comment < 64 && n.comment < 0:
			n.comment = g.comment + 1
		}
	}
	return n
}

// selectFrom matches
//
//	['"();][\s\v/*]*\(?[\s\v/*]*select[\s\v/*+(]+.{1,80}?[\s\v/*)'"]+from[\s\v/*+(]
//
// From each "select": back over blanks to the opener, forward over the
// blanks after it; the text between them and from holds at most 80 runes
// (320 bytes), so only a from in that window, or the one that ends a run of
// [\s\v/*)'"] reaching into it, can complete the match. The work per select
// is its runs of blanks (which end at the next select's letters) and one
// window of 320 bytes.
func selectFrom(s string) bool {
	var run runMemo
	for i := 0; ; i += 6 {
		k := strings.Index(s[i:], "select")
		if k < 0 {
			return false
		}
		i += k
		if selectFromAt(s, i, &run) {
			return true
		}
	}
}

func selectFromAt(s string, i int, run *runMemo) bool {
	if j := clBlank.spanBack(s, i); j == 0 || !clSelOpen[s[j-1]] {
		return false
	}
	s0 := i + len("select")
	a := clSelA.span(s, s0)
	if a == s0 {
		return false
	}
	// The match splits the text after select into [\s\v/*+(]+ up to p1,
	// .{1,80}? from p1 to p2 (no line break), and [\s\v/*)'"]+ from p2 to
	// from. p1 = a is the best choice when p2 > a; p2 <= a needs a one-rune
	// middle s[p2-1] that is not a line break.
	end := min(len(s), a+4*80)
	try := func(f, r0 int) bool {
		if !at(s, f, "from") || !clSelA.has(s, f+4) {
			return false
		}
		lo, hi := max(r0, s0+2), f-1
		if lo > hi {
			return false
		}
		for p2 := lo; p2 <= min(hi, a); p2++ {
			if s[p2-1] != '\n' {
				return true
			}
		}
		if hi <= a {
			return false
		}
		p2 := max(lo, a+1)
		seg := s[a:p2]
		return p2 <= end && strings.IndexByte(seg, '\n') < 0 && utf8.RuneCountInString(seg) <= 80
	}
	// Each from at f <= end+1, with the run before it (not before s0+2).
	for x := s0 + 3; x < min(len(s), end+5); {
		k := strings.Index(s[x:min(len(s), end+5)], "from")
		if k < 0 {
			break
		}
		f := x + k
		r0 := f
		for r0 > s0+2 && clSelB[s[r0-1]] {
			r0--
		}
		if try(f, r0) {
			return true
		}
		x = f + 1
	}
	// The from, if any, that ends a run crossing end.
	if end < len(s) && clSelB[s[end]] {
		if f := run.end(clSelB, s, end); f > end+1 {
			r0 := end
			for r0 > s0+2 && clSelB[s[r0-1]] {
				r0--
			}
			return try(f, r0)
		}
	}
	return false
}

// runMemo remembers the last run of a class a check read to its end: a
// later start inside it ends at the same place, so a long run is read once
// however many places reach into it.
type runMemo struct{ lo, hi int }

func (m *runMemo) end(c *byteClass, s string, i int) int {
	if m.hi > 0 && m.lo <= i && i < m.hi {
		return m.hi
	}
	m.lo, m.hi = i, c.span(s, i)
	return m.hi
}

// sqlTautology matches
//
//	['"\)][\s\v/*]*(or|and)[\s\v/*(]+['"]?\w*['"]?[\s\v/*]*(=|like|<|>)
//
// from each "or" and "and": back over blanks to the quote, forward over the
// separators, the word and the blanks. Only a keyword that starts its word
// gets past the quote, so each word is read from one place.
func sqlTautology(s string) bool {
	return eachIndex(s, "or", func(k int) bool { return tautologyAt(s, k, k+2) }) ||
		eachIndex(s, "and", func(k int) bool { return tautologyAt(s, k, k+3) })
}

func tautologyAt(s string, k, x0 int) bool {
	if j := clBlank.spanBack(s, k); j == 0 || !clTautOpen[s[j-1]] {
		return false
	}
	x1 := clTautSep.span(s, x0)
	if x1 == x0 {
		return false
	}
	p := x1
	if clQuote.has(s, p) {
		p++
	}
	w := clWord.span(s, p)
	// \w* may stop before "like" inside the word.
	if strings.Contains(s[p:w], "like") {
		return true
	}
	q := w
	if clQuote.has(s, q) {
		q++
	}
	q = clBlank.span(s, q)
	return q < len(s) && (s[q] == '=' || s[q] == '<' || s[q] == '>' || at(s, q, "like"))
}

// eachIndex calls f with each index of lit in s, in order, until f returns
// true; it reports whether one did.
func eachIndex(s, lit string, f func(int) bool) bool {
	for i := 0; ; i++ {
		k := strings.Index(s[i:], lit)
		if k < 0 {
			return false
		}
		i += k
		if f(i) {
			return true
		}
	}
}

// sqlSleep matches
//
//	(?:['"(),=*]|\b(?:and|or|xor|if|select|then|else|waitfor|union))[\s\v/*+]*sleep\([\s\v/*]*\d
//
// from each "sleep(": forward over blanks to the digit, back over
// [\s\v/*+] to what precedes it ('*' inside that run is itself an opener).
func sqlSleep(s string) bool {
	return eachIndex(s, "sleep(", func(i int) bool {
		if !clDigit.has(s, clBlank.span(s, i+6)) {
			return false
		}
		j := clBlankPlus.spanBack(s, i)
		if strings.IndexByte(s[j:i], '*') >= 0 || (j > 0 && clSleepPre[s[j-1]]) {
			return true
		}
		for _, kw := range [...]string{"and", "or", "xor", "if", "select", "then", "else", "waitfor", "union"} {
			if t := j - len(kw); t >= 0 && s[t:j] == kw && nonWordBefore(clWord, s, t) {
				return true
			}
		}
		return false
	})
}

// sqlStacked matches
//
//	;[\s\v/*]*(?:(?:drop|truncate|alter)B+(?:table|database|schema|user)|delete B+from|insert B+into|
//	update B+\S+B+set|shutdown|declare B+@|exec(?:ute)?B+(?:xp_|sp_|master\.))
//
// with B = [\s\v/*], from each ';'. update's \S+ may run far and hold
// other ';', so the run is remembered (stackedMemo).
func sqlStacked(s string) bool {
	var m stackedMemo
	for i := 0; ; i++ {
		k := strings.IndexByte(s[i:], ';')
		if k < 0 {
			return false
		}
		i += k
		if stackedAt(s, clBlank.span(s, i+1), &m) {
			return true
		}
	}
}

// blanksThen reports whether at least one blank follows i and then one of
// lits.
func blanksThen(s string, i int, lits ...string) bool {
	q := clBlank.span(s, i)
	return q > i && atAny(s, q, lits...) >= 0
}

func stackedAt(s string, p int, m *stackedMemo) bool {
	if p >= len(s) {
		return false
	}
	switch s[p] {
	case 'd':
		return (at(s, p, "drop") && blanksThen(s, p+4, "table", "database", "schema", "user")) ||
			(at(s, p, "delete") && blanksThen(s, p+6, "from")) || (at(s, p, "declare") && blanksThen(s, p+7, "@"))
	case 't':
		return at(s, p, "truncate") && blanksThen(s, p+8, "table", "database", "schema", "user")
	case 'a':
		return at(s, p, "alter") && blanksThen(s, p+5, "table", "database", "schema", "user")
	case 'i':
		return at(s, p, "insert") && blanksThen(s, p+6, "into")
	case 's':
		return at(s, p, "shutdown")
	case 'e':
		return at(s, p, "exec") && (blanksThen(s, p+4, "xp_", "sp_", "master.") || (at(s, p+4, "ute") && blanksThen(s, p+7, "xp_", "sp_", "master.")))
	case 'u':
		return at(s, p, "update") && m.update(s, p+6)
	}
	return false
}

// stackedMemo remembers, for the last run of non-space bytes that update's
// \S+ read, the last "set" inside it that follows a blank, and whether one
// follows the blanks after it.
type stackedMemo struct {
	lo, z   int // the run [lo, z) and its end
	lastSet int // the last "set" in [lo, z) after a byte of B, or -1
	setNext bool
}

// update matches B+\S+B+set from u0, just after "update".
func (m *stackedMemo) update(s string, u0 int) bool {
	u1 := clBlank.span(s, u0)
	if u1 == u0 || u1 == len(s) {
		return false
	}
	// \S+ inside the blanks: B's '/', '*' and '\v' are not \s, so a blank
	// run holding one, followed by set, is already B+\S+B+.
	if at(s, u1, "set") {
		for t := u0 + 1; t <= u1-2; t++ {
			if !clSpace[s[t]] {
				return true
			}
		}
	}
	// Otherwise \S+ starts at u1 (not in B, so not \s) and ends at or
	// before z, the next \s: a set after a B byte inside [u1, z), or after
	// the blanks that start at z.
	if !(m.z > 0 && m.lo <= u1 && u1 < m.z) {
		z := u1
		for z < len(s) && !clSpace[s[z]] {
			z++
		}
		m.lo, m.z, m.lastSet = u1, z, -1
		for x := u1; ; {
			k := strings.Index(s[x:z], "set")
			if k < 0 {
				break
			}
			if r := x + k; clBlank[s[r-1]] {
				m.lastSet = r
			}
			x += k + 1
		}
		m.setNext = z < len(s) && at(s, clBlank.span(s, z), "set")
	}
	return m.lastSet >= u1+2 || m.setNext
}

// sqlBoolean matches
//
//	(?:^|[^a-z0-9_])(?:and|or|xor)[\s\v/*+(]+\d+[\s\v/*)]*(?:=|<>|!=|<|>)[\s\v/*(]*\d+(?:[^0-9.a-z_]|$)
//
// from each "and" and "or" ("xor" is an "or"): every part is a run of one
// class that the next part's first byte is outside of.
func sqlBoolean(s string) bool {
	return eachIndex(s, "and", func(k int) bool { return nonWordBefore(clLowNum, s, k) && booleanAt(s, k+3) }) ||
		eachIndex(s, "or", func(k int) bool {
			ok := nonWordBefore(clLowNum, s, k) || (k >= 1 && s[k-1] == 'x' && nonWordBefore(clLowNum, s, k-1))
			return ok && booleanAt(s, k+2)
		})
}

func booleanAt(s string, p int) bool {
	q := clSelA.span(s, p)
	if q == p {
		return false
	}
	d := clDigit.span(s, q)
	if d == q {
		return false
	}
	q = clBoolTail.span(s, d)
	switch {
	case at(s, q, "<>"), at(s, q, "!="):
		q += 2
	case q < len(s) && (s[q] == '=' || s[q] == '<' || s[q] == '>'):
		q++
	default:
		return false
	}
	q = clTautSep.span(s, q)
	d = clDigit.span(s, q)
	return d > q && (d == len(s) || notIn(clBoolEnd, s, d))
}

// eventHandler matches [\s/"'<+;]on[a-z]+\s*= from each "on".
func eventHandler(s string) bool {
	return eachIndex(s, "on", func(k int) bool {
		if k == 0 || !clEventPre[s[k-1]] {
			return false
		}
		e := clLower.span(s, k+2)
		if e == k+2 {
			return false
		}
		q := clSpace.span(s, e)
		return q < len(s) && s[q] == '='
	})
}
