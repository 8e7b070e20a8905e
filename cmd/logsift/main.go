// Command logsift analyses web access logs for attacks and prints a security
// report. `logsift analyze FILE...` runs the same stages as the AWS pipeline in
// one process, offline unless --model names a Bedrock model. `logsift fetch`
// downloads an Amplify app's access log with the user's credentials, as the
// scheduled fetch Lambda does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/logsift/logsift/internal/analysis"
	"github.com/logsift/logsift/internal/bedrock"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/logformat"
	"github.com/logsift/logsift/internal/pipeline"
	"github.com/logsift/logsift/internal/report"
	"github.com/logsift/logsift/internal/store"
)

// Exit statuses, for scripts.
const (
	exitClean    = 0 // nothing at or above --fail-on was found
	exitFindings = 1 // suspicious activity at or above --fail-on
	exitError    = 2 // bad usage, unreadable input, or a failed run
)

const usage = `usage: logsift analyze [flags] FILE...
       logsift fetch --app-id ID --domain NAME [--since 24h] [-o FILE]   (logsift fetch -h)

Analyses web access logs (AWS Amplify CSV, CloudFront, ALB, Apache/nginx;
plain or gzip, detected from the content) and prints a security report.
Several files make one report.

Exit status: 0 nothing suspicious, 1 suspicious activity found (see --fail-on),
2 error.

Flags:
`

func main() {
	// A backstop, not the bound: the rule engines' budget keeps memory down
	// (pipeline.DefaultRichBudget); past this soft limit the garbage
	// collector works harder instead of letting the heap double. GOMEMLIMIT
	// overrides it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// memoryLimit is the soft memory limit of a run (issue 9: 300 MB at a
// million suspicious clients).
const memoryLimit = 200 << 20

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		f := newFlags(stderr)
		f.fs.PrintDefaults()
		if len(args) == 0 {
			return exitError
		}
		return exitClean
	}
	if args[0] == "fetch" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return fetchCmd(ctx, args[1:], stdout, stderr)
	}
	if args[0] != "analyze" {
		fmt.Fprintf(stderr, "logsift: unknown command %q (try: logsift analyze FILE, or logsift fetch)\n", args[0])
		return exitError
	}
	f := newFlags(stderr)
	files, err := f.parse(args[1:])
	if err != nil {
		return exitError
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "logsift: no input file (usage: logsift analyze FILE...)")
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := f.analyze(ctx, files, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "logsift: %s\n", printable(err.Error()))
		return exitError
	}
	return code
}

type flags struct {
	fs         *flag.FlagSet
	format     string
	out        string
	hint       string
	config     string
	model      string
	region     string
	budget     int64
	failOn     string
	quiet      bool
	maxLine    int
	maxInflate int64
	staged     bool
	work       string
}

func newFlags(stderr io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet("logsift analyze", flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	f.fs.StringVar(&f.format, "format", "text", "report format: text, md, html or json")
	f.fs.StringVar(&f.out, "out", "", "write the report to this file instead of stdout")
	f.fs.StringVar(&f.hint, "format-hint", "", "skip format detection: amplify, cloudfront, iis, alb, combined or common")
	f.fs.StringVar(&f.config, "config", "", "JSON file with rule settings and allowlists (see README)")
	f.fs.StringVar(&f.model, "model", "", "Bedrock model or inference-profile id; needs AWS credentials (default: offline analysis)")
	f.fs.StringVar(&f.region, "region", "", "AWS region for Bedrock (default: from the AWS config)")
	f.fs.Int64Var(&f.budget, "token-budget", 0, "cap on model tokens (input and output) for the run (0: the analyzer's default)")
	f.fs.StringVar(&f.failOn, "fail-on", "low", "lowest finding severity that makes the exit status 1: low, medium, high, critical")
	f.fs.BoolVar(&f.quiet, "quiet", false, "no progress on stderr")
	f.fs.IntVar(&f.maxLine, "max-line-bytes", 0, "reject lines longer than this (default 64 KiB)")
	f.fs.Int64Var(&f.maxInflate, "max-inflated-bytes", 0, "stop reading gzip input past this many decompressed bytes (default 16 GiB)")
	f.fs.BoolVar(&f.staged, "staged", false, "run the AWS stage sequence (parse, filter, analyze, aggregate) with a local folder as the bucket; one file only")
	f.fs.StringVar(&f.work, "work", "", "with --staged: keep the stage files in this folder (default: a temporary folder, removed)")
	return f
}

// parse reads flags before and after the file names, so that
// `logsift analyze access.log --format html` works as people type it; after
// "--" everything is a file name.
func (f *flags) parse(args []string) (files []string, err error) {
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

func (f *flags) analyze(ctx context.Context, files []string, stdout, stderr io.Writer) (int, error) {
	switch f.format {
	case "text", "md", "html", "json":
	default:
		return exitError, fmt.Errorf("unknown --format %q: use text, md, html or json", f.format)
	}
	failOn, err := evidence.ParseSeverity(f.failOn)
	if err != nil {
		return exitError, fmt.Errorf("--fail-on: %w", err)
	}
	cfg := detect.DefaultConfig()
	if f.config != "" {
		if cfg, err = detect.LoadConfig(f.config); err != nil {
			return exitError, err
		}
	}
	// Logs from the libraries go to stderr, and only when something is wrong.
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st := &pipeline.Stages{
		Detect: cfg,
		Logger: logger,
		Format: logformat.Options{
			Hint:             logformat.Format(f.hint),
			MaxLineBytes:     f.maxLine,
			MaxInflatedBytes: f.maxInflate,
		},
	}
	if f.model != "" {
		client, err := bedrock.NewClient(ctx, bedrock.ClientConfig{Region: f.region})
		if err != nil {
			return exitError, err
		}
		st.Analyzer = bedrock.New(client, bedrock.Options{ModelID: f.model, RunTokenBudget: f.budget})
	}
	var progress pipeline.Progress
	if !f.quiet && isTerminal(stderr) {
		progress = terminalProgress(stderr)
	}
	if f.out != "" {
		st.AddressFile = addressFileFor(f.out)
	}
	var rep *report.Report
	if f.staged {
		rep, err = f.runStaged(ctx, st, files, stderr)
	} else {
		rep, err = st.AnalyzeFiles(ctx, files, progress)
	}
	if errors.As(err, new(*pipeline.ModelThrottled)) {
		return exitError, fmt.Errorf("%w; try again later, or ask for a higher Bedrock quota", err)
	}
	if err != nil {
		return exitError, err
	}
	if f.model != "" && rep.Analysis.ModelUnavailable {
		// The library says what happened (the report's notes); what to do
		// about it is this front end's to say.
		fmt.Fprintln(stderr, modelMessage(rep.Analysis))
	}
	w := stdout
	if f.out != "" {
		file, err := os.Create(f.out)
		if err != nil {
			return exitError, err
		}
		defer file.Close()
		w = file
	}
	if err := report.Render(w, rep, f.format); err != nil {
		return exitError, fmt.Errorf("write report: %w", err)
	}
	if c, ok := w.(io.Closer); ok && f.out != "" {
		if err := c.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			return exitError, fmt.Errorf("write report: %w", err)
		}
		fmt.Fprintf(stderr, "report written to %s\n", f.out)
	}
	if a := rep.AddressFile; a != nil {
		fmt.Fprintf(stderr, "%d suspicious addresses listed in %s\n", a.Addresses, printable(a.Name))
	}
	for _, fd := range rep.Findings {
		if fd.Severity >= failOn {
			return exitFindings, nil
		}
	}
	// A page that makes its visitors' browsers send attacks is found
	// suspicious activity too, though no visitor is a finding.
	for _, p := range rep.Planted {
		if p.Severity >= failOn {
			return exitFindings, nil
		}
	}
	return exitClean, nil
}

// modelAdvice is what to do, from a laptop, about each reason the model
// could not be used (the email says what to do on AWS).
var modelAdvice = map[analysis.Cause]string{
	analysis.CauseModelAccess: "enable access to the model in the Bedrock console of that region (--region)",
	analysis.CauseMarketplace: "invoke the model once from the Bedrock console's playground as an administrator (or a user allowed aws-marketplace:Subscribe) to start the account's subscription",
	analysis.CauseUseCaseForm: "submit Anthropic's one-time use-case form in the Bedrock console (Model catalog, the model's page)",
	analysis.CausePermission:  "your AWS identity may not call bedrock:InvokeModel on this inference profile and the models it routes to",
	analysis.CauseModelID:     "check the model id and that its inference-profile prefix (us., eu., apac., global.) serves the region (--region)",
	analysis.CauseCredentials: "check the AWS credentials (AWS_PROFILE or the environment)",
	analysis.CauseThrottled:   "try again later, or ask for a higher Bedrock quota",
	analysis.CauseBudget:      "raise --token-budget",
}

// modelMessage says, when --model was not used for all of a report, why and
// what to do.
func modelMessage(a report.AnalysisInfo) string {
	msg := "logsift: the model was not used for all of this report"
	if a.Why == nil {
		return msg + " (its notes say why); or run without --model for the offline analysis."
	}
	msg += ": " + printable(strings.TrimSuffix(a.Why.Reason, "."))
	if advice := modelAdvice[a.Why.Cause]; advice != "" {
		msg += "; " + advice
	}
	return msg + "; or run without --model for the offline analysis."
}

// printable escapes what would act on a terminal instead of showing (control
// and invisible format characters, invalid UTF-8) in a message that may carry
// a file name or a line from the log; other text is left as it is.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) < 0 {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// terminalProgress redraws one status line; it only shows for inputs over 32 MiB.
func terminalProgress(w io.Writer) pipeline.Progress {
	return func(file string, read, total int64) {
		if total < 32<<20 {
			return
		}
		pct := 100 * float64(read) / float64(total)
		name := []rune(printable(file))
		if len(name) > 40 {
			name = append([]rune("…"), name[len(name)-39:]...)
		}
		fmt.Fprintf(w, "\r%s: %5.1f%% of %d MiB", string(name), pct, total>>20)
		if read >= total {
			fmt.Fprint(w, "\r"+strings.Repeat(" ", 60)+"\r")
		}
	}
}

// keepAddressFile copies a staged run's address file out of the folder that
// stood in for the bucket: beside --out, or else (when the report groups
// addresses it does not list) to a temporary file; with --work it stays there.
func (f *flags) keepAddressFile(ctx context.Context, st *pipeline.Stages, rep *report.Report, key string) error {
	if rep.AddressFile == nil || f.work != "" {
		return nil
	}
	if f.out == "" && rep.Summary.Grouped == 0 {
		rep.AddressFile = nil
		return nil
	}
	var dst *os.File
	var err error
	if f.out != "" {
		dst, err = os.Create(st.AddressFile)
	} else {
		dst, err = os.CreateTemp("", "logsift-addresses-*.csv")
	}
	if err != nil {
		return err
	}
	defer dst.Close()
	src, err := st.Store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("address file: %w", err)
	}
	rep.AddressFile.Name = dst.Name()
	return dst.Close()
}

// addressFileFor is the address file beside a report: report.json ->
// report.addresses.csv.
func addressFileFor(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + ".addresses.csv"
}

// runStaged runs the AWS stage sequence with a folder standing in for S3.
func (f *flags) runStaged(ctx context.Context, st *pipeline.Stages, files []string, stderr io.Writer) (*report.Report, error) {
	if len(files) != 1 {
		return nil, fmt.Errorf("--staged takes one file")
	}
	dir := f.work
	if dir == "" {
		tmp, err := os.MkdirTemp("", "logsift-work-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	st.Store = store.Dir{Root: dir}
	st.TempDir = dir
	rep, out, err := st.RunStaged(ctx, files[0])
	if err != nil {
		return nil, err
	}
	if err := f.keepAddressFile(ctx, st, rep, out.Report.Addresses); err != nil {
		return nil, err
	}
	if f.work != "" {
		fmt.Fprintf(stderr, "stage files in %s; report at %s\n", dir, st.Store.URL(out.Report.JSON))
	}
	return rep, nil
}
