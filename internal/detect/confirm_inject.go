package detect

import "strings"

// The injection checks (rules_injection.go) and the Log4Shell lookup
// check. As in confirm_sql.go, each comment gives the expression the check
// implements, and confirm_ref_test.go checks that both agree.

var (
	clShellTerm = newClass("\t\n\f\r +;|`)&<>") // [\s+;|`)&<>]
	clLowUnder  = rangeClass("_", [2]byte{'a', 'z'})
	clShellArg  = newClass(`-/~.$'"`)
	clScheme    = rangeClass("+.-", [2]byte{'a', 'z'}, [2]byte{'0', '9'})
	clUserStop  = newClass("/?#&@")
	clHostEnd   = newClass(":/?#&")
	clHexX      = rangeClass("x.", [2]byte{'0', '9'}, [2]byte{'a', 'f'})
	clOctX      = rangeClass("x", [2]byte{'0', '7'})
	clZero      = newClass("0")
	clZeroColon = newClass("0:")
	clDigitDot  = rangeClass(".", [2]byte{'0', '9'})
	clHexColon  = rangeClass(":", [2]byte{'0', '9'}, [2]byte{'a', 'f'})
	clRFIName   = rangeClass("_[]-", [2]byte{'a', 'z'}, [2]byte{'0', '9'})
	clRFIOpen   = newClass("?&;")
	clTabSpace  = newClass("\t ")
	clLowDash   = rangeClass("-", [2]byte{'a', 'z'})
	clCRLFFirst = newClass("slcrhxa") // the header names' first letters
)

// shellCommand matches either of
//
//	(?:[;|`]|\$\(|&&)\s*(?:wget|curl|chmod|bash|sh|busybox|ncat|nc|tftp|nslookup|powershell|python[23]?|perl|
//	whoami|uname|ifconfig|netstat|sleep\s+\d|ping\s+-[cn])(?:[\s+;|`)&<>]|$)
//	(?:(?:^|[^a-z_])M\s*(?:id|cat|echo|ls|cd|rm|pwd|ping|sleep|uname)(?:[\s+;|`)&<>]|$))|(?:M\s*(?:cat|ls|cd|rm|echo|head|tail)\s+[-/~.$'"])
//
// (M the same metacharacters) from each metacharacter: a run of spaces and
// a command name, each read from one place.
func shellCommand(s string) bool {
	for i := 0; ; i++ {
		k := strings.IndexAny(s[i:], ";|`$&")
		if k < 0 {
			return false
		}
		i += k
		n := 1
		switch s[i] {
		case '$':
			if !at(s, i+1, "(") {
				continue
			}
			n = 2
		case '&':
			if !at(s, i+1, "&") {
				continue
			}
			n = 2
		}
		if shellAt(s, i, clSpace.span(s, i+n)) {
			return true
		}
	}
}

// shellEnd reports whether the command name ends at i.
func shellEnd(s string, i int) bool { return i == len(s) || clShellTerm[s[i]] }

// A shell command of the expressions, by how it must be followed.
type shellCmd struct {
	name string
	// end: the name and a terminator, after any metacharacter; short: the
	// same, only after a metacharacter that does not follow a letter; arg:
	// the name, spaces and what starts an argument; digit and flag: sleep N
	// and ping -c/-n (then a terminator).
	end, short, arg, digit, flag bool
}

// shellCmds holds the commands by their first byte, so that a
// metacharacter costs one lookup and the few names of that letter.
var shellCmds = func() (t [256][]shellCmd) {
	add := func(c shellCmd) { t[c.name[0]] = append(t[c.name[0]], c) }
	for _, n := range []string{"wget", "curl", "chmod", "bash", "sh", "busybox", "ncat", "nc", "tftp", "nslookup",
		"powershell", "perl", "whoami", "uname", "ifconfig", "netstat", "python", "python2", "python3"} {
		add(shellCmd{name: n, end: true})
	}
	for _, n := range []string{"id", "cat", "echo", "ls", "cd", "rm", "pwd", "ping", "sleep", "uname"} {
		add(shellCmd{name: n, short: true})
	}
	for _, n := range []string{"cat", "ls", "cd", "rm", "echo", "head", "tail"} {
		add(shellCmd{name: n, arg: true})
	}
	add(shellCmd{name: "sleep", digit: true})
	add(shellCmd{name: "ping", flag: true})
	return t
}()

// shellAt reports whether a command follows the metacharacter at m, at p.
func shellAt(s string, m, p int) bool {
	if p >= len(s) {
		return false
	}
	for _, c := range shellCmds[s[p]] {
		if !at(s, p, c.name) {
			continue
		}
		e := p + len(c.name)
		switch {
		case c.end && shellEnd(s, e), c.short && shellEnd(s, e) && nonWordBefore(clLowUnder, s, m):
			return true
		case c.arg:
			if q := clSpace.span(s, e); q > e && clShellArg.has(s, q) {
				return true
			}
		case c.digit:
			if q := clSpace.span(s, e); q > e && clDigit.has(s, q) && shellEnd(s, q+1) {
				return true
			}
		case c.flag:
			if q := clSpace.span(s, e); q > e && (at(s, q, "-c") || at(s, q, "-n")) && shellEnd(s, q+2) {
				return true
			}
		}
	}
	return false
}

// loopbackURL reports whether a parameter's value is a URL to a loopback
// host, OAuth's redirect_uri excepted: a match of
//
//	([a-z0-9_.\[\]-]*)=(?:[a-z][a-z0-9+.-]*:)?//(?:[^/?#&@]*@)?(?:localhost|127(?:\.\d{1,3}){0,3}|0x7f[0-9a-fx.]*|
//	0177(?:\.[0-7x]+)*|21[34]\d{7}|0+(?:\.0+){0,3}|\[(?:[0:]*:0*1|::|[0:]*:ffff:(?:127\.[0-9.]+|7f[0-9a-f:]*))\])(?:[:/?#&]|$)
//
// whose name does not end in redirect_uri. No '=' falls inside another's
// match (the scheme, user and host parts hold none that a "//" can follow),
// so every match is an '=' with its whole name before it. From each '=':
// the scheme, the user part up to its '@' (user parts of different '=' do
// not overlap: they hold no '/'), and the host's few forms.
func loopbackURL(s string) bool {
	return eachIndex(s, "=", func(e int) bool {
		if e >= len("redirect_uri") && s[e-len("redirect_uri"):e] == "redirect_uri" {
			return false
		}
		h := e + 1
		switch {
		case at(s, h, "//"):
			h += 2
		case clLower.has(s, h):
			q := clScheme.span(s, h+1)
			if !at(s, q, "://") {
				return false
			}
			h = q + 3
		default:
			return false
		}
		u := h
		for u < len(s) && !clUserStop[s[u]] {
			u++
		}
		return (at(s, u, "@") && loopbackHost(s, u+1)) || loopbackHost(s, h)
	})
}

// hostEnd reports whether a host ends at i.
func hostEnd(s string, i int) bool { return i == len(s) || clHostEnd[s[i]] }

func loopbackHost(s string, h int) bool {
	switch {
	case at(s, h, "localhost"):
		return hostEnd(s, h+9)
	case at(s, h, "127"):
		// (?:\.\d{1,3}){0,3}: a group of more than 3 digits leaves a digit,
		// which neither ends the host nor starts a group.
		p := h + 3
		for g := 0; ; g++ {
			if hostEnd(s, p) {
				return true
			}
			d := clDigit.span(s, p+1)
			if g == 3 || !at(s, p, ".") || d == p+1 || d-p-1 > 3 {
				break
			}
			p = d
		}
	case at(s, h, "0x7f"):
		if hostEnd(s, clHexX.span(s, h+4)) {
			return true
		}
	case at(s, h, "0177"):
		p := h + 4
		for at(s, p, ".") && clOctX.has(s, p+1) {
			p = clOctX.span(s, p+1)
		}
		if hostEnd(s, p) {
			return true
		}
	}
	if at(s, h, "21") && (at(s, h+2, "3") || at(s, h+2, "4")) && clDigit.span(s, h+3) >= h+10 && hostEnd(s, h+10) {
		return true
	}
	if at(s, h, "0") {
		p := clZero.span(s, h)
		for g := 0; ; g++ {
			if hostEnd(s, p) {
				return true
			}
			if g == 3 || !at(s, p, ".0") {
				break
			}
			p = clZero.span(s, p+1)
		}
	}
	if at(s, h, "[") {
		return loopbackBracket(s, h+1)
	}
	return false
}

// loopbackBracket matches (?:[0:]*:0*1|::|[0:]*:ffff:(?:127\.[0-9.]+|7f[0-9a-f:]*))\] and the host's end at p.
func loopbackBracket(s string, p int) bool {
	q := clZeroColon.span(s, p)
	// [0:]*:0*1 is a run of '0' and ':' holding a ':', then 1.
	if at(s, q, "1]") && strings.IndexByte(s[p:q], ':') >= 0 && hostEnd(s, q+2) {
		return true
	}
	if at(s, p, "::]") && hostEnd(s, p+3) {
		return true
	}
	// :ffff: starts at the run's last ':' ('f' ends the run).
	if q > p && s[q-1] == ':' && at(s, q, "ffff:") {
		r := q + 5
		if at(s, r, "127.") {
			if t := clDigitDot.span(s, r+4); t > r+4 && at(s, t, "]") && hostEnd(s, t+1) {
				return true
			}
		}
		if at(s, r, "7f") {
			if t := clHexColon.span(s, r+2); at(s, t, "]") && hostEnd(s, t+1) {
				return true
			}
		}
	}
	return false
}

// rfiParams are the parameter names that take a file or template to
// include. Not url=, next= or redirect=: those take links.
var rfiParams = [...]string{"file", "filename", "page", "include", "inc", "incl", "require", "template", "tpl",
	"path", "filepath", "doc", "document", "folder", "dir", "root", "style", "layout", "mod", "module", "conf", "config",
	"lang", "language", "view", "load", "read", "show", "content", "skin", "theme", "pg"}

// remoteInclude matches either of
//
//	(?:^|[?&;])[a-z0-9_\[\]-]*?(?:file|filename|page|...|pg)(?:\[\])?=(?:(?:https?|ftps?|smb):)?//
//	=(?:https?|ftp)://[^&]*(?:\?$|\?&|\?\?|\.txt\?)
//
// from each '='. The second's [^&]* runs to the next '&' and may hold
// other '=', so the scan of that stretch is remembered (rfiMemo).
func remoteInclude(s string) bool {
	var m rfiMemo
	return eachIndex(s, "=", func(e int) bool { return rfiParamAt(s, e) || m.suffixAt(s, e) })
}

func rfiParamAt(s string, e int) bool {
	p := e + 1
	if n := atAny(s, p, "https:", "http:", "ftps:", "ftp:", "smb:"); n > 0 && at(s, p+n, "//") {
		p += n
	}
	if !at(s, p, "//") {
		return false
	}
	n0 := clRFIName.spanBack(s, e)
	if n0 == e || !(n0 == 0 || clRFIOpen[s[n0-1]]) {
		return false
	}
	name := s[n0:e]
	return rfiParam(name) || (strings.HasSuffix(name, "[]") && rfiParam(name[:len(name)-2]))
}

// rfiParam reports whether a parameter name ends in one of rfiParams.
func rfiParam(name string) bool {
	for _, p := range rfiParams {
		if strings.HasSuffix(name, p) {
			return true
		}
	}
	return false
}

// rfiMemo remembers the stretch up to the next '&' that the last suffix
// check read: where in it the last "??" and ".txt?" start.
type rfiMemo struct {
	lo, x           int // the stretch [lo, x), x the '&' or the end
	lastDQ, lastTxt int
}

func (m *rfiMemo) suffixAt(s string, e int) bool {
	n := atAny(s, e+1, "http://", "https://", "ftp://")
	if n < 0 {
		return false
	}
	a := e + 1 + n
	if !(m.x > 0 && m.lo <= a && a <= m.x) {
		x := a + strings.IndexByte(s[a:], '&')
		if x < a {
			x = len(s)
		}
		m.lo, m.x = a, x
		m.lastDQ, m.lastTxt = strings.LastIndex(s[a:x], "??"), strings.LastIndex(s[a:x], ".txt?")
		if m.lastDQ >= 0 {
			m.lastDQ += a
		}
		if m.lastTxt >= 0 {
			m.lastTxt += a
		}
	}
	// "??" or ".txt?" inside, or a '?' just before the '&' or the end.
	return m.lastDQ >= a || m.lastTxt >= a || (m.x-1 >= a && s[m.x-1] == '?')
}

// crlfHeader matches
//
//	\r?\n[\t ]*(?:set-cookie|location|content-(?:type|length|security-policy|disposition)|x-[a-z-]+|refresh|
//	access-control-[a-z-]+|cache-control|link|host)[\t ]*:|\r?\nhttp/1\.[01] \d|\r?\n\r?\n[\t ]*<
//
// from each line break: runs of tabs and spaces and a header name.
func crlfHeader(s string) bool {
	return eachIndex(s, "\n", func(i int) bool {
		p := clTabSpace.span(s, i+1)
		q := -1
		if p >= len(s) || !clCRLFFirst[s[p]] {
			// No header name starts here; only the two other forms can.
		} else if n := atAny(s, p, "set-cookie", "location", "content-type", "content-length", "content-security-policy",
			"content-disposition", "refresh", "cache-control", "link", "host"); n > 0 {
			q = p + n
		} else if n := atAny(s, p, "x-", "access-control-"); n > 0 {
			if e := clLowDash.span(s, p+n); e > p+n {
				q = e
			}
		}
		if q >= 0 && at(s, clTabSpace.span(s, q), ":") {
			return true
		}
		if at(s, i+1, "http/1.") && (at(s, i+8, "0 ") || at(s, i+8, "1 ")) && clDigit.has(s, i+10) {
			return true
		}
		j := i + 1
		if at(s, j, "\r") {
			j++
		}
		return at(s, j, "\n") && at(s, clTabSpace.span(s, j+1), "<")
	})
}

// confirmJNDI reports whether a field holds a JNDI lookup, hidden in
// nested lookups or not: "${jndi:", or, after each of up to 6 rounds that
// replace the innermost lookups ${...:-x} by x and then ${lower:x},
// ${upper:x}, ${date:'x'} by x (the expressions
// \$\{[^${}]*?:-([^${}]*)\} and \$\{(?:lower|upper|date):'?([^${}']*)'?\},
// replaced all over the field), "${jndi:" or "jndi:" and a protocol. A
// round reads the field once; rounds stop when one replaces nothing.
func confirmJNDI(s string) bool {
	if strings.Contains(s, "${jndi:") {
		return true
	}
	var bufs [2][]byte
	cur := -1 // which buffer s is in, -1 for the field itself
	next := func() int {
		if cur == 0 {
			return 1
		}
		return 0
	}
	for range 6 {
		changed := false
		for pass := range 2 {
			o := next()
			var t string
			var ch bool
			if pass == 0 {
				bufs[o], t, ch = replaceDefaults(bufs[o][:0], s)
			} else {
				bufs[o], t, ch = replaceCases(bufs[o][:0], s)
			}
			if ch {
				s, cur, changed = t, o, true
			}
		}
		if jndiIn(s) {
			return true
		}
		if !changed {
			return false
		}
	}
	return false
}

// jndiIn reports whether s holds "${jndi:" or "jndi:" and one of the
// protocols.
func jndiIn(s string) bool {
	return eachIndex(s, "jndi:", func(k int) bool {
		return (k >= 2 && s[k-2:k] == "${") || atAny(s, k+5, "ldap", "rmi", "dns", "iiop", "http", "nis", "corba") >= 0
	})
}

// replaceDefaults replaces every ${...:-x} that holds no '$', '{' or '}'
// by x (the text after the first ":-").
func replaceDefaults(dst []byte, s string) ([]byte, string, bool) {
	return replaceLookups(dst, s, func(c string) (string, bool) {
		if d := strings.Index(c, ":-"); d >= 0 {
			return c[d+2:], true
		}
		return "", false
	})
}

// replaceCases replaces every ${lower:x}, ${upper:x} and ${date:x} (x
// optionally quoted, holding no '$', '{', '}' or quote) by x.
func replaceCases(dst []byte, s string) ([]byte, string, bool) {
	return replaceLookups(dst, s, func(c string) (string, bool) {
		n := atAny(c, 0, "lower:", "upper:", "date:")
		if n < 0 {
			return "", false
		}
		x := strings.TrimPrefix(c[n:], "'")
		switch q := strings.IndexByte(x, '\''); q {
		case -1:
			return x, true
		case len(x) - 1:
			return x[:q], true
		}
		return "", false
	})
}

// replaceLookups replaces the innermost lookups ("${", text without '$',
// '{' or '}', "}") whose text value accepts, as ReplaceAllString does with
// the two expressions (they match only such lookups, which never overlap).
// It finds them from their '}', reading back to the '$', '{' or '}' before:
// the text read for different '}' does not overlap. It writes into dst
// when anything changes.
func replaceLookups(dst []byte, s string, value func(text string) (string, bool)) ([]byte, string, bool) {
	done := 0
	for i := 0; ; {
		k := strings.IndexByte(s[i:], '}')
		if k < 0 {
			break
		}
		j := i + k
		st := j
		for st > i && s[st-1] != '$' && s[st-1] != '{' && s[st-1] != '}' {
			st--
		}
		if st >= 2 && s[st-1] == '{' && s[st-2] == '$' {
			if v, ok := value(s[st:j]); ok {
				dst = append(dst, s[done:st-2]...)
				dst = append(dst, v...)
				done = j + 1
			}
		}
		i = j + 1
	}
	if done == 0 {
		return dst, s, false
	}
	dst = append(dst, s[done:]...)
	return dst, str(dst), true
}
