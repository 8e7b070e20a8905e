package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/analysis"
)

// Every string that came from a log line (paths, user agents, the model's
// rationale that quotes them, the uploaded file's name) goes through clean
// before any renderer sees it; each renderer then escapes for its own syntax.

// clean makes s safe to print on a terminal or in an email: what the model
// sanitizer hides (analysis.Filter: control characters, line and paragraph
// separators, invisible and format characters such as bidi overrides,
// zero-width and tag characters, Hangul fillers, variation selectors, and
// combining marks stacked beyond analysis.MaxMarks) is shown as \xNN or
// \uNNNN escapes instead of acting on the display; invalid UTF-8 bytes are
// shown as \xNN. The result is cut to at most limit bytes (limit <= 0: no
// limit), ending in "…" when cut.
func clean(s string, limit int) string {
	if limit > 0 && len(s) > limit+16 {
		// Escaping never shortens text, so the first limit+16 bytes are
		// enough to fill limit and show that it was cut.
		s = s[:limit+16]
	}
	if isClean(s) {
		return cut(s, limit)
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	var f analysis.Filter
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case f.Hides(r):
			if r < 0x100 {
				b.WriteString(`\x`)
				b.WriteString(hex2(byte(r)))
			} else {
				q := strconv.QuoteRuneToASCII(r) // '\u202e'
				b.WriteString(q[1 : len(q)-1])
			}
		default:
			b.WriteRune(r)
		}
		i += size
		if limit > 0 && b.Len() > limit+8 {
			break
		}
	}
	return cut(b.String(), limit)
}

func isClean(s string) bool {
	var f analysis.Filter
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			f.Hides(rune(c)) // ends a run of combining marks
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || f.Hides(r) {
			return false
		}
		i += size
	}
	return true
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// cut shortens s to at most limit bytes on a rune boundary, marking the cut.
func cut(s string, limit int) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	const ell = "…"
	n := max(limit-len(ell), 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + ell
}

// mdText escapes text for Markdown prose: the characters that start
// links, images, HTML, emphasis, code, tables, headings and math are
// backslash-escaped, and URLs, host names and e-mail addresses are defanged
// (defang) so that no linkifier turns them into links.
func mdText(s string) string {
	s = clean(s, 0)
	s = defang(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte("\\`*_{}[]()#!|<>~&$", c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// defang breaks what Markdown linkifiers (GFM's autolinks, markdown-it's
// linkify in VS Code's preview) and mail clients turn into links: a scheme's
// "://", "www." in any case, user@host, and a host name's dot before a
// top-level domain: "https[:]//evil[.]co/x", "Www[.]x", "a[@]b[.]org".
func defang(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			b.WriteString("[@]")
		case c == ':' && strings.HasPrefix(s[i:], "://"):
			b.WriteString("[:]")
		case c == '.' && hostDot(s, i):
			b.WriteString("[.]")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// topLevel are the generic top-level domains markdown-it's linkify (through
// linkify-it) links without a scheme, with a few common newer ones; it links
// every two-letter country domain too.
var topLevel = map[string]bool{
	"biz": true, "com": true, "edu": true, "gov": true, "net": true, "org": true, "pro": true, "web": true, "xxx": true,
	"aero": true, "asia": true, "coop": true, "info": true, "museum": true, "name": true, "shop": true,
	"app": true, "dev": true, "xyz": true, "top": true, "site": true, "online": true, "cloud": true, "zip": true, "mov": true,
}

// hostDot reports whether the dot at s[i] makes a linkifier see a host name:
// it ends a word "www" (any case), or it stands between a letter or digit and
// a top-level domain that ends its label.
func hostDot(s string, i int) bool {
	if i == 0 || !isAlnum(s[i-1]) {
		return false
	}
	if i >= 3 && strings.EqualFold(s[i-3:i], "www") && (i == 3 || !isAlnum(s[i-4])) {
		return true
	}
	j := i + 1
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	if j < len(s) && (isAlnum(s[j]) || s[j] == '-' || s[j] >= utf8.RuneSelf) {
		return false // the label goes on: not a top-level domain
	}
	label := strings.ToLower(s[i+1 : j])
	return len(label) == 2 || topLevel[label]
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' }

// mdCode writes s as a Markdown code span, whose content Markdown
// does not interpret (no links, images, HTML or emphasis). The fence is one
// backtick longer than the longest run inside; a space pads content that
// starts or ends with a backtick. '|' is escaped so a span cannot split a
// table cell.
func mdCode(s string) string {
	s = clean(s, 0)
	if s == "" {
		return "` `"
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	pad := ""
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' || s[len(s)-1] == ' ' {
		pad = " "
	}
	return fence + pad + strings.ReplaceAll(s, "|", `\|`) + pad + fence
}

// safeFileName is the last element of a path or S3 key, reduced to
// [A-Za-z0-9._-] and at most limit bytes, for subjects and headings.
func safeFileName(name string, limit int) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < utf8.RuneSelf && (r == '.' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() > limit+8 {
			break
		}
	}
	s := strings.Trim(b.String(), "._-")
	if s == "" {
		s = "log"
	}
	if len(s) > limit {
		s = s[:max(limit-3, 1)] + "..."
	}
	return s
}
