package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/netip"
	"slices"
	"time"
)

// The stream format, version 2:
//
//	stream  = magic version frame* end
//	magic   = "LSREC"
//	version = 0x02
//	frame   = uvarint(len(body)) body          (len(body) > 0)
//	end     = 0x00 uvarint(count) crc32c       (count of frames; CRC-32C of all
//	                                            frame bytes, little-endian)
//	body    = flags varint(Line) varint(unix seconds) uvarint(nanoseconds)
//	          addr varint(Status) varint(Bytes) uvarint(len(s))... s...
//	addr    = 0x00 | 0x04 [4]byte | 0x10 [16]byte
//
// The string fields s are Method, Host, Path, RawPath, Query, RawQuery, Proto,
// Referer, UA, RequestID and the client address's IPv6 zone, in that
// order. All the lengths come before all the bytes so that Decode can make
// every field a substring of one string. RawPath and RawQuery are left out when
// flags say they equal Path and Query, as they usually do.
//
// The end marker makes a stream cut at a frame boundary an error rather than a
// shorter stream, and the checksum catches damage that still parses.
const (
	magic   = "LSREC"
	version = 2 // 1 had an Edge string (the CDN or load balancer outcome), which nothing read

	// MaxStringLen is the longest string field Encode writes and Decode
	// accepts. The parsers cap lines well below it; the cap is what stops a
	// corrupt stream from making Decode allocate gigabytes.
	MaxStringLen = 1 << 20

	numStrings = 11
	// maxFixed bounds a body without its string bytes: flags, four varints, a
	// nanosecond uvarint, an address and numStrings lengths of at most 3 bytes.
	maxFixed   = 1 + 4*binary.MaxVarintLen64 + binary.MaxVarintLen32 + 17 + numStrings*3
	maxBodyLen = maxFixed + numStrings*MaxStringLen

	flushAt   = 32 << 10 // Encoder writes out once this much is pending
	readGrain = 64 << 10 // Decoder grows its buffer by at least this much at a time
)

const (
	flagMalformed    = 1 << iota
	flagRawPathSame  // RawPath equals Path and is not stored
	flagRawQuerySame // RawQuery equals Query and is not stored
	flagsKnown       = flagMalformed | flagRawPathSame | flagRawQuerySame
)

// Indexes of the string fields that flags can leave out.
const (
	iPath     = 2
	iRawPath  = 3
	iQuery    = 4
	iRawQuery = 5
)

var fieldNames = [numStrings]string{"Method", "Host", "Path", "RawPath", "Query", "RawQuery",
	"Proto", "Referer", "UA", "RequestID", "Client zone"}

func stored(i int, flags byte) bool {
	return !(i == iRawPath && flags&flagRawPathSame != 0 || i == iRawQuery && flags&flagRawQuerySame != 0)
}

// ErrCorrupt is wrapped by every error Decode returns for input that is not a
// complete, intact record stream, a truncated one included.
var ErrCorrupt = errors.New("corrupt record stream")

// ErrTooLong is wrapped by the error Encode returns for a record with a string
// field longer than MaxStringLen.
var ErrTooLong = errors.New("field longer than record.MaxStringLen")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// An Encoder writes records to a stream in a compact binary form. Close must be
// called to end the stream: Decode reports a stream that was never closed as
// truncated.
type Encoder struct {
	w      io.Writer
	buf    []byte // bytes not yet written to w
	count  uint64
	crc    uint32
	err    error // sticky write error
	closed bool
}

// NewEncoder returns an Encoder writing to w. It buffers its output; Flush or
// Close writes the buffered bytes to w.
func NewEncoder(w io.Writer) *Encoder {
	e := &Encoder{w: w, buf: make([]byte, 0, flushAt+4<<10)}
	e.buf = append(e.buf, magic...)
	e.buf = append(e.buf, version)
	return e
}

// Encode appends r to the stream. Time is stored as an instant, so the decoded
// Time is in UTC whatever location r.Time had. A record with a string field
// longer than MaxStringLen is refused with an error wrapping ErrTooLong and
// nothing is written, so the stream stays usable.
func (e *Encoder) Encode(r *Record) error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return errors.New("record: Encode after Close")
	}
	strs := [numStrings]string{r.Method, r.Host, r.Path, r.RawPath, r.Query, r.RawQuery,
		r.Proto, r.Referer, r.UA, r.RequestID, r.Client.Zone()}
	var flags byte
	if r.Malformed {
		flags |= flagMalformed
	}
	if r.RawPath == r.Path {
		flags |= flagRawPathSame
	}
	if r.RawQuery == r.Query {
		flags |= flagRawQuerySame
	}

	// The fixed part goes to a stack array first, because the frame's length
	// prefix must be written before it.
	var fixed [maxFixed]byte
	b := append(fixed[:0], flags)
	b = binary.AppendVarint(b, r.Line)
	b = binary.AppendVarint(b, r.Time.Unix())
	b = binary.AppendUvarint(b, uint64(r.Time.Nanosecond()))
	switch {
	case r.Client.Is4():
		a := r.Client.As4()
		b = append(b, 4)
		b = append(b, a[:]...)
	case r.Client.Is6():
		a := r.Client.As16()
		b = append(b, 16)
		b = append(b, a[:]...)
	default:
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, int64(r.Status))
	b = binary.AppendVarint(b, r.Bytes)
	text := 0
	for i, s := range strs {
		if !stored(i, flags) {
			continue
		}
		if len(s) > MaxStringLen {
			return fmt.Errorf("record: line %d: %s is %d bytes: %w", r.Line, fieldNames[i], len(s), ErrTooLong)
		}
		b = binary.AppendUvarint(b, uint64(len(s)))
		text += len(s)
	}

	start := len(e.buf)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(b)+text))
	e.buf = append(e.buf, b...)
	for i, s := range strs {
		if stored(i, flags) {
			e.buf = append(e.buf, s...)
		}
	}
	e.crc = crc32.Update(e.crc, castagnoli, e.buf[start:])
	e.count++
	if len(e.buf) >= flushAt {
		return e.Flush()
	}
	return nil
}

// Flush writes any buffered bytes to the underlying writer. The stream is not
// complete until Close.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	if len(e.buf) == 0 {
		return nil
	}
	_, err := e.w.Write(e.buf)
	if err != nil {
		e.err = err
		return err
	}
	if cap(e.buf) > 4*flushAt {
		e.buf = make([]byte, 0, flushAt+4<<10) // drop the room one huge record took
	} else {
		e.buf = e.buf[:0]
	}
	return nil
}

// Close writes the end of the stream and flushes it. It does not close the
// underlying writer.
func (e *Encoder) Close() error {
	if e.err != nil {
		return e.err
	}
	if e.closed {
		return nil
	}
	e.closed = true
	e.buf = append(e.buf, 0)
	e.buf = binary.AppendUvarint(e.buf, e.count)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, e.crc)
	return e.Flush()
}

type byteReader interface {
	io.Reader
	io.ByteReader
}

// A Decoder reads records written by an Encoder. It treats its input as
// untrusted: damage is reported as an error wrapping ErrCorrupt, and no length
// in the input makes it allocate more than MaxStringLen per string field.
type Decoder struct {
	r     byteReader
	buf   []byte // the current frame's body
	count uint64 // records decoded
	crc   uint32
	err   error // sticky, io.EOF after the end
	begun bool  // header read
	// pre holds a frame's length prefix for the checksum; a local would
	// escape to the heap through crc32's assembly.
	pre [binary.MaxVarintLen64]byte
}

// NewDecoder returns a Decoder reading from r. It buffers r unless r is an
// io.ByteReader already.
func NewDecoder(r io.Reader) *Decoder {
	br, ok := r.(byteReader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Decoder{r: br, buf: make([]byte, 0, 4<<10)}
}

// Decode reads the next record into *r, overwriting all of it. It returns
// io.EOF at the end of an intact stream. On an error *r is left unchanged, and
// errors are sticky: later calls return the same one.
//
// The checksum is checked at the end of the stream, so a damaged stream may
// yield records before Decode reports the damage; a caller must not act on
// what it decoded until Decode has returned io.EOF.
//
// All string fields of one record share one allocation.
func (d *Decoder) Decode(r *Record) error {
	if d.err != nil {
		return d.err
	}
	if err := d.decode(r); err != nil {
		d.err = err
		return err
	}
	return nil
}

func (d *Decoder) decode(r *Record) error {
	if !d.begun {
		var h [len(magic) + 1]byte
		if _, err := io.ReadFull(d.r, h[:]); err != nil {
			return d.readErr("header", err)
		}
		if string(h[:len(magic)]) != magic {
			return fmt.Errorf("record: %w: not a record stream (bad magic %q)", ErrCorrupt, h[:len(magic)])
		}
		if h[len(magic)] != version {
			return fmt.Errorf("record: %w: unsupported version %d", ErrCorrupt, h[len(magic)])
		}
		d.begun = true
	}
	n, err := d.uvarint("frame length")
	if err != nil {
		return err
	}
	if n == 0 {
		return d.end()
	}
	if n > maxBodyLen {
		return d.corrupt("frame of %d bytes exceeds the limit of %d", n, maxBodyLen)
	}
	if err := d.readBody(int(n)); err != nil {
		return d.readErr("frame", err)
	}
	d.crc = crc32.Update(d.crc, castagnoli, binary.AppendUvarint(d.pre[:0], n))
	d.crc = crc32.Update(d.crc, castagnoli, d.buf)
	if err := d.parse(r); err != nil {
		return err
	}
	d.count++
	return nil
}

// uvarint reads a uvarint from the stream. It is binary.ReadUvarint with
// errors that tell truncation from overflow.
func (d *Decoder) uvarint(what string) (uint64, error) {
	var x uint64
	for i := range binary.MaxVarintLen64 {
		b, err := d.r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, d.readErr(what, err)
		}
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break
			}
			return x | uint64(b)<<(7*i), nil
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, d.corrupt("%s overflows 64 bits", what)
}

// end checks the trailer and that nothing follows it.
func (d *Decoder) end() error {
	count, err := d.uvarint("record count")
	if err != nil {
		return err
	}
	var c [4]byte
	if _, err := io.ReadFull(d.r, c[:]); err != nil {
		return d.readErr("checksum", err)
	}
	if count != d.count {
		return fmt.Errorf("record: %w: stream ends after %d records but says it holds %d", ErrCorrupt, d.count, count)
	}
	if crc := binary.LittleEndian.Uint32(c[:]); crc != d.crc {
		return fmt.Errorf("record: %w: checksum mismatch (stored %08x, computed %08x)", ErrCorrupt, crc, d.crc)
	}
	if _, err := d.r.ReadByte(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("record: after the end of the stream: %w", err)
		}
		return fmt.Errorf("record: %w: data after the end of the stream", ErrCorrupt)
	}
	return io.EOF
}

// readBody reads an n-byte frame body into d.buf. A large frame's buffer grows
// with the bytes actually read, so a corrupt length in a short stream costs
// little.
func (d *Decoder) readBody(n int) error {
	if n <= cap(d.buf) {
		d.buf = d.buf[:n]
		_, err := io.ReadFull(d.r, d.buf)
		return err
	}
	d.buf = d.buf[:0]
	for len(d.buf) < n {
		step := min(n-len(d.buf), max(len(d.buf), readGrain))
		d.buf = slices.Grow(d.buf, step)
		m, err := io.ReadFull(d.r, d.buf[len(d.buf):len(d.buf)+step])
		d.buf = d.buf[:len(d.buf)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readErr describes a failure to read part of the stream. Running out of input
// anywhere before the end marker is truncation.
func (d *Decoder) readErr(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("record: %w: truncated in the %s after %d records: %w", ErrCorrupt, what, d.count, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("record: reading %s after %d records: %w", what, d.count, err)
}

func (d *Decoder) corrupt(format string, args ...any) error {
	return fmt.Errorf("record: %w: record %d: %s", ErrCorrupt, d.count+1, fmt.Sprintf(format, args...))
}

// parse decodes the frame body in d.buf into *r.
func (d *Decoder) parse(r *Record) error {
	p := parser{b: d.buf}
	flags := p.byte()
	if flags&^flagsKnown != 0 {
		return d.corrupt("unknown flags %#x", flags)
	}
	line := p.varint()
	sec := p.varint()
	nsec := p.uvarint()
	var client netip.Addr
	switch kind := p.byte(); kind {
	case 0:
	case 4:
		client = netip.AddrFrom4([4]byte(p.bytes(4)))
	case 16:
		client = netip.AddrFrom16([16]byte(p.bytes(16)))
	default:
		return d.corrupt("unknown address kind %d", kind)
	}
	status := p.varint()
	size := p.varint()
	var lens [numStrings]int
	text := 0
	for i := range lens {
		if !stored(i, flags) {
			continue
		}
		n := p.uvarint()
		if n > MaxStringLen {
			return d.corrupt("%s of %d bytes exceeds the limit of %d", fieldNames[i], n, MaxStringLen)
		}
		lens[i] = int(n)
		text += int(n)
	}
	switch {
	case p.bad:
		return d.corrupt("frame too short for its fields")
	case nsec >= 1e9:
		return d.corrupt("nanoseconds %d out of range", nsec)
	case int64(int(status)) != status:
		return d.corrupt("status %d out of range", status)
	case text != len(p.b):
		return d.corrupt("string lengths add up to %d bytes, frame has %d", text, len(p.b))
	case lens[numStrings-1] > 0 && !client.Is6():
		return d.corrupt("zone on a non-IPv6 address")
	}

	s := string(p.b) // the one allocation: every string field is a substring of s
	var strs [numStrings]string
	for i, n := range lens {
		strs[i], s = s[:n], s[n:]
	}
	if flags&flagRawPathSame != 0 {
		strs[iRawPath] = strs[iPath]
	}
	if flags&flagRawQuerySame != 0 {
		strs[iRawQuery] = strs[iQuery]
	}
	if z := strs[numStrings-1]; z != "" {
		client = client.WithZone(z)
	}
	*r = Record{
		Line:      line,
		Time:      time.Unix(sec, int64(nsec)).UTC(),
		Client:    client,
		Method:    strs[0],
		Host:      strs[1],
		Path:      strs[2],
		RawPath:   strs[3],
		Query:     strs[4],
		RawQuery:  strs[5],
		Proto:     strs[6],
		Status:    int(status),
		Bytes:     size,
		Referer:   strs[7],
		UA:        strs[8],
		RequestID: strs[9],
		Malformed: flags&flagMalformed != 0,
	}
	return nil
}

// parser reads fields from a frame body. Once a read runs past the end it
// sets bad and every later read returns zero values, so the caller can check
// once after reading the fixed part.
type parser struct {
	b   []byte
	bad bool
}

func (p *parser) fail() {
	p.bad = true
	p.b = nil
}

func (p *parser) byte() byte {
	if len(p.b) < 1 {
		p.fail()
		return 0
	}
	c := p.b[0]
	p.b = p.b[1:]
	return c
}

var zeros [16]byte

func (p *parser) bytes(n int) []byte {
	if len(p.b) < n {
		p.fail()
		return zeros[:n]
	}
	s := p.b[:n]
	p.b = p.b[n:]
	return s
}

func (p *parser) uvarint() uint64 {
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.fail()
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *parser) varint() int64 {
	v, n := binary.Varint(p.b)
	if n <= 0 {
		p.fail()
		return 0
	}
	p.b = p.b[n:]
	return v
}
