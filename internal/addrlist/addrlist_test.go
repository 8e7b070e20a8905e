package addrlist

import (
	"bytes"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
)

func TestChunkListRoundTrip(t *testing.T) {
	want := []any{
		&Actor{Actor: "192.0.2.1", Finding: "192.0.2.1", Groups: []string{"g1", "g2"}, Severity: evidence.High,
			Categories: []evidence.Category{evidence.SQLInjection, evidence.ScannerUA}},
		&Actor{Actor: "192.0.2.9", Finding: "192.0.2.0/28", Groups: []string{"g3"}, Weak: true, Severity: evidence.Medium,
			Categories: []evidence.Category{evidence.SensitiveFiles}},
		&Block{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Actors: 7},
		&Actor{Actor: "2001:db8:1:2::/64", Finding: "2001:db8:1:2::/64", Groups: []string{"g4"}, Severity: evidence.Low},
		&Block{Prefix: netip.MustParsePrefix("2001:db8:1::/48"), Actors: 1},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, x := range want {
		var err error
		switch x := x.(type) {
		case *Actor:
			err = w.Actor(*x)
		case *Block:
			err = w.Block(*x)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf)
	var got []any
	for {
		a, b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if a != nil {
			got = append(got, a)
		} else {
			got = append(got, b)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
}

// A damaged list is an error with its line, never a guess.
func TestChunkListRejectsDamage(t *testing.T) {
	for _, in := range []string{
		"x,1,2\n",
		"b,not-a-prefix,3\n",
		"b,192.0.2.0/24,-1\n",
		"b,192.0.2.0/24,many\n",
		"a,192.0.2.1,192.0.2.1,g1,s,catastrophic,sqli\n",
		"a,,192.0.2.1,g1,s,high,sqli\n",
		"a,192.0.2.1,192.0.2.1,g1,maybe,high,sqli\n",
		"a,192.0.2.1,192.0.2.1,g1,s,high\n",
		"a,192.0.2.1,\"unterminated\n",
	} {
		_, _, err := NewReader(strings.NewReader(in)).Next()
		if err == nil || err == io.EOF || !strings.Contains(err.Error(), "address list") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestFileWriter(t *testing.T) {
	var buf bytes.Buffer
	fw, err := NewFileWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write("192.0.2.1", evidence.High, []evidence.Category{evidence.SQLInjection, evidence.ScannerUA}, "192.0.2.1", "")
	fw.Write("2001:db8::/64", evidence.Medium, []evidence.Category{evidence.SensitiveFiles}, "", "g00000000000a")
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "address,severity,categories,finding,group\n192.0.2.1,high,sqli scanner-ua,192.0.2.1,\n2001:db8::/64,medium,sensitive-files,,g00000000000a\n"
	if buf.String() != want || fw.Addresses() != 2 {
		t.Errorf("wrote %q (%d addresses), want %q", buf.String(), fw.Addresses(), want)
	}
}
