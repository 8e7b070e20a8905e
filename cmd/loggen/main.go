// Command loggen writes a synthetic web access log for examples and benchmarks.
//
//	go run ./cmd/loggen -format amplify -size 1GB -seed 1 -o /tmp/big.csv
//	go run ./cmd/loggen -format amplify -rows 2500 -seed 1 -o examples/access-logs.csv
//	go run ./cmd/loggen -scenario week -format combined -rows 200000 -o /tmp/week.log
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/logsift/logsift/internal/loggen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loggen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loggen", flag.ContinueOnError)
	var (
		o     loggen.Options
		size  = fs.String("size", "", "approximate uncompressed size, e.g. 500MB, 1GB (ignored when -rows is set)")
		out   = fs.String("o", "-", "output file; - for stdout")
		start = fs.String("start", "", "log time of the first row, RFC 3339 (default 2026-11-20T09:00:00Z)")
	)
	fs.StringVar(&o.Format, "format", "amplify", "log format: "+strings.Join(loggen.Formats, ", "))
	fs.BoolVar(&o.Gzip, "gzip", false, "gzip the output")
	fs.Int64Var(&o.Rows, "rows", 0, "number of data rows (default 2000 when -size is not set)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed; the same seed and options give the same bytes")
	fs.DurationVar(&o.Duration, "duration", 0, "span of log time (default from the row count)")
	fs.StringVar(&o.Scenario, "scenario", "", "planted attacks: none for the sample's, \"week\" for a week of quiet and distributed attacks and benign look-alikes")
	fs.StringVar(&o.Domain, "domain", "", "site host name (default "+loggen.DefaultDomain+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *size != "" {
		n, err := parseSize(*size)
		if err != nil {
			return err
		}
		o.Size = n
	}
	if *start != "" {
		t, err := time.Parse(time.RFC3339, *start)
		if err != nil {
			return fmt.Errorf("-start: %w", err)
		}
		o.Start = t
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := loggen.Generate(bw, o); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

// parseSize reads a byte count with an optional KB/MB/GB suffix (powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	// !(f > 0) also refuses NaN; the bound keeps the conversion to int64
	// defined ("inf" and "1e30GB" would otherwise come out negative).
	if err != nil || !(f > 0) || f*float64(mult) >= 1<<62 {
		return 0, errors.New("bad -size " + strconv.Quote(s) + ": want e.g. 500MB or 1GB")
	}
	return int64(f * float64(mult)), nil
}
