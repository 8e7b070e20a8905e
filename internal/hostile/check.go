package hostile

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/report"
)

// CheckError returns what is wrong with err, the outcome of reading a file
// that is not a log: it must wrap w.Err and name the file and the reason.
func (w Want) CheckError(err error, file string) []string {
	switch {
	case err == nil:
		return []string{fmt.Sprintf("no error, want one wrapping %q", w.Err)}
	case !errors.Is(err, w.Err):
		return []string{fmt.Sprintf("error %q does not wrap %q", err, w.Err)}
	}
	var bad []string
	if !strings.Contains(err.Error(), file) {
		bad = append(bad, fmt.Sprintf("error %q does not name the file %s", err, file))
	}
	if !strings.Contains(err.Error(), w.Reason) {
		bad = append(bad, fmt.Sprintf("error %q does not give the reason %q", err, w.Reason))
	}
	return bad
}

// CheckInput returns what is wrong with a report's account of the input.
func (w Want) CheckInput(in report.Input) []string {
	var bad []string
	errorf := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if in.Lines != in.Parsed+in.Skipped+in.Rejected {
		errorf("lines %d != parsed %d + skipped %d + rejected %d", in.Lines, in.Parsed, in.Skipped, in.Rejected)
	}
	var sum int64
	for _, n := range in.Reasons {
		sum += n
	}
	if sum != in.Rejected {
		errorf("reasons %v add up to %d, rejected %d", in.Reasons, sum, in.Rejected)
	}
	if w.Limited {
		if in.Parsed < w.MinParsed || in.Parsed > w.Parsed {
			errorf("parsed %d, want %d..%d", in.Parsed, w.MinParsed, w.Parsed)
		}
		if in.Rejected > 1 || in.Rejected != in.Reasons["truncated"] {
			errorf("rejected %d %v, want at most the one line cut by the limit", in.Rejected, in.Reasons)
		}
	} else {
		if in.Lines != w.Lines || in.Parsed != w.Parsed || in.Skipped != w.Skipped || in.Rejected != w.Rejected {
			errorf("lines/parsed/skipped/rejected %d/%d/%d/%d, want %d/%d/%d/%d",
				in.Lines, in.Parsed, in.Skipped, in.Rejected, w.Lines, w.Parsed, w.Skipped, w.Rejected)
		}
		if len(in.Reasons)+len(w.Reasons) > 0 && !maps.Equal(in.Reasons, w.Reasons) {
			errorf("reasons %v, want %v", in.Reasons, w.Reasons)
		}
	}
	if int64(len(in.Samples)) != min(in.Rejected, 20) {
		errorf("%d rejected samples for %d rejected lines", len(in.Samples), in.Rejected)
	}
	errs := strings.Join(in.Errors, "; ")
	switch {
	case w.EndedEarly == "" && errs != "":
		errorf("input errors %q, want none", errs)
	case w.EndedEarly != "" && (!strings.Contains(errs, "input ended early") || !strings.Contains(errs, w.EndedEarly)):
		errorf("input errors %q, want the input to have ended early with %q", errs, w.EndedEarly)
	}
	if !w.First.IsZero() && (!in.First.Equal(w.First) || !in.Last.Equal(w.Last)) {
		errorf("window %v..%v, want %v..%v", in.First, in.Last, w.First, w.Last)
	}
	return bad
}

// CheckRender returns what is wrong with a rendered report (format text, md
// or html): every attacker-supplied byte must be neutralised. No control
// byte but newline and tab, valid UTF-8, and in HTML and Markdown (which
// passes HTML through) no tag from the log. show lists strings that must
// appear, so the check is not passing on a report that left the payload out.
func CheckRender(format string, out []byte, show ...string) []string {
	var bad []string
	for i, c := range out {
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			bad = append(bad, fmt.Sprintf("%s report has control byte %#02x at %d: %q", format, c, i, context(out, i)))
			break
		}
	}
	if !utf8.Valid(out) {
		bad = append(bad, format+" report is not valid UTF-8")
	}
	if format == "html" || format == "md" {
		lower := asciiLower(out)
		active := []string{"<script", "<img", "<svg", "<iframe"}
		if format == "md" {
			active = append(active, "](javascript:")
		}
		for _, s := range active {
			for off := 0; ; {
				i := bytes.Index(lower[off:], []byte(s))
				if i < 0 {
					break
				}
				i += off
				off = i + 1
				if format == "md" && mdLiteral(out, i) {
					continue
				}
				if format == "html" && reportChart(lower, i) {
					continue
				}
				bad = append(bad, fmt.Sprintf("%s report has an unescaped %s: %q", format, s, context(out, i)))
				break
			}
		}
	}
	for _, s := range show {
		if !bytes.Contains(out, []byte(s)) {
			bad = append(bad, fmt.Sprintf("%s report does not show %q", format, s))
		}
	}
	return bad
}

// reportChart reports whether the <svg at lower[i] is one of the HTML
// report's own charts, which its template writes in a figure of class chart.
func reportChart(lower []byte, i int) bool {
	return bytes.HasSuffix(lower[:i], []byte(`<figure class="chart">`)) && bytes.HasPrefix(lower[i:], []byte(`<svg viewbox="0 0 400 `))
}

// mdLiteral reports whether Markdown shows b[i] as text: escaped with a
// backslash, or inside a code span on its line (CommonMark: a run of n
// backticks opens a span that the next run of exactly n backticks closes).
func mdLiteral(b []byte, i int) bool {
	if i > 0 && b[i-1] == '\\' {
		return true
	}
	start := bytes.LastIndexByte(b[:i], '\n') + 1
	end := bytes.IndexByte(b[i:], '\n')
	if end < 0 {
		end = len(b)
	} else {
		end += i
	}
	line, at := b[start:end], i-start
	run := func(j int) int { // length of the backtick run at j
		k := j
		for k < len(line) && line[k] == '`' {
			k++
		}
		return k - j
	}
	for j := 0; j < len(line); {
		n := run(j)
		if n == 0 {
			j++
			continue
		}
		// find the closing run of exactly n backticks
		for k := j + n; k < len(line); {
			m := run(k)
			if m == 0 {
				k++
				continue
			}
			if m == n {
				if j < at && at < k {
					return true
				}
				j = k
				break
			}
			k += m
		}
		j += n
	}
	return false
}

// asciiLower lowers ASCII letters only, so that an index into the result is
// the same byte of b; bytes.ToLower changes the length of invalid UTF-8 (and
// of some letters), and the indexes found in it would then point elsewhere
// in b, or past its end.
func asciiLower(b []byte) []byte {
	l := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}
	return l
}

func context(b []byte, i int) []byte {
	return b[max(0, i-40):min(len(b), i+40)]
}
