package report

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every string that came from a log line (paths, user agents, the model's
// rationale that quotes them, the uploaded file's name) goes through clean
// before any renderer sees it; each renderer then escapes for its own syntax.

// clean makes s safe to print on a terminal or in an email: control characters
// (C0, DEL, C1), line and paragraph separators, and invisible format
// characters (bidi overrides and isolates, zero-width characters, BOM, tag
// characters) are shown as \xNN or \uNNNN escapes instead of acting on the
// display; invalid UTF-8 bytes are shown as \xNN. The result is cut to at most
// limit bytes (limit <= 0: no limit), ending in "…" when cut.
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
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case needsEscape(r):
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
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || needsEscape(r) {
			return false
		}
		i += size
	}
	return true
}

func needsEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
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
// backslash-escaped, and URLs and e-mail addresses are defanged (scheme[:]//,
// www[.], [@]) so that GFM's autolinking cannot turn them into links.
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

// defang breaks the patterns GFM autolinks: scheme://, www. and user@host.
func defang(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(strings.ToLower(s), "www.") && !strings.Contains(s, "@") {
		return s
	}
	r := strings.NewReplacer("://", "[:]//", "www.", "www[.]", "WWW.", "WWW[.]", "@", "[@]")
	return r.Replace(s)
}

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
