package store

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// fakeS3 holds one object with one ETag and answers GetObject as S3 does.
type fakeS3 struct {
	S3API
	etag string
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if in.IfMatch != nil && *in.IfMatch != `"`+f.etag+`"` {
		return nil, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader("body"))}, nil
}

func TestS3OpenVersion(t *testing.T) {
	s := &S3{Client: &fakeS3{etag: "abc"}, Bucket: "b"}
	for _, etag := range []string{"abc", `"abc"`} {
		rc, err := s.OpenVersion(context.Background(), "uploads/a.log", etag)
		if err != nil {
			t.Fatalf("OpenVersion(%s): %v", etag, err)
		}
		rc.Close()
	}
	if _, err := s.OpenVersion(context.Background(), "uploads/a.log", "def"); !errors.Is(err, ErrChanged) {
		t.Errorf("OpenVersion of a replaced object: err = %v, want ErrChanged", err)
	}
}
