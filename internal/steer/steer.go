// Package steer writes logs in which the clients being judged try to steer
// the verdict (issue 9): visitors lured to a planted link, a leak hidden
// behind decoys, a scanner that calls itself Googlebot. Each Case holds the
// log and what the report must and must not say about it; the CLI test and
// the staged (AWS) sequence test run every case, so both paths are held to
// the same verdicts.
//
// Attackers use the documentation ranges; ordinary visitors use 100.64.0.0/10
// and the crawlers the addresses their operators publish.
package steer

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/loggen"
	"github.com/logsift/logsift/internal/report"
)

// Case is one log and the verdict logsift must reach on it.
type Case struct {
	Name   string
	Format string // "combined" or "amplify"
	Log    func(l *Log)
	// Check returns what is wrong with the report of the log.
	Check func(r *report.Report) []string
}

// Write writes the case's log.
func (c Case) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	l := &Log{w: bw, format: c.Format}
	if c.Format == "amplify" {
		bw.WriteString(loggen.AmplifyHeader + "\n")
	}
	c.Log(l)
	return bw.Flush()
}

// WriteFile writes the case's log to path.
func (c Case) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := c.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// Start is the log time of the first row.
var Start = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const (
	// Chrome is an ordinary browser's user agent.
	Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	// Googlebot is Google's crawler's user agent.
	Googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	// Site is the host of the site the logs are from.
	Site = "www.example.com"
)

// Log writes rows in one format.
type Log struct {
	w      *bufio.Writer
	format string
}

// Req is one request.
type Req struct {
	IP      string
	At      time.Duration // after Start
	Method  string        // GET when empty
	Target  string        // path and query as sent
	Status  int
	Bytes   int
	Referer string // "" for none
	UA      string
}

// Add writes one row.
func (l *Log) Add(q Req) {
	if q.Method == "" {
		q.Method = "GET"
	}
	t := Start.Add(q.At)
	switch l.format {
	case "amplify":
		path, query, _ := strings.Cut(q.Target, "?")
		if query == "" {
			query = "-"
		}
		fmt.Fprintf(l.w, "%s,%s,FRA56-P1,%d,%s,%s,d2abc8xyz3k4lm.cloudfront.net,%s,%d,%s,%s,%s,-,Miss,req%d,%s,https,120,0.010,-,TLSv1.3,TLS_AES_128_GCM_SHA256,Miss,HTTP/2.0,-,-,40000,0.009,Miss,text/html,%d,-,-\n",
			t.Format("2006-01-02"), t.Format("15:04:05"), q.Bytes, q.IP, q.Method, path, q.Status,
			amplifyField(q.Referer), amplifyField(q.UA), query, t.UnixNano()%1e9, Site, q.Bytes)
	default:
		ref := q.Referer
		if ref == "" {
			ref = "-"
		}
		fmt.Fprintf(l.w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n",
			q.IP, t.Format("02/Jan/2006:15:04:05 -0700"), q.Method, q.Target, q.Status, q.Bytes, ref, q.UA)
	}
}

// amplifyField writes a value as CloudFront does: percent-encoded spaces,
// backslash-escaped parentheses... kept simple: spaces and commas encoded.
func amplifyField(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer(" ", "%20", ",", "%2C").Replace(s)
}

// Visit writes an ordinary visit: a page of 5-8 KB reached from a search
// engine, then the page's assets with the page as referer.
func (l *Log) Visit(ip string, at time.Duration, page string, seed int) {
	l.Add(Req{IP: ip, At: at, Target: page, Status: 200, Bytes: 5000 + seed*397%3000, Referer: "https://www.google.com/", UA: Chrome})
	for i, a := range []string{"/css/site.css", "/js/app.js", "/img/logo.png"} {
		l.Add(Req{IP: ip, At: at + time.Second, Target: a, Status: 200, Bytes: 900 + (seed+i)*1231%40000,
			Referer: PageURL(page), UA: Chrome})
	}
}

// Visitors writes n ordinary visits from 100.64.x.y, one every 7 seconds.
func (l *Log) Visitors(n int) {
	pages := []string{"/", "/about", "/blog/post-1", "/contact"}
	for i := range n {
		l.Visit(Visitor(i), time.Duration(i)*7*time.Second, pages[i%len(pages)], i)
	}
}

// Visitor is the address of the i-th ordinary visitor.
func Visitor(i int) string { return fmt.Sprintf("100.64.%d.%d", i/200, i%200+1) }

// PageURL is the URL of a page of the site, as a referer.
func PageURL(path string) string { return (&url.URL{Scheme: "https", Host: Site, Path: path}).String() }
