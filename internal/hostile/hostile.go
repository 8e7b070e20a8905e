// Package hostile writes the part of the hostile-input corpus
// (testdata/hostile) that is too big or too binary to check in: images and
// executables, control bytes and invalid UTF-8, a truncated gzip, a gzip bomb
// and a 50 MB line. Every file is built the same way on every run, so the
// tests can state exactly what each one holds. Cases lists the whole corpus
// with the outcome logsift must reach on each file.
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is one generated corpus file.
type File struct {
	Name  string
	Write func(w io.Writer) error
}

// Files are the generated files, by name.
var Files = []File{
	{"image.png", writePNG},
	{"program.elf", writeELF},
	{"empty.log.gz", writeEmptyGzip},
	{"invalid-utf8-nul.log", writeInvalidUTF8},
	{"injection.log", writeInjection},
	{"truncated.log.gz", writeTruncatedGzip},
	{"bad-checksum.log.gz", writeBadChecksum},
	{"trailing-garbage.log.gz", writeTrailingGarbage},
	{"header-cut.log.gz", writeHeaderCut},
	{"nested.log.gz.gz", writeNested},
	{"nul-tail.log", writeNULTail},
	{"amplify-utf16.csv", writeUTF16},
	{"bomb.log.gz", writeBomb},
	{"long-line.log", writeLongLine},
	{"long-first-line.log", writeLongFirstLine},
}

// Write writes every generated file into dir, streaming: the 50 MB line is
// never held in memory.
func Write(dir string) error {
	for _, f := range Files {
		if err := WriteFile(filepath.Join(dir, f.Name), f.Write); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile creates path and fills it with write.
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Start is the log time of the first generated row.
var Start = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"

// Combined returns one Apache combined line, newline included. The caller
// chooses every attacker-controlled field, bytes as they are.
func Combined(ip string, t time.Time, method, target string, status int, ua string) string {
	return fmt.Sprintf("%s - - [%s] \"%s %s HTTP/1.1\" %d 512 \"-\" \"%s\"\n",
		ip, t.UTC().Format("02/Jan/2006:15:04:05 -0700"), method, target, status, ua)
}

// benign returns the i-th line of an ordinary visitor.
func benign(i int) string {
	return Combined(fmt.Sprintf("100.64.9.%d", i%250+1), Start.Add(time.Duration(i)*time.Second), "GET", fmt.Sprintf("/page/%d", i), 200, firefox)
}

// writePNG writes a valid 1x1 PNG padded with a text chunk to a few hundred
// bytes: a screenshot uploaded instead of the log.
func writePNG(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0}) // 1x1, 8-bit grey
	chunk("tEXt", []byte("Comment\x00"+strings.Repeat("access log screenshot ", 12)))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0, 0x80}) // filter byte, one grey pixel
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	_, err := w.Write(b.Bytes())
	return err
}

// writeELF writes the 64-byte header of an x86-64 Linux executable and a few
// hundred bytes of code-like data after it.
func writeELF(w io.Writer) error {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")                  // 64-bit, little-endian, version 1
	binary.LittleEndian.PutUint16(h[16:], 2)        // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 0x3e)     // x86-64
	binary.LittleEndian.PutUint32(h[20:], 1)        // version
	binary.LittleEndian.PutUint64(h[24:], 0x401000) // entry
	binary.LittleEndian.PutUint16(h[52:], 64)       // header size
	body := make([]byte, 320)
	for i := range body {
		body[i] = byte(i * 37) // deterministic, mostly non-text
	}
	_, err := w.Write(append(h, body...))
	return err
}

// writeEmptyGzip writes a gzip member that holds nothing.
func writeEmptyGzip(w io.Writer) error {
	return gzip.NewWriter(w).Close()
}

// InvalidUTF8Lines is how many lines writeInvalidUTF8 writes; all parse.
const InvalidUTF8Lines = 6

// writeInvalidUTF8 writes combined lines whose path and user agent carry
// invalid UTF-8 and NUL bytes; one scanner (sqlmap) makes a finding so the
// bytes reach the report.
func writeInvalidUTF8(w io.Writer) error {
	lines := []string{
		benign(0),
		Combined("100.64.10.1", Start, "GET", "/caf\xe9/men\xfc", 200, firefox),
		Combined("100.64.10.2", Start.Add(time.Second), "GET", "/\xc3\x28\xa0\xa1", 404, "Mozilla/5.0 \xff\xfe\xfd"),
		Combined("100.64.10.3", Start.Add(2*time.Second), "GET", "/nul\x00here", 404, "agent\x00with\x00nuls"),
		Combined("198.51.100.66", Start.Add(3*time.Second), "GET", "/index.php?id=1\x00\xff", 200, "sqlmap/1.7.2#stable (https://sqlmap.org)\x00\xfe"),
		Combined("198.51.100.66", Start.Add(4*time.Second), "GET", "/index.php?id=1%27%20OR%201=1--\xed\xa0\x80", 500, "sqlmap/1.7.2#stable (https://sqlmap.org)\x00\xfe"),
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

// Injection lines: terminal escape sequences and HTML/Markdown in the path
// and the user agent of attacking clients, and one unparseable line with the
// same payloads, which the report shows as a rejected sample.
const (
	InjectionParsed   = 5
	InjectionRejected = 1
	escUA             = "\x1b]0;pwned\x07\x1b[2J\x1b[31mNikto/2.5.0\x1b[0m <script>alert('ua')</script> [click](javascript:alert(1)) | --- |"
)

func writeInjection(w io.Writer) error {
	lines := []string{
		benign(0),
		Combined("198.51.100.77", Start, "GET", "/<script>alert(document.cookie)</script>", 404, escUA),
		Combined("198.51.100.77", Start.Add(time.Second), "GET", "/.env?x=\x1b[2J\x1b[H<img%20src=x%20onerror=alert(1)>", 404, escUA),
		Combined("198.51.100.77", Start.Add(2*time.Second), "GET", "/.git/config#<SCRIPT>alert(2)</SCRIPT>", 404, escUA),
		Combined("198.51.100.78", Start.Add(3*time.Second), "GET", "/search?q=%3Cscript%3Ealert(3)%3C/script%3E", 200, "<script src=//evil.example/x.js></script> `</code><img src=x onerror=alert(5)>` ``"),
		"\x1b[2J\x1b[H<script>alert('sample')</script> **not** a [log](javascript:alert(4)) line\n",
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

// TruncatedLines complete lines come before the cut in truncated.log.gz;
// the line after them is cut in half.
const TruncatedLines = 200

// writeTruncatedGzip writes the gzip of TruncatedLines lines and half of the
// next one, then stops: no final block, no trailer, as an interrupted
// download leaves it. The flush makes everything written so far decodable,
// so exactly those bytes come out before the error.
func writeTruncatedGzip(w io.Writer) error {
	zw := gzip.NewWriter(w)
	for i := range TruncatedLines {
		io.WriteString(zw, benign(i))
	}
	half := benign(TruncatedLines)
	io.WriteString(zw, half[:len(half)/2])
	return zw.Flush()
}

// Bomb dimensions: BombMembers gzip members, each BombLinesPerMember lines
// of BombLine, concatenated (a valid multi-member gzip). About 230 KB that
// inflate to 64 MiB.
const (
	BombMembers        = 64
	BombLinesPerMember = (1 << 20) / len(BombLine)
	BombLine           = `198.51.100.99 - - [20/Nov/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "bomb"` + "\n"
)

func writeBomb(w io.Writer) error {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	line := []byte(BombLine)
	for range BombLinesPerMember {
		zw.Write(line)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	for range BombMembers {
		if _, err := w.Write(member.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// LongLineBytes is the length of the long line, newline excluded; the file
// has LongLineBefore valid lines before it and LongLineAfter after it.
const (
	LongLineBytes  = 50 << 20
	LongLineBefore = 3
	LongLineAfter  = 4
)

// writeLongLine writes valid lines around one 50 MB request line (a path of
// 'A's), without holding the long line in memory.
func writeLongLine(w io.Writer) error {
	if err := writeBenign(w, 0, LongLineBefore); err != nil {
		return err
	}
	if err := writeLong(w, LongLineBytes); err != nil {
		return err
	}
	return writeBenign(w, LongLineBefore, LongLineBefore+LongLineAfter)
}

// writeBenign writes the benign lines from to to (exclusive).
func writeBenign(w io.Writer, from, to int) error {
	for i := from; i < to; i++ {
		if _, err := io.WriteString(w, benign(i)); err != nil {
			return err
		}
	}
	return nil
}

// LongFirstBytes is the length of the first line of long-first-line.log,
// more than the 64 KiB logsift sniffs the format from; LongFirstAfter valid
// lines follow it.
const (
	LongFirstBytes = 1 << 20
	LongFirstAfter = 5
)

func writeLongFirstLine(w io.Writer) error {
	if err := writeLong(w, LongFirstBytes); err != nil {
		return err
	}
	return writeBenign(w, 0, LongFirstAfter)
}

// writeLong writes a combined line of exactly n bytes plus its newline: a
// GET whose path is padded with 'A's.
func writeLong(w io.Writer, n int) error {
	head := fmt.Sprintf("203.0.113.50 - - [%s] \"GET /", Start.Format("02/Jan/2006:15:04:05 -0700"))
	tail := " HTTP/1.1\" 414 0 \"-\" \"curl/8.4.0\"\n"
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	pad := bytes.Repeat([]byte{'A'}, 64<<10)
	for left := n - len(head) - len(tail) + 1; left > 0; {
		k := min(left, len(pad))
		if _, err := w.Write(pad[:k]); err != nil {
			return err
		}
		left -= k
	}
	_, err := io.WriteString(w, tail)
	return err
}

// GzipLines is how many lines the small gzip files hold.
const GzipLines = 50

// gzipped returns the gzip of GzipLines ordinary lines.
func gzipped() []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for i := range GzipLines {
		io.WriteString(zw, benign(i))
	}
	zw.Close()
	return b.Bytes()
}

// writeBadChecksum writes a gzip whose CRC-32 in the trailer is wrong: every
// line inflates, then the check fails.
func writeBadChecksum(w io.Writer) error {
	b := gzipped()
	b[len(b)-8] ^= 0xff
	_, err := w.Write(b)
	return err
}

// writeTrailingGarbage writes a complete gzip followed by 4 KiB of zeros, as
// a tool that pads files to a block size leaves it.
func writeTrailingGarbage(w io.Writer) error {
	_, err := w.Write(append(gzipped(), make([]byte, 4096)...))
	return err
}

// writeHeaderCut writes the first 6 bytes of a gzip: the magic and part of
// the 10-byte header, as a download that stopped at once leaves it.
func writeHeaderCut(w io.Writer) error {
	_, err := w.Write(gzipped()[:6])
	return err
}

// writeNested writes a gzip of a gzip of a log (compressed twice by mistake).
func writeNested(w io.Writer) error {
	zw := gzip.NewWriter(w)
	zw.Write(gzipped())
	return zw.Close()
}

// NULTailLines ordinary lines come before a 1 MiB run of NUL bytes without
// a newline, as a file system leaves a log after a crash.
const NULTailLines = 100

func writeNULTail(w io.Writer) error {
	if err := writeBenign(w, 0, NULTailLines); err != nil {
		return err
	}
	_, err := w.Write(make([]byte, 1<<20))
	return err
}

// writeUTF16 writes an Amplify header and two rows as UTF-16 LE with a BOM,
// as Excel's "Unicode Text" saves a sheet.
func writeUTF16(w io.Writer) error {
	row := "2026-11-20,09:00:00,JFK52-P3,862,100.64.1.1,GET,d2abc8xyz3k4lm.cloudfront.net,/,200,-,curl/8.4.0,-,-,Hit,utf16\\=\\=,main.d1x8k2q7w3v9zr.amplifyapp.com,https,137,0.040,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Hit,HTTP/2.0,-,-,42052,0.039,Hit,text/html,548,-,-"
	text := AmplifyHeader + "\r\n" + row + "\r\n" + row + "\r\n"
	b := []byte{0xff, 0xfe}
	for _, c := range []byte(text) { // ASCII only: one UTF-16 unit each
		b = append(b, c, 0)
	}
	_, err := w.Write(b)
	return err
}

// AmplifyHeader is the header line of an Amplify console download.
const AmplifyHeader = `date,time,x-edge-location,sc-bytes,c-ip,cs-method,cs\(Host),cs-uri-stem,sc-status,cs\(Referer),cs\(User-Agent),cs-uri-query,cs\(Cookie),x-edge-result-type,x-edge-request-id,x-host-header,cs-protocol,cs-bytes,time-taken,x-forwarded-for,ssl-protocol,ssl-cipher,x-edge-response-result-type,cs-protocol-version,fle-status,fle-encrypted-fields,c-port,time-to-first-byte,x-edge-detailed-result-type,sc-content-type,sc-content-len,sc-range-start,sc-range-end`
