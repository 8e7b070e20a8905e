// Package record defines the normalised request record that every log format
// is parsed into, and the actor key requests are grouped by.
package record

import (
	"net/netip"
	"time"
)

// Record is one HTTP request, normalised from any supported log format.
// Every string field is attacker-controlled text.
type Record struct {
	Line     int64      `json:"n"`           // 1-based line number in the source file
	Time     time.Time  `json:"t"`           // UTC
	Client   netip.Addr `json:"c"`           // client address (IPv4-mapped IPv6 unmapped)
	Method   string     `json:"m,omitempty"` // request method as logged; "" when the request line was unusable
	Host     string     `json:"h,omitempty"` // site host (x-host-header for CloudFront/Amplify)
	Path     string     `json:"p,omitempty"` // percent-decoded path
	RawPath  string     `json:"rp,omitempty"`
	Query    string     `json:"q,omitempty"` // percent-decoded query, without '?'
	RawQuery string     `json:"rq,omitempty"`
	Proto    string     `json:"pr,omitempty"`
	Status   int        `json:"s,omitempty"` // 0 when unknown or the client went away (CloudFront 000)
	Bytes    int64      `json:"b,omitempty"`
	Referer  string     `json:"r,omitempty"` // decoded; "" when absent ("-")
	UA       string     `json:"u,omitempty"` // decoded user agent; "" when absent ("-")
	// RequestID identifies a request across overlapping downloads
	// (x-edge-request-id for CloudFront and Amplify), "" when the format has none.
	RequestID string `json:"id,omitempty"`
	// Malformed is set when the request line was empty, binary or not
	// "METHOD target PROTO"; Path then holds the raw request text.
	Malformed bool `json:"x,omitempty"`
}

// Actor returns the key requests are grouped by: the client address for IPv4,
// its /64 for IPv6 (one host usually owns a whole /64).
func Actor(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, err := a.Prefix(64)
	if err != nil {
		return netip.PrefixFrom(a, a.BitLen())
	}
	return p
}

// Block returns the prefix that holds a client's neighbours: its IPv4 /24
// or its IPv6 /48 (one site's allocation). A scan that rotates through
// addresses rarely leaves it, so Parse keeps a block in one chunk.
func Block(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.PrefixFrom(a, a.BitLen())
	}
	return p
}

// ActorString renders an actor key the way reports and blocklists write it:
// a bare IPv4 address, or an IPv6 CIDR.
func ActorString(p netip.Prefix) string {
	if p.Addr().Is4() && p.Bits() == 32 {
		return p.Addr().String()
	}
	return p.String()
}
