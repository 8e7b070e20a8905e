package analysis

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes an attacker-controlled string safe to show to a model or a
// person: invalid UTF-8 becomes U+FFFD, control characters (C0, C1, DEL) and
// invisible or format characters (zero-width, bidi overrides and isolates, BOM,
// tag characters) are removed, and the result is cut to at most limit bytes on a
// rune boundary, ending with a marker that says how many bytes were cut.
// limit <= 0 means no limit.
func Sanitize(s string, limit int) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || sanitizeDrop(r) {
			clean = false
			break
		}
		i += size
	}
	out := s
	if !clean {
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
				continue
			}
			if !sanitizeDrop(r) {
				b.WriteRune(r)
			}
		}
		out = b.String()
	}
	if limit <= 0 || len(out) <= limit {
		return out
	}
	// The marker counts against the limit, so the result fits in limit bytes
	// whenever limit can hold a marker at all. cut strictly decreases, so the
	// loop ends.
	cut := limit
	for {
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		m := sanitizeMarker(len(out) - cut)
		if cut+len(m) <= limit || cut == 0 {
			return out[:cut] + m
		}
		cut = max(0, limit-len(m))
	}
}

func sanitizeMarker(n int) string { return "…[+" + strconv.Itoa(n) + " bytes]" }

// sanitizeDrop reports whether r is a control or invisible character.
func sanitizeDrop(r rune) bool {
	switch {
	case r < 0x20 || (r >= 0x7f && r <= 0x9f): // C0, DEL, C1
		return true
	case r >= 0x200b && r <= 0x200f: // zero-width space/joiners, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2060 && r <= 0x206f: // word joiner, invisible operators, bidi isolates
		return true
	case r == 0xfeff, r == 0x00ad, r == 0x034f, r == 0x061c, r == 0x180e:
		return true
	case r >= 0xe0000 && r <= 0xe007f: // tag characters
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation
		return true
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0: // Hangul fillers, rendered blank
		return true
	case r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef: // variation selectors, used to smuggle text
		return true
	}
	// Format characters, and line/paragraph separators that would start a
	// fake line in a text report.
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
