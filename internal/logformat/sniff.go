package logformat

import (
	"bytes"
	"fmt"

	"github.com/logsift/logsift/internal/record"
)

// magics are file signatures of common binary formats that users upload by
// mistake.
var magics = []struct {
	sig  string
	name string
}{
	{"\x89PNG\r\n\x1a\n", "PNG image"},
	{"\xff\xd8\xff", "JPEG image"},
	{"GIF87a", "GIF image"},
	{"GIF89a", "GIF image"},
	{"%PDF-", "PDF document"},
	{"PK\x03\x04", "ZIP archive"},
	{"\x7fELF", "ELF executable"},
	{"\x1f\x8b", "nested gzip"},
	{"BZh", "bzip2 archive"},
	{"\xfd7zXZ\x00", "xz archive"},
	{"\x28\xb5\x2f\xfd", "zstd archive"},
	{"7z\xbc\xaf\x27\x1c", "7-Zip archive"},
	{"SQLite format 3\x00", "SQLite database"},
	{"\x00asm", "WebAssembly module"},
	{"\xcf\xfa\xed\xfe", "Mach-O executable"},
	{"\xca\xfe\xba\xbe", "Mach-O executable"},
	{"PAR1", "Parquet file"},
}

const sniffLines = 100

// binaryReason names the kind of binary data in prefix, or "" for text.
func binaryReason(prefix []byte) string {
	for _, m := range magics {
		if bytes.HasPrefix(prefix, []byte(m.sig)) {
			return m.name
		}
	}
	if len(prefix) >= 2 && prefix[0] == 'M' && prefix[1] == 'Z' && controlShare(prefix) > 0.02 {
		return "Windows executable"
	}
	if controlShare(prefix) > 0.10 {
		return "unknown format"
	}
	return ""
}

// controlShare is the share of control bytes (other than tab, CR, LF, ESC, FF)
// in the first 8 KiB of b.
func controlShare(b []byte) float64 {
	b = b[:min(len(b), 8192)]
	if len(b) == 0 {
		return 0
	}
	n := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1b && c != '\f') || c == 0x7f {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// sniff decides the format from the start of the (uncompressed) input.
// atEOF says prefix is the whole input.
func sniff(prefix []byte, atEOF bool, hint Format) (Format, parser, error) {
	prefix = bytes.TrimPrefix(prefix, bom)
	if r := binaryReason(prefix); r != "" {
		return "", nil, fmt.Errorf("%w: binary data (%s)", ErrNotALog, r)
	}
	lines := sniffSplit(prefix, atEOF)

	// first non-blank line: a header decides
	first := -1
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) > 0 {
			first = i
			break
		}
	}
	if first >= 0 {
		l := lines[first]
		if (hint == "" || hint == CloudFront || hint == IIS) && isW3CDirective(l) {
			f, p := CloudFront, newCloudFrontParser()
			if hint == IIS || hint == "" && looksIIS(lines[first:]) {
				f, p = IIS, newIISParser()
			}
			for _, l := range lines[first:] {
				if bytes.HasPrefix(l, []byte("#Fields:")) {
					if err := p.setFields(l); err != nil {
						return "", nil, fmt.Errorf("%w: %s %v", ErrNotALog, formatName[f], err)
					}
					break
				}
			}
			return f, p, nil
		}
		if hint == "" || hint == Amplify {
			if _, _, ok := amplifyHeader(l); ok {
				p := newAmplifyParser()
				if err := p.setHeader(l); err != nil {
					return "", nil, fmt.Errorf("%w: Amplify %v", ErrNotALog, err)
				}
				return Amplify, p, nil
			}
		}
	}
	switch hint {
	case Amplify:
		return hint, newAmplifyParser(), nil
	case CloudFront:
		return hint, newCloudFrontParser(), nil
	case ALB:
		return hint, &albParser{}, nil
	case Combined, Common:
		return hint, clfParser{}, nil
	case IIS:
		return hint, newIISParser(), nil
	}

	// score each headerless format on the sampled lines
	var (
		lb                                lineBuf
		rec                               record.Record
		alb                               albParser
		cf                                = newCloudFrontParser()
		amp                               = newAmplifyParser()
		nALB, nCF, nCLF, nAmp, nAgent, nD int
	)
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		nD++
		if try(&alb, &lb, &rec, l) {
			nALB++
		}
		if try(cf, &lb, &rec, l) {
			nCF++
		}
		if try(amp, &lb, &rec, l) {
			nAmp++ // Amplify CSV whose header was cut off
		}
		if try(clfParser{}, &lb, &rec, l) {
			nCLF++
			if rec.UA != "" || bytes.Count(l, []byte{'"'}) >= 6 {
				nAgent++
			}
		}
	}
	switch {
	case nD == 0 && atEOF:
		// empty or header-only: nothing to read, not an error
		return "", nil, nil
	case nALB == 0 && nCF == 0 && nCLF == 0 && nAmp == 0:
		return "", nil, fmt.Errorf("%w: no line matches a known format", ErrNotALog)
	case nAmp > nALB && nAmp > nCF && nAmp > nCLF:
		return Amplify, newAmplifyParser(), nil
	case nALB >= nCF && nALB >= nCLF:
		return ALB, &albParser{}, nil
	case nCF >= nCLF:
		return CloudFront, newCloudFrontParser(), nil
	case nAgent > 0:
		return Combined, clfParser{}, nil
	default:
		return Common, clfParser{}, nil
	}
}

// formatName is how error messages name a format.
var formatName = map[Format]string{CloudFront: "CloudFront", IIS: "IIS"}

// isW3CDirective reports whether l is a W3C extended log directive, which
// CloudFront and IIS files start with.
func isW3CDirective(l []byte) bool {
	for _, d := range []string{"#Version:", "#Fields:", "#Software:", "#Date:", "#Remark:", "#Start-Date:"} {
		if bytes.HasPrefix(l, []byte(d)) {
			return true
		}
	}
	return false
}

// looksIIS tells IIS from CloudFront among W3C logs: IIS names itself in
// #Software; without that, a #Fields line with no CloudFront x-edge- field
// and space-separated rows is IIS's.
func looksIIS(lines [][]byte) bool {
	fields := false
	for _, l := range lines {
		switch {
		case bytes.HasPrefix(l, []byte("#Software:")):
			if bytes.Contains(l, []byte("Internet Information Services")) {
				return true
			}
		case bytes.HasPrefix(l, []byte("#Fields:")):
			if bytes.Contains(l, []byte("x-edge-")) {
				return false
			}
			fields = true
		case len(l) > 0 && l[0] != '#' && fields:
			return bytes.IndexByte(l, '\t') < 0
		}
	}
	return false
}

func try(p parser, lb *lineBuf, rec *record.Record, line []byte) bool {
	lb.reset(line)
	res, _ := p.parse(lb, rec)
	return res == resOK
}

// sniffSplit splits the prefix into at most sniffLines lines, dropping a
// final partial line unless the prefix is the whole input or has no other.
func sniffSplit(prefix []byte, atEOF bool) [][]byte {
	var lines [][]byte
	for len(prefix) > 0 && len(lines) < sniffLines {
		i := bytes.IndexByte(prefix, '\n')
		if i < 0 {
			if atEOF || len(lines) == 0 {
				lines = append(lines, prefix)
			}
			break
		}
		lines = append(lines, bytes.TrimSuffix(prefix[:i], []byte{'\r'}))
		prefix = prefix[i+1:]
	}
	return lines
}

// otherFormatParses reports whether line parses as a format other than f,
// to tell a line of a mixed-in format ("format-mismatch") from a damaged one.
func otherFormatParses(f Format, line []byte) bool {
	var (
		lb  lineBuf
		rec record.Record
	)
	if f != ALB && try(&albParser{}, &lb, &rec, line) {
		return true
	}
	if f != CloudFront && f != Amplify && try(newCloudFrontParser(), &lb, &rec, line) {
		return true
	}
	if f != Combined && f != Common && try(clfParser{}, &lb, &rec, line) {
		return true
	}
	if f != Amplify && f != CloudFront && try(newAmplifyParser(), &lb, &rec, line) {
		return true
	}
	if f != IIS && f != CloudFront && try(newIISParser(), &lb, &rec, line) {
		return true
	}
	return false
}
