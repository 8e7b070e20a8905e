package logformat

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// genLog writes a deterministic synthetic log of about size bytes in
// format f, with the value shapes real logs have (escaped UAs, queries,
// a share of probes), for benchmarks.
func genLog(f Format, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []string{"/", "/index.html", "/static/js/main.39198c94.js", "/static/css/main.073c9b0a.css", "/api/v1/items", "/favicon.ico", "/.env", "/wp-login.php", "/images/logo%20big.png", "/search"}
	queries := []string{"", "", "", "q=hello%20world&page=2", "id=42", "x=%27%20or%201=1--"}
	uas := []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/102.0.0.0 Safari/537.36",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"curl/7.81.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1",
	}
	statuses := []int{200, 200, 200, 304, 404, 403, 500}
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	switch f {
	case Amplify:
		buf.WriteString(strings.Join(amplifyHeaderNames(), ",") + "\n")
	case CloudFront:
		buf.WriteString("#Version: 1.0\n" + cfFields33 + "\n")
	}
	for i := 0; buf.Len() < size; i++ {
		t := t0.Add(time.Duration(i/7) * time.Second)
		ip := fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(222), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
		path := paths[rng.IntN(len(paths))]
		q := queries[rng.IntN(len(queries))]
		ua := uas[rng.IntN(len(uas))]
		st := statuses[rng.IntN(len(statuses))]
		n := rng.IntN(100000)
		id := fmt.Sprintf("%016x%016x%08x==", rng.Uint64(), rng.Uint64(), rng.Uint32())
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		switch f {
		case Amplify:
			eua := strings.NewReplacer(" ", "%20", "(", `\(`, ",", "").Replace(ua)
			fmt.Fprintf(&buf, "%s,%s,FRA56-P1,%d,%s,GET,d1abc.cloudfront.net,%s,%d,-,%s,%s,-,Miss,%s,main.d1abc.amplifyapp.com,https,420,0.012,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Miss,HTTP/2.0,-,-,%d,0.012,Miss,text/html,%d,-,-\n",
				t.Format("2006-01-02"), t.Format("15:04:05"), n, ip, path, st, eua, dash(q), strings.ReplaceAll(id, "=", `\=`), 1024+rng.IntN(60000), n)
		case CloudFront:
			eua := strings.ReplaceAll(ua, " ", "%20")
			fmt.Fprintf(&buf, "%s\t%s\tFRA56-P1\t%d\t%s\tGET\td1abc.cloudfront.net\t%s\t%d\t-\t%s\t%s\t-\tMiss\t%s\twww.example.com\thttps\t420\t0.012\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t%d\t0.012\tMiss\ttext/html\t%d\t-\t-\n",
				t.Format("2006-01-02"), t.Format("15:04:05"), n, ip, path, st, eua, dash(q), id, 1024+rng.IntN(60000), n)
		case ALB:
			target := path
			if q != "" {
				target += "?" + q
			}
			fmt.Fprintf(&buf, "https %s app/my-lb/50dc6c495c0c9188 %s:%d 10.0.0.1:80 0.001 0.002 0.000 %d %d 230 %d \"GET https://www.example.com:443%s HTTP/1.1\" \"%s\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-%s\" \"www.example.com\" \"-\" 0 %s \"forward\" \"-\" \"-\" \"10.0.0.1:80\" \"%d\" \"-\" \"-\" TID_1234abcd \"-\" \"-\" \"-\"\n",
				t.Format("2006-01-02T15:04:05.000000Z"), ip, 1024+rng.IntN(60000), st, st, n, target, ua, id[:24], t.Format("2006-01-02T15:04:05.000000Z"), st)
		default:
			target := path
			if q != "" {
				target += "?" + q
			}
			fmt.Fprintf(&buf, "%s - - [%s] \"GET %s HTTP/1.1\" %d %d \"-\" \"%s\"\n", ip, t.Format("02/Jan/2006:15:04:05 -0700"), target, st, n, ua)
		}
	}
	return buf.Bytes()
}

func amplifyHeaderNames() []string {
	out := make([]string, len(standardFields))
	for i, f := range standardFields {
		out[i] = strings.ReplaceAll(f, "(", `\(`)
	}
	return out
}

func TestGeneratedLogsParse(t *testing.T) {
	for _, f := range []Format{Amplify, CloudFront, ALB, Combined} {
		data := genLog(f, 256<<10)
		recs, r := readString(t, string(data), Options{})
		st := r.Stats()
		if r.Format() != f || st.Rejected != 0 || len(recs) < 300 {
			t.Errorf("%s: format %q, %d records, %+v", f, r.Format(), len(recs), st.Reasons)
		}
		if !bytes.Equal(data, genLog(f, 256<<10)) {
			t.Errorf("%s: generator is not deterministic", f)
		}
		for _, rec := range recs {
			if strings.Contains(rec.UA, "%20") || strings.Contains(rec.UA, `\`) || (strings.HasPrefix(rec.UA, "Mozilla") && !strings.Contains(rec.UA, " (")) {
				t.Fatalf("%s: UA not decoded: %q", f, rec.UA)
			}
		}
	}
}

func benchFormat(b *testing.B, f Format) {
	data := genLog(f, 32<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if st := r.Stats(); st.Rejected != 0 || r.Format() != f {
			b.Fatalf("format %q, %+v", r.Format(), st.Reasons)
		}
	}
}

func BenchmarkReaderAmplify(b *testing.B)    { benchFormat(b, Amplify) }
func BenchmarkReaderCloudFront(b *testing.B) { benchFormat(b, CloudFront) }
func BenchmarkReaderALB(b *testing.B)        { benchFormat(b, ALB) }
func BenchmarkReaderCombined(b *testing.B)   { benchFormat(b, Combined) }

func BenchmarkReaderAmplifyGzip(b *testing.B) {
	data := gzipBytes(b, genLog(Amplify, 32<<20))
	raw := genLog(Amplify, 32<<20)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
