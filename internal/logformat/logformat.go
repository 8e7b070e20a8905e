// Package logformat reads web access logs — AWS Amplify console CSV,
// CloudFront standard (W3C) logs, IIS W3C logs, ALB access logs and
// Apache/nginx combined/common logs, plain or gzip — and yields normalised
// record.Record values.
//
// The format is sniffed from the content, never from a file name. W3C
// files are IIS when #Software names Internet Information Services, or when
// #Fields has no CloudFront x-edge- field and the rows are space-separated;
// otherwise CloudFront. IIS rows are bound by #Fields name (IIS's default
// fields when the file has none and the hint says iis); a '+' in an IIS
// user agent is a space. Every
// line is accounted for in Stats: parsed, skipped (blank lines, headers,
// comments) or rejected with a short reason code. Field values are
// attacker-controlled: invalid UTF-8 and NUL bytes are kept as logged
// (renderers must escape them); nothing in this package panics on them,
// and memory stays bounded by Options.MaxLineBytes however long the input.
//
// Decoding: paths, queries, and CloudFront/Amplify values are percent-decoded
// once (invalid escapes are kept), except a CloudFront/Amplify user agent the
// logger double-encoded (%2520), which is decoded twice. RawPath and RawQuery
// keep the form the client sent, after undoing the logger's own escaping
// (\" and \xHH for Apache/nginx, \X for Amplify).
// ALB files may carry NLB TLS and connection-log lines: they are Rejected
// with reason "not-http", so they stay counted and visible.
//
// # Who a line is charged to
//
// The client writes much of a line, and a line charged to the wrong address
// frames someone else or hides the attacker, so each format takes the client
// from a field the client cannot write, and never searches for one:
//
//   - Apache/nginx: the first field. nginx logs $remote_user raw from the
//     Authorization header (spaces, brackets, text shaped like an address
//     or a time, or only spaces), so nothing between the client and the
//     time is looked at beyond the ident field. Before the client only
//     what a logger writes is accepted: a syslog or container-log header at
//     the start of the line (RFC 3164, RFC 5424, RFC 3339 stamps of rsyslog,
//     docker and Kubernetes) and one vhost field: when the first field is
//     not an address ("www.example.com:443", "-"), or when two addresses
//     start the line and the ident "-" follows them (nginx's $host is the
//     Host header, which may be "8.8.8.8"; where the client comes first,
//     the second field is the ident, which the client does not write). A
//     raw Host header may hold spaces ("evil 8.8.8.8"), which servers
//     answer with 400: a 400 line with another address after the client of
//     a vhost line is rejected rather than guessed. A leading
//     X-Forwarded-For list ("a, b, c", quoted or not) is charged to its last
//     address, the one the proxy added; the others were sent by the client.
//     A first field that is not an address (a resolved host name, "unix:")
//     is rejected as "bad-client-ip".
//   - The time is the first "[...]" shaped like a time and followed by the
//     quoted request (or by one vhost field and the request, as Apache 2.2
//     formats log it): the user field may hold a time of its own, but not a
//     quote, which Apache and nginx escape. Accepted: a one- or two-digit
//     day, English or localized month names ("sept.", "Okt", "déc."; the
//     list in months.go), a fraction of a second, a "+hhmm" or "+hh:mm"
//     offset, GMT/UTC, or no zone at all, read as UTC. A size field "34/38"
//     (%O/%B) keeps its first number.
//   - ALB: the fourth field, before any field the client writes.
//   - CloudFront, Amplify and IIS: the c-ip column, bound by name from the
//     header. An Amplify row whose field count differs from its header's is
//     rejected rather than realigned, so a value with an unquoted delimiter
//     cannot shift c-ip; values quoted by a spreadsheet keep their commas.
//     IIS leaves spaces in two client-written fields, the user name and a
//     quoted cookie: iis.go says when such a row is realigned and when it
//     is rejected.
package logformat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/logsift/logsift/internal/record"
)

// Format names a supported log format.
type Format string

// The supported formats.
const (
	Amplify    Format = "amplify"
	CloudFront Format = "cloudfront"
	ALB        Format = "alb"
	Combined   Format = "combined"
	Common     Format = "common"
	IIS        Format = "iis"
)

// Options tunes a Reader; the zero value uses the defaults.
type Options struct {
	Hint Format // "" = sniff from content
	// MaxLineBytes bounds a line (default 64 KiB); longer lines are
	// rejected with reason "line-too-long" and skipped without being
	// buffered whole.
	MaxLineBytes int
	// MaxInflatedBytes stops a gzip input with ErrInputTooLarge past this
	// many decompressed bytes (default 16 GiB).
	MaxInflatedBytes int64
	// MaxInflateRatio stops a gzip input when decompressed/compressed
	// exceeds it after the first 1 MiB (default 1000).
	MaxInflateRatio int64
	// MaxSamples is how many rejected lines are kept (default 20), each
	// truncated to 200 bytes.
	MaxSamples int
}

const (
	defaultMaxLine     = 64 << 10
	defaultMaxInflated = 16 << 30
	defaultMaxRatio    = 1000
	defaultMaxSamples  = 20
	sampleBytes        = 200
	sniffBytes         = 64 << 10
	ratioGrace         = 1 << 20
)

// ErrNotALog is returned (wrapped with the reason) by NewReader when the
// input is not a log this package can read.
var ErrNotALog = errors.New("not a log logsift can read")

// ErrInputTooLarge is returned (wrapped with the limit) when a gzip input
// inflates past Options.MaxInflatedBytes or Options.MaxInflateRatio.
var ErrInputTooLarge = errors.New("input too large")

// Stats accounts for every line read so far.
type Stats struct {
	// Lines == Parsed + Skipped + Rejected at EOF, always. Skipped counts
	// blank lines, headers and comments.
	Lines, Parsed, Skipped, Rejected int64
	// Reasons counts rejected lines by reason code ("field-count",
	// "bad-time", "bad-client-ip", "bad-status", "bad-bytes",
	// "bad-request", "line-too-long", "format-mismatch", "not-http",
	// "bad-header", "truncated", "unrecognized").
	Reasons map[string]int64
	// Samples holds the first Options.MaxSamples rejected lines.
	Samples []Rejection
	// First and Last bound the log time of parsed rows (UTC).
	First, Last time.Time
	// BytesRead counts uncompressed bytes consumed, for progress.
	BytesRead int64
}

// Rejection is a sample of a rejected line.
type Rejection struct {
	Line   int64
	Reason string
	Text   string // at most 200 bytes, as logged
}

type result int

const (
	resOK result = iota
	resSkip
	resReject
)

// parser parses the line held in lb into rec.
type parser interface {
	parse(lb *lineBuf, rec *record.Record) (result, string)
}

// Reader reads records from a log.
type Reader struct {
	opt     Options
	br      *bufio.Reader
	format  Format
	gzip    bool
	p       parser
	lb      lineBuf
	rec     record.Record
	stats   Stats
	err     error // sticky: io.EOF or the read error
	maxLine int
}

// NewReader sniffs r (gzip by its magic bytes, then the log format from the
// first 64 KiB unless opt.Hint is set) and returns a Reader positioned at
// the first line. An empty or header-only input is not an error: the Reader
// returns io.EOF at once. A binary or non-log input returns ErrNotALog.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	if opt.MaxLineBytes <= 0 {
		opt.MaxLineBytes = defaultMaxLine
	}
	if opt.MaxInflatedBytes <= 0 {
		opt.MaxInflatedBytes = defaultMaxInflated
	}
	if opt.MaxInflateRatio <= 0 {
		opt.MaxInflateRatio = defaultMaxRatio
	}
	if opt.MaxSamples <= 0 {
		opt.MaxSamples = defaultMaxSamples
	}
	switch opt.Hint {
	case "", Amplify, CloudFront, ALB, Combined, Common, IIS:
	default:
		return nil, fmt.Errorf("logformat: unknown format hint %q", opt.Hint)
	}
	bufSize := max(opt.MaxLineBytes+2, sniffBytes)
	lr := &Reader{opt: opt, maxLine: opt.MaxLineBytes, stats: Stats{Reasons: map[string]int64{}}}

	raw := bufio.NewReaderSize(r, bufSize)
	magic, _ := raw.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		cr := &countingReader{r: raw}
		zr, err := gzip.NewReader(cr)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrHeader) {
				return nil, fmt.Errorf("%w: gzip data cut off or damaged in its header (%v)", ErrNotALog, err)
			}
			return nil, fmt.Errorf("logformat: reading gzip header: %w", err)
		}
		lim := &inflateLimit{r: zr, in: cr, maxOut: opt.MaxInflatedBytes, ratio: opt.MaxInflateRatio}
		lr.br = bufio.NewReaderSize(lim, bufSize)
		lr.gzip = true
	} else {
		lr.br = raw
	}
	if err := lr.skipLongLeadingLines(); err != nil {
		return nil, err
	}
	prefix, err := lr.br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		if errors.Is(err, ErrInputTooLarge) {
			return nil, fmt.Errorf("logformat: %w", err)
		}
		if len(prefix) == 0 {
			if lr.gzip {
				// A gzip header and then nothing that inflates: there is
				// no line to sniff, and "no line matches a known format"
				// would blame the content.
				return nil, fmt.Errorf("%w: gzip data cut off or damaged before the first line (%w)", ErrNotALog, err)
			}
			// Nothing could be read at all: a failed read (a dropped
			// connection), not a file that is not a log.
			return nil, fmt.Errorf("logformat: reading the input: %w", err)
		}
		// other errors (a truncated gzip) surface from Next after the
		// complete lines
	}
	atEOF := err == io.EOF
	f, p, err := sniff(prefix, atEOF, opt.Hint)
	if err != nil {
		return nil, err
	}
	lr.format, lr.p = f, p
	return lr, nil
}

// skipLongLeadingLines rejects leading lines longer than the line limit
// before the format is sniffed: otherwise one huge request at the top of a
// download would fill the sniff window and hide the format of every row
// after it.
func (lr *Reader) skipLongLeadingLines() error {
	for range sniffLines {
		window, err := lr.br.Peek(lr.br.Size())
		if bytes.IndexByte(window, '\n') >= 0 || err != nil && err != bufio.ErrBufferFull {
			return nil // a complete line, EOF, or a read error for later
		}
		line, tooLong, err := lr.readLine()
		lr.stats.Lines++
		if tooLong {
			lr.reject(lr.stats.Lines, ReasonLineTooLong, line)
		} else {
			lr.reject(lr.stats.Lines, ReasonTruncated, line)
		}
		if err != nil {
			if err != io.EOF {
				lr.err = fmt.Errorf("logformat: reading line %d: %w", lr.stats.Lines, err)
			}
			return nil
		}
	}
	return nil
}

// Format returns the detected (or hinted) format; "" for an input with no
// data lines.
func (r *Reader) Format() Format { return r.format }

// Gzip reports whether the input was gzip-compressed.
func (r *Reader) Gzip() bool { return r.gzip }

// Stats returns the counts so far. The Reasons map and Samples slice are
// shared with the Reader; copy them to keep them past further reads.
func (r *Reader) Stats() Stats { return r.stats }

// Next returns the next parsed record, or io.EOF at the end. Lines that do
// not parse are counted in Stats and skipped. A read error (a truncated
// gzip wraps io.ErrUnexpectedEOF, a gzip bomb ErrInputTooLarge) is returned
// after the complete lines before it.
//
// The returned Record, and the strings in it, stay valid, but the Record
// itself is reused by the next call: copy it (*rec) to keep it.
func (r *Reader) Next() (*record.Record, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		line, tooLong, err := r.readLine()
		if err != nil {
			if err == io.EOF {
				r.err = io.EOF
			} else {
				r.err = fmt.Errorf("logformat: reading line %d: %w", r.stats.Lines+1, err)
			}
			if len(line) == 0 && !tooLong {
				continue
			}
		}
		r.stats.Lines++
		n := r.stats.Lines
		if tooLong {
			r.reject(n, ReasonLineTooLong, line)
			continue
		}
		if err != nil && err != io.EOF {
			r.reject(n, ReasonTruncated, line)
			continue
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		// Not only on line 1: files saved with a BOM are concatenated too.
		line = bytes.TrimPrefix(line, bom)
		if len(bytes.TrimSpace(line)) == 0 {
			r.stats.Skipped++
			continue
		}
		if r.p == nil {
			// no format was determined from a prefix without data lines
			r.reject(n, ReasonFormatMismatch, line)
			continue
		}
		r.lb.reset(line)
		r.rec.Line = n
		res, reason := r.p.parse(&r.lb, &r.rec)
		switch res {
		case resSkip:
			r.stats.Skipped++
		case resReject:
			if reason != ReasonNotHTTP && reason != ReasonBadHeader && otherFormatParses(r.format, line) {
				reason = ReasonFormatMismatch
			}
			r.reject(n, reason, line)
		default:
			r.rec.Line = n
			r.stats.Parsed++
			t := r.rec.Time
			if r.stats.First.IsZero() || t.Before(r.stats.First) {
				r.stats.First = t
			}
			if t.After(r.stats.Last) {
				r.stats.Last = t
			}
			return &r.rec, nil
		}
	}
}

var bom = []byte("\xef\xbb\xbf")

func (r *Reader) reject(n int64, reason string, line []byte) {
	r.stats.Rejected++
	r.stats.Reasons[reason]++
	if len(r.stats.Samples) < r.opt.MaxSamples {
		line = bytes.TrimRight(line, "\r\n")
		if len(line) > sampleBytes {
			line = line[:sampleBytes]
		}
		r.stats.Samples = append(r.stats.Samples, Rejection{Line: n, Reason: reason, Text: string(line)})
	}
}

// readLine returns the next line including its '\n'. A line longer than
// MaxLineBytes is discarded piecewise (tooLong, line holds its start).
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	line, err = r.br.ReadSlice('\n')
	r.stats.BytesRead += int64(len(line))
	if err == bufio.ErrBufferFull || len(bytes.TrimRight(line, "\r\n")) > r.maxLine {
		// keep the start for the sample: ReadSlice's buffer is about to be reused
		head := append([]byte(nil), line[:min(len(line), sampleBytes)]...)
		for err == bufio.ErrBufferFull {
			var more []byte
			more, err = r.br.ReadSlice('\n')
			r.stats.BytesRead += int64(len(more))
		}
		return head, true, err
	}
	return line, false, err
}

// countingReader counts compressed bytes for the inflate-ratio limit.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// inflateLimit stops a gzip stream that inflates too far or too fast.
type inflateLimit struct {
	r      io.Reader
	in     *countingReader
	out    int64
	maxOut int64
	ratio  int64
	err    error
}

func (l *inflateLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.out += int64(n)
	switch {
	case l.out > l.maxOut:
		l.err = fmt.Errorf("%w: more than %d bytes after decompression", ErrInputTooLarge, l.maxOut)
	case l.out > ratioGrace && l.out > l.in.n*l.ratio:
		l.err = fmt.Errorf("%w: decompresses more than %d times its size", ErrInputTooLarge, l.ratio)
	}
	if l.err != nil {
		return 0, l.err
	}
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}
