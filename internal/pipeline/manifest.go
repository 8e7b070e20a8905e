package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/logsift/logsift/internal/store"
)

// A manifest is an upload that names other objects to analyse as one run, so
// that a hundred small CloudFront or ALB .gz files make one report and one
// email instead of a hundred. It is recognised by its first line, not its name:
//
//	# logsift manifest
//	logs/cloudfront/E2ABCDEF.2026-11-20-    (a prefix: every object under it)
//	logs/alb/one-file.log.gz                (a key)
//
// Blank lines and other # lines are ignored. Keep the named objects outside the
// upload prefix, or each of them starts its own run as well; on AWS they must
// be under the log prefix (Stages.LogPrefix, the template's LogPrefix). A prefix that
// also covers logsift's own work/ or reports/ objects, or the manifest itself
// (such as "w" or "uploads/"), lists them, but they are left out.
const manifestMagic = "# logsift manifest"

// Limits on manifests, so that a mistaken prefix cannot start an endless run.
const (
	maxManifestBytes   = 1 << 20
	maxManifestObjects = 10000
)

// isManifest reports whether the stream starts with the manifest line.
func isManifest(br *bufio.Reader) bool {
	b, _ := br.Peek(len(manifestMagic))
	return bytes.Equal(b, []byte(manifestMagic))
}

// manifestObjects reads a manifest and lists the objects it names, in order,
// without duplicates. The pipeline's own prefixes are refused.
func (s *Stages) manifestObjects(ctx context.Context, self string, r io.Reader) ([]store.Object, error) {
	lister, ok := s.Store.(store.Lister)
	if !ok {
		return nil, fmt.Errorf("this store cannot list objects for a manifest")
	}
	body, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if len(body) > maxManifestBytes {
		return nil, fmt.Errorf("manifest is over %d bytes", maxManifestBytes)
	}
	var objs []store.Object
	seen := map[string]bool{}
	for n, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if s.ownKey(line) {
			return nil, fmt.Errorf("manifest line %d: %q is inside logsift's own %s or %s prefix", n+1, line, s.workPrefix(), s.reportPrefix())
		}
		if !strings.HasPrefix(line, s.LogPrefix) {
			return nil, fmt.Errorf("manifest line %d: %q is outside the log prefix %s, the only place logsift reads the logs a manifest names", n+1, line, s.LogPrefix)
		}
		found, truncated, err := lister.List(ctx, line, maxManifestObjects-len(objs)+1)
		if err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", n+1, err)
		}
		found = slices.DeleteFunc(found, func(o store.Object) bool { return s.ownKey(o.Key) || o.Key == self })
		if len(found) == 0 && !truncated {
			return nil, fmt.Errorf("manifest line %d: no object has the key or prefix %q", n+1, line)
		}
		for _, o := range found {
			if seen[o.Key] {
				continue
			}
			seen[o.Key] = true
			objs = append(objs, o)
		}
		if truncated || len(objs) > maxManifestObjects {
			return nil, fmt.Errorf("manifest names more than %d objects; split it", maxManifestObjects)
		}
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("manifest names no objects")
	}
	return objs, nil
}

// ownKey reports whether key is under the pipeline's work or report prefix.
func (s *Stages) ownKey(key string) bool {
	return strings.HasPrefix(key, s.workPrefix()) || strings.HasPrefix(key, s.reportPrefix())
}
