package awsenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestFetcher(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "no bucket", env: map[string]string{EnvBucket: ""}, wantErr: EnvBucket},
		{name: "bad apps", env: map[string]string{EnvAmplifyApps: "d1abc"}, wantErr: EnvAmplifyApps},
		{name: "digest outside the log prefix", env: map[string]string{EnvDigestPrefixes: "cf/E2.{yyyy}-{MM}-{dd}-"}, wantErr: EnvDigestPrefixes},
		{name: "bad cap", env: map[string]string{EnvFetchMaxBytes: "0"}, wantErr: EnvFetchMaxBytes},
		{name: "apps and digests", env: map[string]string{
			EnvAmplifyApps:    "d1abc:example.com,d2def:www.example.org",
			EnvDigestPrefixes: "logs/alb/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/",
			EnvAccountID:      "123456789012", EnvFetchMaxBytes: "1000", EnvTopicARN: "arn:aws:sns:us-east-1:123456789012:t",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, "eu-west-1", tt.env, EnvAmplifyApps, EnvDigestPrefixes, EnvAccountID, EnvFetchMaxBytes, EnvTopicARN, EnvLogPrefix, EnvUploadPrefix)
			f, err := Fetcher(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Apps) != 2 || f.Amplify.MaxBytes != 1000 || f.Notifier == nil || f.Digests == nil {
				t.Fatalf("fetcher %+v", f)
			}
			day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
			if got, want := f.Digests.Expand(f.Digests.Templates[0], day), "logs/alb/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/11/29/"; got != want {
				t.Errorf("digest prefix %q, want the account from the template and the function's region: %q", got, want)
			}
		})
	}
}
