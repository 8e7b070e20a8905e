package store

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestLinks presigns with the SDK's real presigner (signing needs no network).
func TestLinks(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name        string
		creds       aws.Credentials
		ttl         time.Duration
		wantExpires time.Time
		wantExact   bool
		wantSeconds string // X-Amz-Expires
		wantErr     string
	}{
		// A Lambda function's credentials come from its environment and do not
		// say when they expire: the link's end is only an upper bound.
		{name: "credentials without expiry", creds: aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "tok"},
			wantExpires: now.Add(7 * 24 * time.Hour), wantSeconds: "604800"},
		{name: "shorter ttl", creds: aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"}, ttl: 24 * time.Hour,
			wantExpires: now.Add(24 * time.Hour), wantSeconds: "86400"},
		{name: "ttl over the SigV4 cap", creds: aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"}, ttl: 30 * 24 * time.Hour,
			wantExpires: now.Add(7 * 24 * time.Hour), wantSeconds: "604800"},
		// Credentials that expire first end the link with them, and then its end is known.
		{name: "credentials expire first", creds: aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "tok", CanExpire: true, Expires: now.Add(6 * time.Hour)},
			wantExpires: now.Add(6 * time.Hour), wantExact: true, wantSeconds: "21600"},
		{name: "credentials outlast the cap", creds: aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "tok", CanExpire: true, Expires: now.Add(30 * 24 * time.Hour)},
			wantExpires: now.Add(7 * 24 * time.Hour), wantExact: true, wantSeconds: "604800"},
		{name: "credentials about to expire", creds: aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "tok", CanExpire: true, Expires: now.Add(time.Minute)},
			wantErr: "expire in 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			provider := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return tt.creds, nil }))
			client := s3.New(s3.Options{Region: "eu-west-1", Credentials: provider})
			l := &Links{Client: s3.NewPresignClient(client), Credentials: provider, Bucket: "logsift-logs", TTL: tt.ttl, Now: func() time.Time { return now }}
			got, err := l.Link(context.Background(), "reports/uploads/a b.csv/r1.html")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Expires.Equal(tt.wantExpires) || got.Exact != tt.wantExact {
				t.Errorf("expires %v exact %v, want %v %v", got.Expires, got.Exact, tt.wantExpires, tt.wantExact)
			}
			u, err := url.Parse(got.URL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("X-Amz-Expires") != tt.wantSeconds || q.Get("X-Amz-Signature") == "" || !strings.HasPrefix(q.Get("X-Amz-Credential"), tt.creds.AccessKeyID+"/") {
				t.Errorf("URL query %v", q)
			}
			if q.Get("X-Amz-Security-Token") != tt.creds.SessionToken {
				t.Errorf("session token %q in the URL, want %q", q.Get("X-Amz-Security-Token"), tt.creds.SessionToken)
			}
			if !strings.Contains(u.Host, "logsift-logs") || u.Path != "/reports/uploads/a b.csv/r1.html" || strings.ContainsAny(got.URL, " \n") {
				t.Errorf("URL %s does not name the object, escaped", got.URL)
			}
		})
	}
}

func TestLinksCredentialsError(t *testing.T) {
	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, errors.New("no credentials") })
	l := &Links{Client: s3.NewPresignClient(s3.New(s3.Options{Region: "eu-west-1", Credentials: failing})), Credentials: failing, Bucket: "b"}
	if _, err := l.Link(context.Background(), "reports/x.html"); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("err = %v, want the credentials error", err)
	}
}
