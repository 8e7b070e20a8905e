package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MaxLinkTTL is the longest a presigned URL can be valid: Signature Version 4
// caps X-Amz-Expires at seven days.
const MaxLinkTTL = 7 * 24 * time.Hour

// minLinkTTL: credentials that expire sooner make no link worth sending.
const minLinkTTL = 15 * time.Minute

// Link is a URL that opens one object without signing in to AWS.
type Link struct {
	URL string
	// Expires is when the link stops working at the latest.
	Expires time.Time
	// Exact says that Expires is when it stops. A presigned URL cannot outlive
	// the credentials that signed it, and temporary credentials that do not say
	// when they expire (a Lambda function's, taken from its environment) may
	// end it sooner.
	Exact bool
}

// PresignAPI is the part of the S3 presign client used here.
type PresignAPI interface {
	PresignGetObject(context.Context, *s3.GetObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Links presigns GET URLs for the objects of one bucket. The URL carries the
// permissions of Credentials, which must be those the presign client signs
// with; with the bucket's SSE-S3 encryption a GET needs nothing more (SSE-KMS
// would need kms:Decrypt on the key for the same credentials).
type Links struct {
	Client      PresignAPI
	Credentials aws.CredentialsProvider
	Bucket      string
	TTL         time.Duration    // at most and by default MaxLinkTTL
	Now         func() time.Time // default time.Now
}

// Link presigns a GET of key, valid for TTL or until the credentials expire,
// whichever comes first.
func (l *Links) Link(ctx context.Context, key string) (Link, error) {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	ttl := l.TTL
	if ttl <= 0 || ttl > MaxLinkTTL {
		ttl = MaxLinkTTL
	}
	creds, err := l.Credentials.Retrieve(ctx)
	if err != nil {
		return Link{}, fmt.Errorf("link to s3://%s/%s: credentials: %w", l.Bucket, key, err)
	}
	if creds.CanExpire && creds.Expires.Sub(now) < ttl {
		ttl = creds.Expires.Sub(now)
	}
	if ttl < minLinkTTL {
		return Link{}, fmt.Errorf("link to s3://%s/%s: the signing credentials expire in %v", l.Bucket, key, ttl.Round(time.Second))
	}
	req, err := l.Client.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &l.Bucket, Key: &key}, s3.WithPresignExpires(ttl))
	if err != nil {
		return Link{}, fmt.Errorf("link to s3://%s/%s: %w", l.Bucket, key, err)
	}
	// The signature is dated after now, so now+ttl is never later than the
	// link's end; a second's rounding keeps it so.
	return Link{URL: req.URL, Expires: now.Add(ttl).UTC().Truncate(time.Second), Exact: creds.CanExpire}, nil
}
