package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// full is a record with every field set, as an Amplify line parses.
var full = Record{
	Line:      226,
	Time:      time.Date(2026, 11, 20, 9, 1, 35, 123456789, time.UTC),
	Client:    netip.MustParseAddr("73.162.137.125"),
	Method:    "GET",
	Host:      "main.d1x8k2q7w3v9zr.amplifyapp.com",
	Path:      "/search/a b",
	RawPath:   "/search/a%20b",
	Query:     "q=1&r=<x>",
	RawQuery:  "q=1&r=%3Cx%3E",
	Proto:     "HTTP/2.0",
	Status:    200,
	Bytes:     184644,
	Referer:   "https://main.d1x8k2q7w3v9zr.amplifyapp.com/pricing",
	UA:        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	RequestID: "GjMBHLndLMM0T9Rs2tV4UdmQyyu0DRtseWbTvcVU4121NMaLfq4r3ndg==",
}

func with(f func(r *Record)) Record {
	r := full
	f(&r)
	return r
}

var roundTrips = []struct {
	name string
	rec  Record
}{
	{"zero", Record{}},
	{"full", full},
	{"ipv6", with(func(r *Record) { r.Client = netip.MustParseAddr("2001:db8:85a3::8a2e:370:7334") })},
	{"ipv4-mapped", with(func(r *Record) { r.Client = netip.MustParseAddr("::ffff:192.0.2.7") })},
	{"ipv6 zone", with(func(r *Record) { r.Client = netip.MustParseAddr("fe80::1%eth0") })},
	{"no client", with(func(r *Record) { r.Client = netip.Addr{} })},
	{"zero time", with(func(r *Record) { r.Time = time.Time{} })},
	{"before 1970", with(func(r *Record) { r.Time = time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC) })},
	{"far future", with(func(r *Record) { r.Time = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC) })},
	{"raw path unset", with(func(r *Record) { r.RawPath, r.RawQuery = "", "" })},
	{"raw equals decoded", with(func(r *Record) { r.RawPath, r.RawQuery = r.Path, r.Query })},
	{"only raw", with(func(r *Record) { r.Path, r.Query = "", "" })},
	{"malformed", with(func(r *Record) {
		r.Malformed, r.Method, r.Proto, r.Path, r.RawPath = true, "", "", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", ""
	})},
	{"not utf-8 and nul", with(func(r *Record) {
		r.UA, r.Referer, r.Host = "\xff\xfe\x00bad\x00", "\x00", "h\xc3\x28ost"
	})},
	{"negative and extreme ints", with(func(r *Record) {
		r.Line, r.Status, r.Bytes = -1, -500, -1<<63
	})},
	{"max ints", with(func(r *Record) {
		r.Line, r.Status, r.Bytes = 1<<63-1, 999, 1<<63-1
	})},
	{"longest strings", with(func(r *Record) {
		r.UA = strings.Repeat("u", MaxStringLen)
		r.Path = strings.Repeat("/", MaxStringLen)
		r.RawPath = ""
	})},
}

func encodeAll(t testing.TB, recs ...Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			t.Fatalf("Encode(record %d): %v", i, err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeAll decodes a whole stream, returning the records before any error.
func decodeAll(data []byte) ([]Record, error) {
	dec := NewDecoder(bytes.NewReader(data))
	var out []Record
	for {
		var r Record
		if err := dec.Decode(&r); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	var all []Record
	for _, tt := range roundTrips {
		all = append(all, tt.rec)
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(encodeAll(t, tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tt.rec {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.rec)
			}
		})
	}
	// All of them in one stream, decoded into one reused Record the way the
	// pipeline does, so nothing of a record may leak into the next.
	dec := NewDecoder(bytes.NewReader(encodeAll(t, all...)))
	var r Record
	for i, want := range all {
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if r != want {
			t.Errorf("record %d (%s):\n got %+v\nwant %+v", i, roundTrips[i].name, r, want)
		}
	}
	for range 2 {
		if err := dec.Decode(&r); err != io.EOF {
			t.Fatalf("after the last record: %v, want io.EOF", err)
		}
	}
}

func TestCodecEmptyStream(t *testing.T) {
	got, err := decodeAll(encodeAll(t))
	if err != nil || len(got) != 0 {
		t.Errorf("empty stream: %d records, %v", len(got), err)
	}
}

func TestCodecTimeIsUTC(t *testing.T) {
	in := with(func(r *Record) { r.Time = time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", -7*3600)) })
	got, err := decodeAll(encodeAll(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Time.Equal(in.Time) || got[0].Time.Location() != time.UTC {
		t.Errorf("time %v, want %v in UTC", got[0].Time, in.Time)
	}
}

func TestEncodeTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxStringLen+1)
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for i, set := range []func(r *Record){
		func(r *Record) { r.Method = long },
		func(r *Record) { r.Host = long },
		func(r *Record) { r.Path = long },
		func(r *Record) { r.RawPath = long },
		func(r *Record) { r.Query = long },
		func(r *Record) { r.RawQuery = long },
		func(r *Record) { r.Proto = long },
		func(r *Record) { r.Referer = long },
		func(r *Record) { r.UA = long },
		func(r *Record) { r.RequestID = long },
	} {
		r := with(set)
		if err := enc.Encode(&r); !errors.Is(err, ErrTooLong) {
			t.Errorf("field %d: Encode = %v, want ErrTooLong", i, err)
		}
	}
	// A refused record leaves the stream as it was.
	if err := enc.Encode(&full); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := decodeAll(buf.Bytes())
	if err != nil || len(got) != 1 || got[0] != full {
		t.Errorf("after refused records: %d records, %v", len(got), err)
	}
	if err := enc.Encode(&full); err == nil {
		t.Error("Encode after Close succeeded")
	}
}

func TestDecodeTruncated(t *testing.T) {
	data := encodeAll(t, roundTrips[0].rec, full, roundTrips[2].rec, roundTrips[8].rec)
	for i := range len(data) {
		got, err := decodeAll(data[:i])
		if !errors.Is(err, ErrCorrupt) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d of %d: %d records, err %v; want a truncation error", i, len(data), len(got), err)
		}
	}
}

// TestDecodeDamaged flips each bit of a stream in turn: every damaged stream
// must fail, whether in parsing or at the checksum.
func TestDecodeDamaged(t *testing.T) {
	data := encodeAll(t, full, roundTrips[4].rec, roundTrips[12].rec)
	for i := range len(data) {
		for bit := range 8 {
			d := bytes.Clone(data)
			d[i] ^= 1 << bit
			if got, err := decodeAll(d); err == nil {
				t.Fatalf("bit %d of byte %d flipped: decoded %d records without error", bit, i, len(got))
			}
		}
	}
}

// frame builds a stream holding one frame with the given body and no end.
func frame(body []byte) []byte {
	b := append([]byte(magic), version)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// body builds a frame body: the fixed fields of a record at line 1 with no
// client, then tail.
func body(flags byte, tail ...byte) []byte {
	b := []byte{flags, 2, 0, 0, 0, 0, 0}
	return append(b, tail...)
}

func TestDecodeCorrupt(t *testing.T) {
	lens := make([]byte, numStrings-2) // RawPath and RawQuery flagged equal
	same := byte(flagRawPathSame | flagRawQuerySame)
	good := encodeAll(t, full)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"bad magic", []byte("LSREX\x01"), "bad magic"},
		{"json", []byte(`{"n":1}` + "\n"), "bad magic"},
		{"future version", append([]byte(magic), version+1), fmt.Sprintf("unsupported version %d", version+1)},
		{"frame over limit", binary.AppendUvarint(streamHead(), maxBodyLen+1), "exceeds the limit"},
		{"length overflows", append(streamHead(), bytes.Repeat([]byte{0xff}, 10)...), "overflows"},
		{"short body", frame([]byte{0, 2}), "too short"},
		{"unknown flags", frame(body(0x80, lens...)), "unknown flags"},
		{"address kind", frame([]byte{same, 2, 0, 0, 6, 0, 0}), "address kind 6"},
		{"nanoseconds", frame(append(binary.AppendUvarint([]byte{same, 2, 0}, 1e9), append([]byte{0, 0, 0}, lens...)...)), "nanoseconds"},
		{"string over limit", frame(body(same, binary.AppendUvarint(nil, MaxStringLen+1)...)), "exceeds the limit"},
		{"strings longer than frame", frame(body(same, append([]byte{5}, lens[1:]...)...)), "add up to 5"},
		{"bytes after strings", frame(body(same, append(bytes.Clone(lens), 'x')...)), "frame has 1"},
		{"zone on no address", frame(body(same, append(bytes.Clone(lens[1:]), 1, '1')...)), "zone"},
		{"count", append(bytes.Clone(good[:len(good)-5]), 2, 0, 0, 0, 0), "holds 2"},
		{"checksum", append(bytes.Clone(good[:len(good)-4]), 0, 0, 0, 0), "checksum"},
		{"trailing data", append(bytes.Clone(good), 0), "after the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := NewDecoder(bytes.NewReader(tt.data))
			r := full
			err := dec.Decode(&r)
			if tt.name == "count" || tt.name == "checksum" || tt.name == "trailing data" {
				if err != nil {
					t.Fatalf("first record: %v", err)
				}
				err = dec.Decode(&r)
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode = %v, want ErrCorrupt mentioning %q", err, tt.want)
			}
			if r != full {
				t.Errorf("Decode changed the record on error: %+v", r)
			}
			if err2 := dec.Decode(&r); err2 != err {
				t.Errorf("second Decode = %v, want the same error", err2)
			}
		})
	}
}

// TestDecodeReadError checks that the reader's own errors come through.
func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	data := encodeAll(t, full)
	dec := NewDecoder(io.MultiReader(bytes.NewReader(data[:20]), &errReader{boom}))
	var r Record
	if err := dec.Decode(&r); !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
		t.Errorf("Decode = %v, want the reader's error", err)
	}
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

// TestDecodeHugeLength checks that a frame claiming the largest allowed length
// in a short stream does not make Decode allocate that much.
func TestDecodeHugeLength(t *testing.T) {
	data := binary.AppendUvarint(streamHead(), maxBodyLen)
	data = append(data, make([]byte, 1000)...)
	alloc := allocated(func() {
		if _, err := decodeAll(data); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Decode = %v, want truncation", err)
		}
	})
	if alloc > 1<<20 {
		t.Errorf("decoding a %d-byte stream allocated %d bytes", len(data), alloc)
	}
}

// streamHead is the start of a stream of the current version.
func streamHead() []byte { return append([]byte(magic), version) }

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestCodecAllocs(t *testing.T) {
	enc := NewEncoder(io.Discard)
	if n := testing.AllocsPerRun(1000, func() { enc.Encode(&full) }); n != 0 {
		t.Errorf("Encode: %v allocations per record, want 0", n)
	}
	recs := make([]Record, 2000)
	for i := range recs {
		recs[i] = full
	}
	dec := NewDecoder(bytes.NewReader(encodeAll(t, recs...)))
	var r Record
	if n := testing.AllocsPerRun(1000, func() {
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("Decode: %v allocations per record, want at most 1", n)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{})
	f.Add(streamHead())
	f.Add(encodeAll(f))
	for _, tt := range roundTrips {
		if len(tt.rec.UA) < 1000 {
			f.Add(encodeAll(f, tt.rec))
		}
	}
	f.Add(encodeAll(f, full, roundTrips[3].rec, roundTrips[4].rec, roundTrips[12].rec))
	f.Add(binary.AppendUvarint(streamHead(), maxBodyLen))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Decoding allocates the read buffer, a frame buffer at most twice the
		// largest frame, and strings no longer than the stream (and for each
		// zone a little in netip), never anything near the limits.
		alloc := allocated(func() {
			dec := NewDecoder(bytes.NewReader(data))
			var r Record
			for dec.Decode(&r) == nil {
			}
		})
		if alloc > 8*uint64(len(data))+1<<20 {
			t.Fatalf("decoding %d bytes allocated %d", len(data), alloc)
		}
		recs, err := decodeAll(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		// Whatever decodes cleanly encodes again to the same records.
		again, err := decodeAll(encodeAll(t, recs...))
		if err != nil {
			t.Fatal(err)
		}
		for i := range recs {
			if again[i] != recs[i] {
				t.Fatalf("record %d re-encoded as %+v, was %+v", i, again[i], recs[i])
			}
		}
	})
}

func benchRecords() []Record {
	recs := make([]Record, 1<<14)
	for i := range recs {
		recs[i] = roundTrips[i%12].rec
		recs[i].Line = int64(i)
	}
	return recs
}

func BenchmarkEncode(b *testing.B) {
	recs := benchRecords()
	b.Run("binary", func(b *testing.B) {
		b.SetBytes(int64(len(encodeAll(b, recs...)) / len(recs)))
		b.ReportAllocs()
		enc := NewEncoder(io.Discard)
		for i := 0; b.Loop(); i++ {
			if err := enc.Encode(&recs[i%len(recs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i := range recs {
			enc.Encode(&recs[i])
		}
		b.SetBytes(int64(buf.Len() / len(recs)))
		b.ReportAllocs()
		enc = json.NewEncoder(io.Discard)
		for i := 0; b.Loop(); i++ {
			if err := enc.Encode(&recs[i%len(recs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	recs := benchRecords()
	b.Run("binary", func(b *testing.B) {
		data := encodeAll(b, recs...)
		b.SetBytes(int64(len(data) / len(recs)))
		b.ReportAllocs()
		dec := NewDecoder(bytes.NewReader(data))
		var r Record
		for b.Loop() {
			err := dec.Decode(&r)
			if err == io.EOF {
				dec = NewDecoder(bytes.NewReader(data))
				err = dec.Decode(&r)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i := range recs {
			enc.Encode(&recs[i])
		}
		data := buf.Bytes()
		b.SetBytes(int64(len(data) / len(recs)))
		b.ReportAllocs()
		dec := json.NewDecoder(bytes.NewReader(data))
		var r Record
		for b.Loop() {
			r = Record{}
			err := dec.Decode(&r)
			if err == io.EOF {
				dec = json.NewDecoder(bytes.NewReader(data))
				err = dec.Decode(&r)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
