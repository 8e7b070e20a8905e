package fetch

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/amplify"
)

// DefaultMaxBytes caps one download. A day of a busy site's Amplify log is
// tens of megabytes; a larger answer is more likely a mistake than a log.
const DefaultMaxBytes = 2 << 30

// AccessLogs is the one Amplify API call fetch makes.
type AccessLogs interface {
	GenerateAccessLogs(ctx context.Context, in *amplify.GenerateAccessLogsInput, opts ...func(*amplify.Options)) (*amplify.GenerateAccessLogsOutput, error)
}

// Client downloads an app's access logs: GenerateAccessLogs for a presigned
// URL, then the CSV behind it, streamed.
type Client struct {
	API  AccessLogs
	HTTP *http.Client // nil: http.DefaultClient
	// MaxBytes caps a download (0: DefaultMaxBytes).
	MaxBytes int64
}

// ErrTooLarge is returned (wrapped) when a download passes Client.MaxBytes.
var ErrTooLarge = errors.New("access log larger than the download limit")

// DownloadError is a presigned URL that did not answer 200, with S3's error
// code when it sent one (an expired URL answers 403 AccessDenied).
type DownloadError struct {
	Status  int
	Code    string
	Message string
}

func (e *DownloadError) Error() string {
	s := fmt.Sprintf("log download answered HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Download writes the app's access log for [start, end] to w and returns the
// bytes written and the number of lines (the header included). Amplify's range
// is inclusive at both ends; callers that want adjacent windows not to share
// a second pass end minus one second.
func (c *Client) Download(ctx context.Context, app App, start, end time.Time, w io.Writer) (n, lines int64, err error) {
	out, err := c.API.GenerateAccessLogs(ctx, &amplify.GenerateAccessLogsInput{
		AppId:      aws.String(app.ID),
		DomainName: aws.String(app.Domain),
		StartTime:  aws.Time(start.UTC()),
		EndTime:    aws.Time(end.UTC()),
	})
	if err != nil {
		return 0, 0, fmt.Errorf("GenerateAccessLogs: %w", err)
	}
	if out.LogUrl == nil || *out.LogUrl == "" {
		return 0, 0, errors.New("GenerateAccessLogs returned no log URL")
	}
	return c.get(ctx, *out.LogUrl, w)
}

// get streams the presigned URL to w. The URL's query is its credential:
// it never appears in an error or a log, only its host and path.
func (c *Client) get(ctx context.Context, rawURL string, w io.Writer) (n, lines int64, err error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("log URL %s: unusable", redact(rawURL))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("download: %w", redactErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, downloadError(resp)
	}
	limit := c.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	lc := &lineCounter{w: w}
	n, err = io.Copy(lc, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return n, lc.lines, fmt.Errorf("download from %s after %d bytes: %w", redact(rawURL), n, redactErr(err))
	}
	if n > limit {
		return n, lc.lines, fmt.Errorf("%w: more than %d bytes (raise LOGSIFT_FETCH_MAX_BYTES, or fetch shorter windows)", ErrTooLarge, limit)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, lc.lines, fmt.Errorf("download from %s ended after %d of %d bytes", redact(rawURL), n, resp.ContentLength)
	}
	if lc.partial {
		lc.lines++
	}
	return n, lc.lines, nil
}

// downloadError reads S3's XML error body, bounded.
func downloadError(resp *http.Response) error {
	var body struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	xml.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&body)
	return &DownloadError{Status: resp.StatusCode, Code: clip(body.Code, 64), Message: clip(body.Message, 200)}
}

// redact keeps a URL's scheme, host and path.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// redactErr takes the presigned query out of a *url.Error, which net/http
// puts in every transport error.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redact(ue.URL), Err: ue.Err}
	}
	return err
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// lineCounter counts the lines written through it.
type lineCounter struct {
	w       io.Writer
	lines   int64
	partial bool // bytes after the last newline
}

func (l *lineCounter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	l.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	if n > 0 {
		l.partial = p[n-1] != '\n'
	}
	return n, err
}
