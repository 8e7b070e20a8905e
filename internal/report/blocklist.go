package report

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/logsift/logsift/internal/evidence"
)

// The blocklist policy, in one place: which findings are blocked, when a
// prefix is blocked instead of its addresses, and how long the list gets.

// BlockMinSeverity is the lowest severity whose actors go on the blocklist.
// Low findings (a fast crawler, a few technology probes) are left to rate limits and managed rules: blocking them
// outright hurts more than it helps.
const BlockMinSeverity = evidence.Medium

// MinPrefixAddresses is how many addresses of one block (IPv4 /24, IPv6 /48)
// must be blocked before the block goes on the blocklist as one prefix, and
// then only if the log shows no other client in it (BlockTally.Close).
const MinPrefixAddresses = 8

// MaxBlockEntries bounds the blocklist: past it the address file holds the
// rest (AddressFile.Unlisted).
const MaxBlockEntries = 1000

// BlockTally counts one block's suspicious addresses as the address file is
// written, for PrefixEntry.
type BlockTally struct {
	blockable   int64
	others      bool // an address below BlockMinSeverity
	first, last netip.Addr
	sev         evidence.Severity
	cats        []evidence.Category
}

// Add counts one suspicious address of the block (addr is an address or a
// /64), in address order.
func (t *BlockTally) Add(addr netip.Prefix, sev evidence.Severity, cats []evidence.Category) {
	if sev < BlockMinSeverity {
		t.others = true
		return
	}
	if t.blockable == 0 {
		t.first, t.sev = addr.Addr(), sev
	}
	t.blockable++
	t.last = addr.Addr()
	t.sev = min(t.sev, sev)
	for _, c := range cats {
		if !slices.Contains(t.cats, c) && len(t.cats) < 8 {
			t.cats = append(t.cats, c)
		}
	}
}

// Close decides on the block, which held actors in all: a prefix goes on
// the blocklist instead of its addresses only when every client the log
// shows in the block is blocked (none benign, none below the blocklist's
// severity), there are at least MinPrefixAddresses of them, and they fill
// at least a quarter of the smallest prefix that holds them (never wider
// than the block), so that a few attackers scattered over a /24 do not get
// the addresses between them, unseen in the log, blocked too.
func (t *BlockTally) Close(block netip.Prefix, actors int64) (BlockEntry, bool) {
	if t.others || t.blockable < MinPrefixAddresses || t.blockable != actors {
		return BlockEntry{}, false
	}
	bits := block.Bits()
	for bits < t.first.BitLen() {
		p, _ := t.first.Prefix(bits + 1)
		if !p.Contains(t.last) {
			break
		}
		bits++
	}
	// Actors are addresses (IPv4) or /64s (IPv6): the prefix holds 2^free of them.
	unit := 32
	if !t.first.Is4() {
		unit = 64
	}
	if free := unit - bits; free > 0 && (free >= 62 || int64(1)<<free > 4*t.blockable) {
		return BlockEntry{}, false
	}
	p, _ := t.first.Prefix(bits)
	evidence.SortCategories(t.cats)
	return BlockEntry{
		CIDR:     p.String(),
		Severity: t.sev,
		Reason: fmt.Sprintf("%s: %s; %s, every client of %s the log shows", t.sev, evidence.JoinCategories(t.cats, ", "),
			plural(t.blockable, "address", "addresses"), block),
		Addresses: t.blockable,
	}, true
}

// AddPrefix adds e to a list of prefix entries, keeping it within
// MaxBlockEntries (the most severe and widest first).
func AddPrefix(list []BlockEntry, e BlockEntry) []BlockEntry {
	list = append(list, e)
	if len(list) >= 2*MaxBlockEntries {
		sortEntries(list)
		list = slices.Clip(list[:MaxBlockEntries])
	}
	return list
}

func sortEntries(es []BlockEntry) {
	slices.SortStableFunc(es, func(a, b BlockEntry) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Addresses, a.Addresses),
			netip.MustParsePrefix(a.CIDR).Addr().Compare(netip.MustParsePrefix(b.CIDR).Addr()))
	})
}

// blockCIDR turns an actor key into a CIDR: IPv4 /32, IPv6 /64. ok is false
// for anything that is not an address or prefix.
func blockCIDR(actor string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(actor); err == nil {
		if p.Addr().Is4() {
			return p.Masked(), true
		}
		return netip.PrefixFrom(p.Addr(), min(p.Bits(), 64)).Masked(), true
	}
	a, err := netip.ParseAddr(actor)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return netip.PrefixFrom(a, 32), true
	}
	return netip.PrefixFrom(a, 64).Masked(), true
}

// blockTarget is one CIDR to block for an actor and how many of its
// addresses it holds.
type blockTarget struct {
	cidr      netip.Prefix
	addresses int64
}

// blockCIDRs is what to block for an actor: its own address or prefix, or
// for a rotating scan whose prefix others share, the prefixes that hold only
// its members (the members listed in each; when the scan had more than
// evidence.MaxMembers, the first prefix takes the rest).
func blockCIDRs(a *evidence.Actor) []blockTarget {
	if len(a.Block) == 0 {
		c, ok := blockCIDR(a.Actor)
		if !ok {
			return nil
		}
		return []blockTarget{{c, a.Clients()}}
	}
	var out []blockTarget
	var counted int64
	for _, b := range a.Block {
		c, ok := blockCIDR(b)
		if !ok {
			continue
		}
		t := blockTarget{cidr: c}
		for _, m := range a.Members {
			if p, ok := blockCIDR(m); ok && c.Contains(p.Addr()) {
				t.addresses++
			}
		}
		counted += t.addresses
		out = append(out, t)
	}
	if len(out) > 0 {
		out[0].addresses += max(0, a.Clients()-counted)
	}
	return out
}

// blocklist lists the prefixes of attackers, then every finding at
// BlockMinSeverity or above that no prefix covers, worst first, at most
// MaxBlockEntries.
func blocklist(fs []Finding, prefixes []BlockEntry) []BlockEntry {
	out := slices.Clone(prefixes)
	sortEntries(out)
	var nets []netip.Prefix
	for _, e := range out {
		nets = append(nets, netip.MustParsePrefix(e.CIDR))
	}
	seen := map[netip.Prefix]bool{}
	for _, f := range fs {
		if f.Severity < BlockMinSeverity {
			continue
		}
		reason := fmt.Sprintf("%s: %s; %s", f.Severity, evidence.JoinCategories(f.Categories, ", "), plural(f.Evidence.Requests, "request", "requests"))
		if !f.Evidence.FirstSeen.IsZero() {
			reason += " from " + f.Evidence.FirstSeen.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		for _, b := range blockCIDRs(&f.Evidence) {
			c := b.cidr
			if seen[c] || slices.ContainsFunc(nets, func(n netip.Prefix) bool { return n.Bits() <= c.Bits() && n.Contains(c.Addr()) }) {
				continue
			}
			seen[c] = true
			r := reason
			if n := f.Evidence.Clients(); n > 1 {
				r += fmt.Sprintf("; %s of one rotating scan", plural(n, "address", "addresses"))
			}
			if len(f.Evidence.Block) > 0 {
				r += fmt.Sprintf(" (part of the rotating scan from %s, which also holds %s not blocked)",
					f.Actor, plural(int64(f.Evidence.BlockOthers), "other client", "other clients"))
			}
			out = append(out, BlockEntry{CIDR: c.String(), Severity: f.Severity, Reason: r, Addresses: b.addresses})
		}
	}
	if out == nil {
		out = []BlockEntry{}
	}
	// Worst first; within a severity, prefixes (widest first), then findings in their order.
	slices.SortStableFunc(out, func(a, b BlockEntry) int { return cmp.Compare(b.Severity, a.Severity) })
	return out[:min(len(out), MaxBlockEntries)]
}

// covered is how many addresses the entries cover.
func covered(es []BlockEntry) int64 {
	var n int64
	for _, e := range es {
		n += e.Addresses
	}
	return n
}
