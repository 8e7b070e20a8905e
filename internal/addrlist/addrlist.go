// Package addrlist reads and writes the lists of addresses behind a report,
// which are streamed, never held: a report details a bounded number of
// actors and groups the rest, and these lists name every one.
//
// A chunk list (Writer, Reader) is what one rule engine saw, in address
// order: one line per actor with rule matches (its behaviour's group, the
// detailed actor it belongs to, its rules' severity and categories), and
// after the actors of each address block (IPv4 /24, IPv6 /48) one line with
// the block's count of actors, benign ones included, so that a reader can
// tell whether a block holds anyone but attackers.
//
// The address file (FileWriter) is the run's complete list of suspicious
// addresses, as CSV: address, severity, categories, finding, group.
package addrlist

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/logsift/logsift/internal/evidence"
)

// Actor is one actor of a chunk list.
type Actor struct {
	Actor string // the address (IPv4) or /64
	// Finding is the detailed actor it would be reported as: itself, or
	// the prefix of the rotating scan it belongs to.
	Finding string
	// Groups are the IDs of the groups its behaviour is counted in, finest
	// first (detect folds groups coarser when there are many).
	Groups     []string
	Weak       bool
	Severity   evidence.Severity
	Categories []evidence.Category
}

// Block closes the actors of one block: how many actors the engine saw in it.
type Block struct {
	Prefix netip.Prefix
	Actors int64
}

// Writer writes a chunk list.
type Writer struct {
	w *csv.Writer
}

// NewWriter writes a chunk list to w; call Flush at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Actor writes one actor.
func (w *Writer) Actor(a Actor) error {
	weak := "s"
	if a.Weak {
		weak = "w"
	}
	return w.w.Write([]string{"a", a.Actor, a.Finding, strings.Join(a.Groups, " "), weak, a.Severity.String(), evidence.JoinCategories(a.Categories, " ")})
}

// Block writes the count of a block's actors.
func (w *Writer) Block(b Block) error {
	return w.w.Write([]string{"b", b.Prefix.String(), strconv.FormatInt(b.Actors, 10)})
}

// Flush writes what is buffered.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Reader reads a chunk list. The list came back from storage: every field is
// checked, and a damaged list is an error, not a guess.
type Reader struct {
	r    *csv.Reader
	line int
}

// NewReader reads a chunk list from r.
func NewReader(r io.Reader) *Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &Reader{r: cr}
}

// Next returns the next actor or block (one of them is nil), or io.EOF.
func (r *Reader) Next() (*Actor, *Block, error) {
	rec, err := r.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("address list: %w", err)
	}
	r.line++
	bad := func(why string) error { return fmt.Errorf("address list line %d: %s", r.line, why) }
	switch {
	case len(rec) == 3 && rec[0] == "b":
		p, err := netip.ParsePrefix(rec[1])
		if err != nil {
			return nil, nil, bad("bad block")
		}
		n, err := strconv.ParseInt(rec[2], 10, 64)
		if err != nil || n < 0 {
			return nil, nil, bad("bad count")
		}
		return nil, &Block{Prefix: p, Actors: n}, nil
	case len(rec) == 7 && rec[0] == "a":
		sev, err := evidence.ParseSeverity(rec[5])
		if err != nil || rec[1] == "" || (rec[4] != "w" && rec[4] != "s") {
			return nil, nil, bad("bad actor")
		}
		a := &Actor{Actor: rec[1], Finding: rec[2], Groups: strings.Fields(rec[3]), Weak: rec[4] == "w", Severity: sev}
		for _, c := range strings.Fields(rec[6]) {
			a.Categories = append(a.Categories, evidence.Category(c))
		}
		return a, nil, nil
	}
	return nil, nil, bad("unknown record")
}

// FileHeader is the address file's first line.
var FileHeader = []string{"address", "severity", "categories", "finding", "group"}

// FileWriter writes the address file.
type FileWriter struct {
	w *csv.Writer
	n int64
}

// NewFileWriter writes the header to w.
func NewFileWriter(w io.Writer) (*FileWriter, error) {
	fw := &FileWriter{w: csv.NewWriter(w)}
	return fw, fw.w.Write(FileHeader)
}

// Write writes one suspicious address: the finding it is reported in, or
// the group it is counted in.
func (f *FileWriter) Write(addr string, sev evidence.Severity, cats []evidence.Category, finding, group string) error {
	f.n++
	return f.w.Write([]string{addr, sev.String(), evidence.JoinCategories(cats, " "), finding, group})
}

// Addresses is how many addresses were written.
func (f *FileWriter) Addresses() int64 { return f.n }

// Flush writes what is buffered.
func (f *FileWriter) Flush() error {
	f.w.Flush()
	return f.w.Error()
}
