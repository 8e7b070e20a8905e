package detect

import "strings"

// The checks that confirm a keyword the automaton found. Each is a regular
// expression, written by hand so that its cost is linear in the field
// whatever the field holds (Go's regexp runs at 1-5 MB/s on fields made of
// the expressions' keywords, and slower with every extra match). Each one
// matches exactly what its expression matches over the whole normalised
// field: confirm_ref_test.go holds the expressions and checks that (a
// table, random fields built from the expressions' own pieces, and a fuzz
// target). The engine runs a check at most once per field.
//
// How the cost is bounded, for all of them: a check looks for the places
// where its expression can start (a keyword or punctuation, found with
// strings.Index), and from each it reads a fixed number of bytes plus runs
// of one character class (blanks, digits, a word). A run ends at the first
// byte outside the class, and the byte that starts the next place is outside
// it, so the runs read from different places do not overlap and each byte is
// read a small number of times. Where an expression allows one place's run
// to reach far into others' (an SQL comment may hold a keyword, a URL may
// run to the next '&'), the check remembers the run it read last, or
// follows every place at once in one pass (unionSelect); each says so.
var (
	checkUnionSelect  = &check{"union select", unionSelect}
	checkSelectFrom   = &check{"select from", selectFrom}
	checkSQLTaut      = &check{"quote tautology", sqlTautology}
	checkSQLSleep     = &check{"sleep in an expression", sqlSleep}
	checkSQLStacked   = &check{"stacked query", sqlStacked}
	checkSQLBoolean   = &check{"boolean test", sqlBoolean}
	checkEventHandler = &check{"event handler", eventHandler}
	checkJNDI         = &check{"jndi lookup", confirmJNDI}
	checkShell        = &check{"shell command", shellCommand}
	checkLoopbackURL  = &check{"loopback url", loopbackURL}
	checkRFI          = &check{"remote include", remoteInclude}
	checkCRLF         = &check{"header after a line break", crlfHeader}
	checkNotVoid      = &check{"not javascript:void", func(s string) bool { return !strings.Contains(s, "javascript:void") }}
	checkPHPName      = &check{"php file name", func(s string) bool {
		return strings.HasSuffix(s, ".php") || strings.HasSuffix(s, ".phtml")
	}}
)

// byteClass is a character class of the expressions, for the ASCII bytes
// it holds. A byte of 0x80 or more is in none: the classes that hold a
// non-ASCII rune say so where they are used.
type byteClass [256]bool

func newClass(chars string) *byteClass {
	var c byteClass
	for i := 0; i < len(chars); i++ {
		c[chars[i]] = true
	}
	return &c
}

func rangeClass(extra string, ranges ...[2]byte) *byteClass {
	c := newClass(extra)
	for _, r := range ranges {
		for b := int(r[0]); b <= int(r[1]); b++ {
			c[b] = true
		}
	}
	return c
}

// span returns the end of the run of c's bytes that starts at i.
func (c *byteClass) span(s string, i int) int {
	for i < len(s) && c[s[i]] {
		i++
	}
	return i
}

// spanBack returns the start of the run of c's bytes that ends at i.
func (c *byteClass) spanBack(s string, i int) int {
	for i > 0 && c[s[i-1]] {
		i--
	}
	return i
}

// has reports whether the byte at i is in c (false past the end).
func (c *byteClass) has(s string, i int) bool { return i < len(s) && c[s[i]] }

var (
	clSpace  = newClass("\t\n\f\r ")             // \s
	clBlank  = newClass("\t\n\f\r \v/*")         // [\s\v/*]
	clDigit  = rangeClass("", [2]byte{'0', '9'}) // \d
	clWord   = rangeClass("_", [2]byte{'0', '9'}, [2]byte{'a', 'z'}, [2]byte{'A', 'Z'})
	clLower  = rangeClass("", [2]byte{'a', 'z'})
	clLowNum = rangeClass("_", [2]byte{'0', '9'}, [2]byte{'a', 'z'}) // [a-z0-9_]
)

// at reports whether lit is at s[i:].
func at(s string, i int, lit string) bool { return i <= len(s) && strings.HasPrefix(s[i:], lit) }

// atAny returns the length of the first of lits at s[i:], or -1.
func atAny(s string, i int, lits ...string) int {
	for _, l := range lits {
		if at(s, i, l) {
			return len(l)
		}
	}
	return -1
}

// notIn reports whether the rune at i exists and is outside c, for a
// negated class of ASCII bytes ([^0-9.a-z_]): any non-ASCII rune is
// outside it.
func notIn(c *byteClass, s string, i int) bool { return i < len(s) && !c[s[i]] }

// nonWordBefore reports whether the rune before i is not in c (or there is
// none), for (?:^|[^...]) and \b before a word.
func nonWordBefore(c *byteClass, s string, i int) bool { return i == 0 || !c[s[i-1]] }
