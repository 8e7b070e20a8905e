package logformat

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/logsift/logsift/internal/record"
)

// standardFields is CloudFront's standard log field order; Amplify uses the
// same 33 columns. Older CloudFront files stop earlier in this order.
var standardFields = []string{
	"date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
	"sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
	"x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for",
	"ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
	"fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type",
	"sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
}

// minHeaderlessFields is how many leading standard fields a CloudFront line
// without #Fields must have: through cs-uri-query.
const minHeaderlessFields = 12

var requiredColumns = []string{"date", "time", "c-ip", "cs-method", "cs-uri-stem", "sc-status"}

// columns maps the fields we use to their index in a row; -1 when absent.
type columns struct {
	n                                            int // fields in the header
	date, time, ip, method, csHost, stem, status int
	referer, ua, query, reqID, xHost             int
	proto, bytes, user, cookie                   int
}

func normName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	s = strings.ReplaceAll(s, `\`, "")
	return strings.ToLower(strings.TrimSpace(s))
}

// bindColumns binds names (already normalised) to columns; it returns the
// name of a missing required column.
func bindColumns(names []string) (columns, string) {
	c := columns{n: len(names)}
	idx := func(name string) int {
		name = strings.ToLower(name)
		for i, n := range names {
			if n == name {
				return i
			}
		}
		return -1
	}
	c.date, c.time, c.ip, c.method = idx("date"), idx("time"), idx("c-ip"), idx("cs-method")
	c.csHost, c.stem, c.status = idx("cs(Host)"), idx("cs-uri-stem"), idx("sc-status")
	c.referer, c.ua, c.query = idx("cs(Referer)"), idx("cs(User-Agent)"), idx("cs-uri-query")
	c.reqID, c.xHost = idx("x-edge-request-id"), idx("x-host-header")
	c.proto, c.bytes = idx("cs-protocol-version"), idx("sc-bytes")
	if c.proto < 0 {
		c.proto = idx("cs-version") // IIS
	}
	if c.xHost < 0 {
		c.xHost = idx("cs-host") // IIS: the Host header
	}
	c.user, c.cookie = idx("cs-username"), idx("cs(Cookie)")
	for _, r := range requiredColumns {
		if idx(r) < 0 {
			return c, r
		}
	}
	return c, ""
}

var standardColumns, _ = bindColumns(lowerAll(standardFields))

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

// standardNames is standardFields lowered, as a set.
var standardNames = func() map[string]bool {
	m := make(map[string]bool, len(standardFields))
	for _, s := range standardFields {
		m[strings.ToLower(s)] = true
	}
	return m
}()

// knownNames counts how many of names (lower case) are standard field names.
// It runs on every Amplify line that fails as a row, so it is a set lookup:
// comparing each of a line's thousands of fields with every standard name
// made a file of comma-filled lines read at 10 MB/s.
func knownNames(names []string) int {
	n := 0
	for _, name := range names {
		if standardNames[name] {
			n++
		}
	}
	return n
}

// splitFields splits b on delim into at most len(out) spans (offset by
// base); with quotes, a field that starts with '"' is RFC 4180 quoted and
// its span is the content with the quotes (and "" doubling) still in it;
// quoted[i] says so. It returns the number of fields, or -1 when a quoted
// field is unterminated or there are more than len(out) fields.
func splitFields(b []byte, delim byte, quotes bool, out []span, quoted []bool) int {
	n := 0
	i := 0
	for {
		if n == len(out) {
			return -1
		}
		if quotes && i < len(b) && b[i] == '"' {
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return -1
				}
				j += k
				if j+1 < len(b) && b[j+1] == '"' {
					j += 2
					continue
				}
				break
			}
			out[n] = span{i + 1, j}
			quoted[n] = true
			n++
			j++
			if j == len(b) {
				return n
			}
			if b[j] != delim {
				return -1
			}
			i = j + 1
			continue
		}
		k := bytes.IndexByte(b[i:], delim)
		if quoted != nil {
			quoted[n] = false
		}
		if k < 0 {
			out[n] = span{i, len(b)}
			return n + 1
		}
		out[n] = span{i, i + k}
		n++
		i += k + 1
	}
}

const maxColumns = 64

// w3cParser reads CloudFront standard logs, IIS W3C logs and Amplify
// console CSV.
type w3cParser struct {
	amplify bool
	iis     bool
	delim   byte
	cols    columns
	headed  bool // columns came from a header (exact field count required)
	spans   [maxColumns]span
	quoted  [maxColumns]bool
}

func newCloudFrontParser() *w3cParser {
	return &w3cParser{delim: '\t', cols: standardColumns}
}

// iisDefaultFields are the fields IIS 7 and later log by default, for a
// file whose #Fields line was cut off.
var iisDefaultFields = strings.Fields("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken")

var iisDefaultColumns, _ = bindColumns(lowerAll(iisDefaultFields))

// newIISParser reads IIS W3C extended logs: space-separated, bound by the
// #Fields line (IIS's default fields until one is read).
func newIISParser() *w3cParser {
	return &w3cParser{iis: true, delim: ' ', cols: iisDefaultColumns, headed: true}
}

func newAmplifyParser() *w3cParser {
	return &w3cParser{amplify: true, delim: ',', cols: standardColumns}
}

// amplifyHeader recognises an Amplify CSV header (also re-saved by a
// spreadsheet with another delimiter) and returns its delimiter and names.
func amplifyHeader(line []byte) (byte, []string, bool) {
	if len(line) == 0 || len(line) > 8192 {
		return 0, nil, false
	}
	best, delim := -1, byte(',')
	for _, d := range []byte{',', ';', '\t'} {
		if c := bytes.Count(line, []byte{d}); c > best {
			best, delim = c, d
		}
	}
	if best < 2 {
		return 0, nil, false
	}
	parts := strings.Split(string(line), string(delim))
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = normName(p)
	}
	if knownNames(names) < 4 {
		return 0, nil, false
	}
	return delim, names, true
}

// setHeader rebinds the columns from an Amplify header line.
func (p *w3cParser) setHeader(line []byte) error {
	delim, names, ok := amplifyHeader(line)
	if !ok {
		return fmt.Errorf("not an Amplify header")
	}
	if len(names) > maxColumns {
		return fmt.Errorf("header has %d columns, more than %d", len(names), maxColumns)
	}
	cols, missing := bindColumns(names)
	if missing != "" {
		return fmt.Errorf("header lacks required column %q", missing)
	}
	p.delim, p.cols, p.headed = delim, cols, true
	return nil
}

// setFields rebinds the columns from a CloudFront "#Fields:" line.
func (p *w3cParser) setFields(line []byte) error {
	names := strings.Fields(string(line[len("#Fields:"):]))
	for i := range names {
		names[i] = strings.ToLower(names[i])
	}
	if len(names) > maxColumns {
		return fmt.Errorf("#Fields has %d names, more than %d", len(names), maxColumns)
	}
	cols, missing := bindColumns(names)
	if missing != "" {
		return fmt.Errorf("#Fields lacks required field %q", missing)
	}
	p.cols, p.headed = cols, true
	return nil
}

func (p *w3cParser) parse(lb *lineBuf, rec *record.Record) (result, string) {
	b := lb.b
	if !p.amplify {
		if len(b) > 0 && b[0] == '#' {
			if bytes.HasPrefix(b, []byte("#Fields:")) {
				if p.setFields(b) != nil {
					return resReject, ReasonBadHeader
				}
			}
			return resSkip, ""
		}
	}
	res, reason := p.parseRow(lb, rec)
	if res == resReject && p.amplify {
		// a repeated header, as in concatenated downloads; checked only
		// for lines that fail as rows, which keeps rows fast
		if _, _, ok := amplifyHeader(b); ok {
			if p.setHeader(b) != nil {
				return resReject, ReasonBadHeader
			}
			return resSkip, ""
		}
	}
	return res, reason
}

func (p *w3cParser) parseRow(lb *lineBuf, rec *record.Record) (result, string) {
	b := lb.b
	var quoted []bool
	if p.amplify {
		quoted = p.quoted[:]
	}
	n := splitFields(b, p.delim, p.amplify, p.spans[:], quoted)
	c := &p.cols
	var iisShift iisShift
	switch {
	case n < 0:
		return resReject, ReasonFieldCount
	case p.iis && n > c.n:
		var reason string
		if iisShift, reason = p.resolveIISShift(lb, n); reason != "" {
			return resReject, reason
		}
	case p.amplify && p.headed && n != c.n:
		// Amplify drops commas inside values, so a wrong count means a
		// misaligned row: reject rather than guess.
		return resReject, ReasonFieldCount
	case p.headed && n < c.n:
		return resReject, ReasonFieldCount
	case !p.headed && n < minHeaderlessFields:
		return resReject, ReasonFieldCount
	}
	if p.amplify {
		for k := 0; k < n; k++ {
			if p.quoted[k] && bytes.Contains(lb.bytes(p.spans[k]), []byte(`""`)) {
				v := bytes.ReplaceAll(lb.bytes(p.spans[k]), []byte(`""`), []byte(`"`))
				p.spans[k] = lb.appendSpan(v)
			}
		}
	}
	get := func(i int) span {
		if i >= 0 {
			i += iisShift.at(i)
		}
		if i < 0 || i >= n {
			return span{}
		}
		return p.spans[i]
	}
	raw := func(i int) []byte { return lb.bytes(get(i)) }

	var f fields
	t, ok := lb.parseDateTime(raw(c.date), raw(c.time))
	if !ok {
		return resReject, ReasonBadTime
	}
	f.time = t
	st, ok := parseStatus(raw(c.status))
	if !ok {
		return resReject, ReasonBadStatus
	}
	f.status = st
	if f.bytes, ok = parseBytes(raw(c.bytes)); !ok {
		return resReject, ReasonBadBytes
	}
	f.client = get(c.ip)
	if !looksLikeIP(lb.bytes(f.client)) {
		return resReject, ReasonBadClientIP
	}
	dec := lb.percent
	if p.amplify {
		dec = lb.amplify
	}
	f.method = dec(dash(lb, get(c.method)))
	if f.method.empty() {
		f.malformed = true
	}
	f.rawPath = dash(lb, get(c.stem))
	f.path = dec(f.rawPath)
	f.rawQuery = dash(lb, get(c.query))
	f.query = dec(f.rawQuery)
	if p.amplify {
		// Raw means as the client sent it: the backslashes are the CSV
		// export's escaping, not part of the request.
		f.rawPath = lb.unbackslash(f.rawPath)
		f.rawQuery = lb.unbackslash(f.rawQuery)
	}
	ua := dash(lb, get(c.ua))
	switch {
	case p.iis:
		// IIS writes a space in these as '+', and does not percent-encode
		f.referer = dash(lb, get(c.referer))
		f.ua = lb.plusToSpace(ua)
	case p.amplify:
		f.referer = dec(dash(lb, get(c.referer)))
		f.ua = lb.uaDecode(lb.unbackslash(ua))
	default:
		f.referer = dec(dash(lb, get(c.referer)))
		f.ua = lb.uaDecode(ua)
	}
	f.host = dec(dash(lb, get(c.xHost)))
	if f.host.empty() {
		f.host = dec(dash(lb, get(c.csHost)))
	}
	f.proto = dash(lb, get(c.proto))
	f.requestID = dec(dash(lb, get(c.reqID)))
	if r := f.build(lb, rec); r != "" {
		return resReject, r
	}
	return resOK, ""
}
