// Command crawler-ranges refreshes the crawler address lists that ship in
// internal/crawlers/data from the URLs their operators publish them at.
// `make crawler-ranges` runs it; tests never do (they never go online).
//
// A list is replaced only when the download parses and holds prefixes, so a
// failed or damaged download keeps the shipped list; the command then exits
// non-zero and says which list it kept.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/logsift/logsift/internal/crawlers"
)

const maxList = 8 << 20 // the largest list published today is under 100 KB

func main() {
	dir := flag.String("dir", "internal/crawlers/data", "directory the lists are written to")
	flag.Parse()
	client := &http.Client{Timeout: 60 * time.Second}
	failed := 0
	for _, o := range crawlers.Operators {
		for _, l := range o.Lists {
			n, t, err := refresh(context.Background(), client, l, *dir)
			if err != nil {
				failed++
				slog.Error("kept the shipped list", "operator", o.Name, "file", l.File, "err", err)
				continue
			}
			slog.Info("refreshed", "operator", o.Name, "file", l.File, "prefixes", n, "created", t.Format(time.RFC3339))
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "crawler-ranges: %d list(s) not refreshed\n", failed)
		os.Exit(1)
	}
}

func refresh(ctx context.Context, c *http.Client, l crawlers.List, dir string) (int, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.URL, nil)
	if err != nil {
		return 0, time.Time{}, err
	}
	req.Header.Set("User-Agent", "logsift crawler-ranges (+https://github.com/logsift/logsift)")
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("get %s: %w", l.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, time.Time{}, fmt.Errorf("get %s: %s", l.URL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxList+1))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("read %s: %w", l.URL, err)
	}
	if len(b) > maxList {
		return 0, time.Time{}, fmt.Errorf("%s: larger than %d bytes", l.URL, maxList)
	}
	ps, t, err := crawlers.Parse(b)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("%s: %w", l.URL, err)
	}
	tmp := filepath.Join(dir, l.File+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return 0, time.Time{}, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, l.File)); err != nil {
		return 0, time.Time{}, err
	}
	return len(ps), t, nil
}
