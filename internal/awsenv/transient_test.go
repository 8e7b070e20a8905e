package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/logsift/logsift/internal/pipeline"
)

// s3Error answers every request as S3 does with the given status and code.
func s3Error(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>scripted</Message><RequestId>E2E0</RequestId></Error>`, code)
	}
}

// getObject makes a real SDK call to url, with the SDK's retries (two
// attempts, short backoff), and returns its error.
func getObject(ctx context.Context, url string) error {
	c := s3.New(s3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff = 2, 10*time.Millisecond
		}),
	})
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("work/r/evidence/000.json")})
	return fmt.Errorf("load evidence: %w", err)
}

// The errors a stage returns: an AWS failure that may pass after the SDK's
// retries becomes a *pipeline.TransientError (the state machine retries it),
// anything else keeps its own name.
func TestStageError(t *testing.T) {
	serve := func(h http.Handler) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name      string
		err       error
		transient bool
	}{
		{"S3 500", getObject(context.Background(), serve(s3Error(500, "InternalError"))), true},
		{"S3 503 SlowDown", getObject(context.Background(), serve(s3Error(503, "SlowDown"))), true},
		{"connection refused", getObject(context.Background(), closed.URL), true},
		{"S3 404", getObject(context.Background(), serve(s3Error(404, "NoSuchKey"))), false},
		{"S3 403", getObject(context.Background(), serve(s3Error(403, "AccessDenied"))), false},
		{"the function's deadline", getObject(expired, serve(s3Error(500, "InternalError"))), false},
		{"not an AWS error", errors.New("not a log: no format matched"), false},
		{"model throttled", &pipeline.ModelThrottled{Err: getObject(context.Background(), serve(s3Error(503, "SlowDown")))}, false},
		{"no confirmed subscription", &pipeline.NoConfirmedSubscription{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stageError(tt.err)
			var te *pipeline.TransientError
			if errors.As(got, &te) != tt.transient {
				t.Fatalf("stageError(%v) = %T %v; transient %v wanted", tt.err, got, got, tt.transient)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("stageError(%v) does not wrap it", tt.err)
			}
			if tt.transient && stageError(got) != got {
				t.Errorf("a TransientError is wrapped again")
			}
		})
	}
	if stageError(nil) != nil {
		t.Error("stageError(nil) != nil")
	}
}
