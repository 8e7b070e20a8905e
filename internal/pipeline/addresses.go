package pipeline

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/logsift/logsift/internal/addrlist"
	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/report"
)

// The address lists: every engine writes the actors it saw to a gzip'd
// chunk list (addrlist) in a temporary file, which Filter stores under
// work/<run>/evidence/; the report's address file is made from them in one
// streaming pass once the findings and groups are final (addressPass).

// listFile is a chunk list being written to a temporary file.
type listFile struct {
	*gzipFile
	*addrlist.Writer
}

func (s *Stages) newListFile() (*listFile, error) {
	g, err := s.newGzipFile("logsift-addresses-*", 64<<10)
	if err != nil {
		return nil, err
	}
	return &listFile{gzipFile: g, Writer: addrlist.NewWriter(g.gz)}, nil
}

// finish flushes the list and rewinds the file for reading.
func (l *listFile) finish() error { return l.gzipFile.finish(l.Flush) }

// listSource opens one chunk list (gzip'd).
type listSource func() (io.ReadCloser, error)

// gunzipped opens rc's gzip stream; closing it closes rc.
func gunzipped(rc io.ReadCloser, err error) (io.ReadCloser, error) {
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(rc)
	if err != nil {
		rc.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, closers{gz, rc}}, nil
}

type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// addressDest is where the address file goes and what the report calls it.
type addressDest struct {
	name string
	w    io.Writer
}

// finalStatus is how the report shows the detailed actors and groups.
type finalStatus struct {
	findings map[string]analysis.Verdict // by actor: the severity and categories shown
	groups   map[string]*evidence.Group
	planted  *detect.Planted // the visitors of planted pages, in no list
}

func newFinalStatus(suspicious []evidence.Actor, verdicts []analysis.Verdict, groups []evidence.Group, planted *detect.Planted) *finalStatus {
	vs := report.Verdicts(verdicts)
	fs := &finalStatus{findings: make(map[string]analysis.Verdict, len(suspicious)), groups: make(map[string]*evidence.Group, len(groups)),
		planted: planted}
	for i := range suspicious {
		a := &suspicious[i]
		sev, cats := report.Shown(a, vs)
		fs.findings[a.Actor] = analysis.Verdict{Actor: a.Actor, Severity: sev, Categories: cats}
	}
	for i := range groups {
		fs.groups[groups[i].ID] = &groups[i]
	}
	return fs
}

// status is the severity, categories, finding and group an address is
// reported with; ok is false for an address in no finding and no suspicious
// group (below every threshold).
func (fs *finalStatus) status(a *addrlist.Actor) (sev evidence.Severity, cats []evidence.Category, finding, group string, ok bool) {
	if v, found := fs.findings[a.Finding]; found {
		return v.Severity, v.Categories, a.Finding, "", true
	}
	if fs.planted.Took(a.Groups) {
		return 0, nil, "", "", false // a planted page's visitor, not a coarse group's member
	}
	for _, id := range append(a.Groups, detect.CoarseGroupIDs(a.Weak, a.Severity, a.Categories)...) {
		if g := fs.groups[id]; g != nil {
			return g.Severity, g.Categories, "", g.ID, g.Suspicious()
		}
	}
	return 0, nil, "", "", false
}

// addressPass streams the chunk lists into the address file: one line per
// suspicious address. It counts the addresses at the blocklist's severity
// and the blocks (IPv4 /24, IPv6 /48) that hold nothing but them, which the
// blocklist may name as prefixes (report.PrefixEntry).
func addressPass(ctx context.Context, lists []listSource, fs *finalStatus, dst addressDest) (*report.AddressFile, []report.BlockEntry, error) {
	fw, err := addrlist.NewFileWriter(dst.w)
	if err != nil {
		return nil, nil, err
	}
	af := &report.AddressFile{Name: dst.name}
	var prefixes []report.BlockEntry
	for i, open := range lists {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var t report.BlockTally
		err := readList(open, func(a *addrlist.Actor, b *addrlist.Block) error {
			if b != nil {
				if e, ok := t.Close(b.Prefix, b.Actors); ok {
					prefixes = report.AddPrefix(prefixes, e)
				}
				t = report.BlockTally{}
				return nil
			}
			sev, cats, finding, group, ok := fs.status(a)
			if !ok {
				return nil
			}
			addr, err := actorAddr(a.Actor)
			if err != nil {
				return err
			}
			t.Add(addr, sev, cats)
			if sev >= report.BlockMinSeverity {
				af.Blockable++
			}
			return fw.Write(a.Actor, sev, cats, finding, group)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("address list of chunk %d: %w", i, err)
		}
	}
	if err := fw.Flush(); err != nil {
		return nil, nil, err
	}
	af.Addresses = fw.Addresses()
	return af, prefixes, nil
}

func readList(open listSource, each func(*addrlist.Actor, *addrlist.Block) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	r := addrlist.NewReader(rc)
	for {
		a, b, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := each(a, b); err != nil {
			return err
		}
	}
}

// actorAddr is an address list's actor (an address or a /64) as a prefix.
func actorAddr(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("address list: bad actor %q", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
