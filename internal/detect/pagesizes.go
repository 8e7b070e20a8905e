package detect

import "github.com/logsift/logsift/internal/record"

// PageSizes histograms the sizes of 2xx answers to page requests (not static
// assets), in 16-byte buckets. It tells a served secret from a single-page
// app's catch-all index.html: a /.env answered with the size most pages have
// is the app's index page, not a leak.
//
// The histogram describes the whole site, so it must not depend on how the
// actors were split into chunks: on AWS the Parse stage builds it over every
// row and each chunk's engine is handed it (Engine.UsePageSizes); a local run's
// engine sees every row itself.
type PageSizes struct {
	Buckets map[int64]int64 `json:"buckets"`
	Pages   int64           `json:"pages"`
}

// NewPageSizes returns an empty histogram.
func NewPageSizes() *PageSizes { return &PageSizes{Buckets: make(map[int64]int64)} }

// Observe counts r if it is a 2xx answer with a body to a page request.
func (p *PageSizes) Observe(r *record.Record) {
	if r.Status < 200 || r.Status >= 300 || r.Bytes <= 0 || staticExtFold(r.Path) {
		return
	}
	k := r.Bytes / 16
	if _, ok := p.Buckets[k]; ok || len(p.Buckets) < maxPageSizes {
		p.Buckets[k]++
		p.Pages++
	}
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
