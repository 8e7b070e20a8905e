package detect

import (
	"sync"

	"github.com/logsift/logsift/internal/record"
)

// PageSizes histograms the sizes of 2xx answers to page requests (not static
// assets), in 16-byte buckets. It tells a served secret from a single-page
// app's catch-all index.html: a /.env answered with the size most pages have
// is the app's index page, not a leak.
//
// It describes the site's ordinary pages, so answers to paths the presence
// rules know (sensitive files, backdoors, admin, WordPress and technology
// paths) are left out: an attacker who fetches a leaked file thirty times
// must not make its size "the site's usual page" and so hide the leak.
//
// The histogram describes the whole site, so it must not depend on how the
// actors were split into chunks: on AWS the Parse stage builds it over every
// row and each chunk's engine is handed it (Engine.UsePageSizes); a local run's
// engine sees every row itself.
type PageSizes struct {
	Buckets map[int64]int64 `json:"buckets"`
	Pages   int64           `json:"pages"`

	buf     []byte // scratch space for the normalised path
	matches []match
}

// NewPageSizes returns an empty histogram.
func NewPageSizes() *PageSizes { return &PageSizes{Buckets: make(map[int64]int64)} }

// Observe counts r if it is a 2xx answer with a body to a page request for
// a path no presence rule knows.
func (p *PageSizes) Observe(r *record.Record) {
	if r.Status < 200 || r.Status >= 300 || r.Bytes <= 0 || staticExtFold(r.Path) || p.attackPath(r) {
		return
	}
	k := r.Bytes / 16
	if _, ok := p.Buckets[k]; ok || len(p.Buckets) < maxPageSizes {
		p.Buckets[k]++
		p.Pages++
	}
}

// presencePaths matches the path patterns of the presence rules.
var presencePaths = sync.OnceValue(func() *matcher {
	var texts []string
	for _, pt := range allPatterns() {
		if rules[pt.rule].kind == kindPresence && pt.fields&fPath != 0 {
			texts = append(texts, pt.text)
		}
	}
	return newMatcher(texts)
})

// attackPath reports whether r's path, normalised as the rules see it,
// holds a presence rule's pattern anywhere. It ignores where in the path a
// pattern sits, so it leaves out a few more pages than the rules would
// match, which only makes the histogram smaller.
func (p *PageSizes) attackPath(r *record.Record) bool {
	raw := r.RawPath
	if raw == "" {
		raw = r.Path
	}
	b, path, rounds := normalize(p.buf, raw, false)
	p.buf = b
	if rounds >= 0 {
		path = str(b)
	}
	p.matches = presencePaths().scan(path, p.matches[:0])
	return len(p.matches) > 0
}

// near counts the pages whose size is within 2% of s.
func (p *PageSizes) near(s int64) int64 {
	var n int64
	lo, hi := (s-s/50)/16, (s+s/50)/16
	if hi-lo <= 64 {
		for k := lo; k <= hi; k++ {
			n += p.Buckets[k]
		}
		return n
	}
	for k, c := range p.Buckets {
		if k >= lo && k <= hi {
			n += c
		}
	}
	return n
}

// staticExtFold is staticExt on a path of any case, without allocating.
func staticExtFold(path string) bool {
	i := len(path) - 1
	for i >= 0 && path[i] != '.' && path[i] != '/' {
		i--
	}
	if i < 0 || path[i] != '.' || len(path)-i-1 > 8 {
		return false
	}
	var buf [10]byte
	ext := buf[:0]
	ext = append(ext, '.')
	for _, c := range []byte(path[i+1:]) {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		ext = append(ext, c)
	}
	return staticExt(string(ext))
}
