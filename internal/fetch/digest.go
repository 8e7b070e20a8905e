package fetch

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Digests writes one manifest a day naming the day's objects under templated
// prefixes, so that CloudFront's and ALB's many small files make one report.
// A template names a prefix under the log prefix with placeholders:
//
//	logs/cloudfront/E2ABCDEF.{yyyy}-{MM}-{dd}-
//	logs/alb/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/
type Digests struct {
	Templates []string
	Account   string // for {account}
	Region    string // for {region}
}

// manifestMagic is the first line the pipeline recognises a manifest by
// (internal/pipeline/manifest.go).
const manifestMagic = "# logsift manifest"

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// ParseDigests reads the DigestPrefixes setting (comma-separated templates).
// Every template must lie under logPrefix and name the day ({yyyy}, {MM} and
// {dd}): without the day, every digest would name every log again.
func ParseDigests(s, logPrefix, account, region string) (*Digests, error) {
	d := &Digests{Account: account, Region: region}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, logPrefix) {
			return nil, fmt.Errorf("digest prefix %q is not under the log prefix %q", t, logPrefix)
		}
		for _, p := range placeholder.FindAllString(t, -1) {
			switch p {
			case "{yyyy}", "{MM}", "{dd}":
			case "{account}", "{region}":
				if (p == "{account}" && account == "") || (p == "{region}" && region == "") {
					return nil, fmt.Errorf("digest prefix %q: %s is not known here", t, p)
				}
			default:
				return nil, fmt.Errorf("digest prefix %q: unknown placeholder %s (use {yyyy} {MM} {dd} {account} {region})", t, p)
			}
		}
		for _, p := range []string{"{yyyy}", "{MM}", "{dd}"} {
			if !strings.Contains(t, p) {
				return nil, fmt.Errorf("digest prefix %q must name the day with {yyyy}, {MM} and {dd}", t)
			}
		}
		d.Templates = append(d.Templates, t)
	}
	if len(d.Templates) == 0 {
		return nil, nil
	}
	return d, nil
}

// Expand fills a template in for day (UTC).
func (d *Digests) Expand(template string, day time.Time) string {
	day = day.UTC()
	return strings.NewReplacer(
		"{yyyy}", day.Format("2006"), "{MM}", day.Format("01"), "{dd}", day.Format("02"),
		"{account}", d.Account, "{region}", d.Region,
	).Replace(template)
}

// ManifestKey is where the digest of day is written.
func ManifestKey(uploadPrefix string, day time.Time) string {
	return uploadPrefix + DigestDir + day.UTC().Format("2006-01-02") + ".txt"
}

// Write writes the manifest of day's prefixes that hold at least one object
// (the pipeline fails a manifest line that names nothing) and returns its key,
// or "" when no prefix holds anything. The same day gives the same bytes, so a
// repeated run is the same object version, which is reported once.
func (d *Digests) Write(ctx context.Context, st Store, uploadPrefix string, day time.Time) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n# daily digest of %s (UTC), written by logsift's fetch function\n", manifestMagic, day.UTC().Format("2006-01-02"))
	lines := 0
	for _, t := range d.Templates {
		prefix := d.Expand(t, day)
		objs, _, err := st.List(ctx, prefix, 1)
		if err != nil {
			return "", fmt.Errorf("list %s: %w", prefix, err)
		}
		if len(objs) == 0 {
			continue
		}
		b.WriteString(prefix + "\n")
		lines++
	}
	if lines == 0 {
		return "", nil
	}
	key := ManifestKey(uploadPrefix, day)
	if err := st.Put(ctx, key, strings.NewReader(b.String()), "text/plain"); err != nil {
		return "", fmt.Errorf("store %s: %w", key, err)
	}
	return key, nil
}
