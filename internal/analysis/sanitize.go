package analysis

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes an attacker-controlled string safe to show to a model or a
// person: invalid UTF-8 becomes U+FFFD, what a Filter hides (control and
// invisible characters, combining marks stacked on one character) is removed,
// and the result is cut to at most limit bytes on a rune boundary, ending with
// a marker that says how many bytes were cut. limit <= 0 means no limit.
func Sanitize(s string, limit int) string {
	clean := true
	var f Filter
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || f.Hides(r) {
			clean = false
			break
		}
		i += size
	}
	out := s
	if !clean {
		var b strings.Builder
		b.Grow(len(s))
		var f Filter
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
				continue
			}
			if !f.Hides(r) {
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

// MaxMarks is how many combining marks one character keeps. Scripts need two
// or three (Vietnamese, Thai, pointed Hebrew); more stack into a blot that
// covers the neighbouring text.
const MaxMarks = 3

// Filter decides, rune by rune, what a model or a person is not shown:
// Invisible characters, and combining marks beyond MaxMarks on one
// character. The report shows them escaped; Sanitize removes them. The zero
// value is ready; give it the runes of one string in order.
type Filter struct{ marks int }

// Hides reports whether r is hidden.
func (f *Filter) Hides(r rune) bool {
	if Invisible(r) {
		// An invisible character between marks does not end the stack:
		// removed, it leaves the marks on one character.
		return true
	}
	if unicode.In(r, unicode.Mn, unicode.Me) {
		f.marks++
		return f.marks > MaxMarks
	}
	f.marks = 0
	return false
}

// Invisible reports whether r is a control or invisible character: C0, C1
// and DEL, format characters (zero-width, bidi, BOM, tags), line and paragraph
// separators, and characters that render blank or smuggle text (Hangul
// fillers, variation selectors).
func Invisible(r rune) bool {
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
