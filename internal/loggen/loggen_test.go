package loggen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/logsift/logsift/internal/testfiles"
)

// ExampleOptions are the options examples/access-logs.csv was made with; the
// command in examples/README.md must say the same.
var exampleOptions = Options{Format: "amplify", Rows: 2500, Seed: 1}

func genBytes(t testing.TB, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(&b, o); err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	for _, f := range Formats {
		t.Run(f, func(t *testing.T) {
			a := genBytes(t, Options{Format: f, Rows: 3000, Seed: 42})
			b := genBytes(t, Options{Format: f, Rows: 3000, Seed: 42})
			if !bytes.Equal(a, b) {
				t.Fatal("same seed gave different output")
			}
			c := genBytes(t, Options{Format: f, Rows: 3000, Seed: 43})
			if bytes.Equal(a, c) {
				t.Fatal("different seeds gave the same output")
			}
		})
	}
}

func dataLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, "date,time,") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestRowsHonoured(t *testing.T) {
	for _, rows := range []int64{1, 50, 2000, 20000} {
		for _, f := range Formats {
			got := int64(len(dataLines(genBytes(t, Options{Format: f, Rows: rows, Seed: 1}))))
			if got != rows {
				t.Errorf("%s rows=%d: wrote %d rows", f, rows, got)
			}
		}
	}
}

func TestSizeRoughlyHonoured(t *testing.T) {
	for _, f := range Formats {
		const want = 8 << 20
		n := int64(len(genBytes(t, Options{Format: f, Size: want, Seed: 3})))
		if n < want*85/100 || n > want*115/100 {
			t.Errorf("%s: asked for %d bytes, got %d", f, want, n)
		}
	}
}

func TestGzip(t *testing.T) {
	o := Options{Rows: 500, Seed: 9}
	plain := genBytes(t, o)
	o.Gzip = true
	zr, err := gzip.NewReader(bytes.NewReader(genBytes(t, o)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatal("gzip output does not decompress to the plain output")
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{Format: "xml"}, {Rows: -1}, {Size: -5}} {
		if err := Generate(io.Discard, o); err == nil {
			t.Errorf("Generate(%+v) = nil, want an error", o)
		}
	}
}

// The Amplify download is a CSV without quoting: 33 fields on every row, the
// header as Amplify writes it, escapes as in the real sample.
func TestAmplifyShape(t *testing.T) {
	b := genBytes(t, Options{Rows: 5000, Seed: 5})
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != AmplifyHeader {
		t.Fatalf("header = %q", lines[0])
	}
	real := testfiles.Read(t, "logzio-aws-serverless/python3/amplify/tests/data_to_json.txt")
	{
		h, rest, _ := strings.Cut(string(real), "\n")
		if h != AmplifyHeader {
			t.Fatalf("header differs from the real Amplify sample:\n%s\n%s", h, AmplifyHeader)
		}
		realRow, _, _ := strings.Cut(rest, "\n")
		got, want := strings.Split(lines[1], ",")[14], strings.Split(realRow, ",")[14]
		if len(got) != len(want) {
			t.Fatalf("x-edge-request-id %q, the real sample's is %d bytes: %q", got, len(want), want)
		}
	}
	var prev string
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 33 {
			t.Fatalf("line %d: %d fields: %s", i+2, len(f), l)
		}
		for j, v := range f {
			if v == "" {
				t.Fatalf("line %d field %d empty (Amplify writes -)", i+2, j+1)
			}
			if strings.ContainsAny(v, " \t\"") {
				t.Fatalf("line %d field %d has a raw space, tab or quote: %q", i+2, j+1, v)
			}
			if strings.ContainsAny(v, "(=") && strings.Count(v, `\(`)+strings.Count(v, `\=`) != strings.Count(v, "(")+strings.Count(v, "=") {
				t.Fatalf("line %d field %d has an unescaped ( or =: %q", i+2, j+1, v)
			}
		}
		if _, err := netip.ParseAddr(f[4]); err != nil {
			t.Fatalf("line %d: c-ip %q", i+2, f[4])
		}
		if !strings.HasSuffix(f[14], `\=\=`) || len(f[14]) != 58 {
			t.Fatalf("line %d: x-edge-request-id %q", i+2, f[14])
		}
		if f[15] != DefaultDomain || f[6] != DefaultCloudFrontHost {
			t.Fatalf("line %d: hosts %q %q", i+2, f[6], f[15])
		}
		ts := f[0] + "T" + f[1] + "Z"
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Fatalf("line %d: time %q", i+2, ts)
		}
		if ts < prev {
			t.Fatalf("line %d: time goes back from %s to %s", i+2, prev, ts)
		}
		prev = ts
	}
}

// What the sample must contain for the README's first command to show
// something: benign traffic and every planted attack kind, attackers only from
// the documentation ranges.
func TestContent(t *testing.T) {
	b := genBytes(t, Options{Format: "combined", Rows: 20000, Seed: 11})
	doc := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	isDoc := func(a netip.Addr) bool {
		for _, p := range doc {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	want := map[string]bool{"/.env": false, "/.git/config": false, "/wp-login.php": false, "etc/passwd": false,
		"UNION%20SELECT": false, "${jndi:": false, "Nikto": false, "zgrab": false, "POST /api/login": false,
		campaignUA: false, "/shell.php": false, "Googlebot": false, "UptimeRobot": false, "/favicon.ico": false, "Slackbot": false}
	clients := map[netip.Addr]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		ip, _, _ := strings.Cut(l, " ")
		a := netip.MustParseAddr(ip)
		clients[a] = true
		for k := range want {
			if strings.Contains(l, k) {
				want[k] = true
				if k == "${jndi:" && !isDoc(a) {
					t.Errorf("attack from a non-documentation address: %s", l)
				}
			}
		}
		if strings.Contains(l, "UptimeRobot") && isDoc(a) {
			t.Errorf("monitor from a documentation address: %s", l)
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no line contains %q", k)
		}
	}
	if len(clients) < 200 {
		t.Errorf("%d distinct clients in 20,000 rows; want a realistic population", len(clients))
	}
	campaign := 0
	for _, l := range dataLines(b) {
		if strings.Contains(l, campaignUA) && strings.Contains(l, "/.git/config") {
			campaign++
		}
	}
	if campaign < 5 {
		t.Errorf("campaign: %d addresses, want 5 or more", campaign)
	}
}

// The committed sample is exactly what the generator writes now.
func TestExampleUpToDate(t *testing.T) {
	want, err := os.ReadFile("../../examples/access-logs.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := genBytes(t, exampleOptions); !bytes.Equal(got, want) {
		t.Fatal("examples/access-logs.csv differs from the generator's output; regenerate it with the command in examples/README.md")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, f := range Formats {
		b.Run(f, func(b *testing.B) {
			var c countWriter
			for b.Loop() {
				c.n = 0
				if err := Generate(&c, Options{Format: f, Rows: 100_000, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(c.n)
		})
	}
}
