package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/amplify"

	"github.com/logsift/logsift/internal/fetch"
)

const fetchUsage = `usage: logsift fetch --app-id ID --domain NAME [--since 24h] [-o FILE]

Downloads an AWS Amplify Hosting app's access log (GenerateAccessLogs) for the
last --since, with your AWS credentials, as the CSV that logsift analyze reads.
Amplify pads the range to whole hours and keeps about two weeks of logs.

Flags:
`

// fetchCmd is `logsift fetch`: the scheduled Lambda's download, by hand.
func fetchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logsift fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, fetchUsage); fs.PrintDefaults() }
	var (
		app      fetch.App
		since    time.Duration
		out      string
		region   string
		maxBytes int64
	)
	fs.StringVar(&app.ID, "app-id", "", "the Amplify app id (d followed by letters and digits)")
	fs.StringVar(&app.Domain, "domain", "", "the app's domain, as in the Amplify console")
	fs.DurationVar(&since, "since", 24*time.Hour, "how far back from now (at most 336h, the two weeks Amplify keeps)")
	fs.StringVar(&out, "o", "", "write the CSV to this file (default stdout)")
	fs.StringVar(&region, "region", "", "the app's AWS region (default: from the AWS config)")
	fs.Int64Var(&maxBytes, "max-bytes", fetch.DefaultMaxBytes, "stop a download larger than this")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	apps, err := fetch.ParseApps(app.ID + ":" + app.Domain)
	if err == nil && (since <= 0 || since > fetch.MaxHistory) {
		err = fmt.Errorf("--since %v: want more than 0 and at most %v", since, fetch.MaxHistory)
	}
	if err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		fmt.Fprintf(stderr, "logsift fetch: %s\n", printable(err.Error()))
		return exitError
	}
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "logsift fetch: AWS config: %s\n", printable(err.Error()))
		return exitError
	}
	client := &fetch.Client{API: amplify.NewFromConfig(cfg), MaxBytes: maxBytes}
	end := time.Now().UTC()
	start := end.Add(-since)
	n, lines, err := download(ctx, client, apps[0], start, end, out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "logsift fetch: %s: %s\n", apps[0], printable(fetch.Reason(err)))
		return exitError
	}
	dest := out
	if dest == "" {
		dest = "stdout"
	}
	fmt.Fprintf(stderr, "logsift fetch: %s, %s to %s UTC: %d bytes, %d rows to %s\n", apps[0],
		start.Format("2006-01-02 15:04"), end.Format("2006-01-02 15:04"), n, max(lines-1, 0), printable(dest))
	return exitClean
}

// download writes to stdout, or to a temporary file renamed to out once the
// download is complete, so that a failed download leaves no partial log.
func download(ctx context.Context, c *fetch.Client, app fetch.App, start, end time.Time, out string, stdout io.Writer) (n, lines int64, err error) {
	if out == "" {
		return c.Download(ctx, app, start, end, stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".logsift-fetch-*")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(tmp.Name())
	n, lines, err = c.Download(ctx, app, start, end, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, lines, err
	}
	return n, lines, os.Rename(tmp.Name(), out)
}
