// Package store is the object storage the pipeline stages share: an S3 bucket
// on AWS, a folder on a laptop. Keys are S3-style, slash-separated.
package store

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound is returned (wrapped) when a key does not exist.
var ErrNotFound = errors.New("object not found")

// ErrChanged is returned (wrapped) by OpenVersion when the object is no longer
// the version asked for.
var ErrChanged = errors.New("object changed")

// Store is what the stages need from a bucket.
type Store interface {
	// Open streams an object. The caller closes it.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Put writes an object. The body is seekable so that S3 uploads need not
	// buffer it.
	Put(ctx context.Context, key string, body io.ReadSeeker, contentType string) error
	// PutIfAbsent writes an object only if the key does not exist yet and
	// reports whether it wrote it. It is how a stage claims a one-time action.
	PutIfAbsent(ctx context.Context, key string, body []byte) (bool, error)
	// Exists reports whether a key exists.
	Exists(ctx context.Context, key string) (bool, error)
	// Delete removes a key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// URL is how a person finds the object: an S3 console link or a file path.
	URL(key string) string
}

// Object is a listed object.
type Object struct {
	Key  string
	Size int64
}

// VersionOpener is a Store that can open an object only while it is still
// the version with the given ETag, so that a run reads the upload its event
// announced and not a later overwrite (which has an event and a run of its own).
type VersionOpener interface {
	OpenVersion(ctx context.Context, key, etag string) (io.ReadCloser, error)
}

// Lister is a Store that can list keys under a prefix.
type Lister interface {
	// List returns the objects under prefix in key order, at most limit of them;
	// truncated is set when there were more.
	List(ctx context.Context, prefix string, limit int) (objs []Object, truncated bool, err error)
}
