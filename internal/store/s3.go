package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client the store uses.
type S3API interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// S3 is a Store on one S3 bucket. Objects are written with SSE-S3 at least;
// the bucket's default encryption applies on top.
type S3 struct {
	Client S3API
	Bucket string
	Region string
}

func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, key, ErrNotFound)
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, key, err)
	}
	return out.Body, nil
}

// OpenVersion streams the object if its ETag is still etag (quoted or not).
func (s *S3) OpenVersion(ctx context.Context, key, etag string) (io.ReadCloser, error) {
	match := `"` + strings.Trim(etag, `"`) + `"`
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.Bucket, Key: &key, IfMatch: &match})
	if err != nil {
		var ae smithy.APIError
		switch {
		case isNotFound(err):
			return nil, fmt.Errorf("s3://%s/%s: %w", s.Bucket, key, ErrNotFound)
		case errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed":
			return nil, fmt.Errorf("s3://%s/%s is no longer ETag %s: %w", s.Bucket, key, match, ErrChanged)
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.Bucket, key, err)
	}
	return out.Body, nil
}

func (s *S3) Put(ctx context.Context, key string, body io.ReadSeeker, contentType string) error {
	// A seekable body lets the SDK sign and size the upload without buffering
	// it; chunk files and reports stay far below PutObject's 5 GB limit.
	in := &s3.PutObjectInput{
		Bucket:               &s.Bucket,
		Key:                  &key,
		Body:                 body,
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if _, err := s.Client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

func (s *S3) PutIfAbsent(ctx context.Context, key string, body []byte) (bool, error) {
	_, err := s.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               &s.Bucket,
		Key:                  &key,
		Body:                 bytes.NewReader(body),
		IfNoneMatch:          aws.String("*"),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err == nil {
		return true, nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "PreconditionFailed", "ConditionalRequestConflict":
			return false, nil
		}
	}
	return false, fmt.Errorf("conditional put s3://%s/%s: %w", s.Bucket, key, err)
}

func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.Bucket, Key: &key})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("head s3://%s/%s: %w", s.Bucket, key, err)
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if _, err := s.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.Bucket, Key: &key}); err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", s.Bucket, key, err)
	}
	return nil
}

// URL returns the S3 console link to the object; it carries no credentials.
func (s *S3) URL(key string) string {
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	return fmt.Sprintf("https://%s.console.aws.amazon.com/s3/object/%s?region=%s&prefix=%s",
		region, url.PathEscape(s.Bucket), url.QueryEscape(region), url.QueryEscape(key))
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

// List pages through ListObjectsV2 under prefix, up to limit objects.
func (s *S3) List(ctx context.Context, prefix string, limit int) ([]Object, bool, error) {
	var out []Object
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: &s.Bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("list s3://%s/%s: %w", s.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if len(out) == limit {
				return out, true, nil
			}
			out = append(out, Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
	}
	return out, false, nil
}
