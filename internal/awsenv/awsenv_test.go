package awsenv

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/bedrock"
	"github.com/logsift/logsift/internal/pipeline"
)

func TestStages(t *testing.T) {
	tests := []struct {
		name    string
		parts   []Part
		env     map[string]string
		wantErr string
		check   func(t *testing.T, st *pipeline.Stages)
	}{
		{name: "no bucket", env: map[string]string{EnvBucket: ""}, wantErr: EnvBucket},
		{name: "bad max chunks", parts: []Part{Parsing}, env: map[string]string{EnvMaxChunks: "zero"}, wantErr: EnvMaxChunks},
		{name: "bad allowlist", parts: []Part{Rules}, env: map[string]string{EnvAllowCIDRs: "10.0.0.0/33"}, wantErr: EnvAllowCIDRs},
		{name: "bad budget", parts: []Part{Model}, env: map[string]string{EnvTokenBudget: "-5"}, wantErr: EnvTokenBudget},
		// A stage reads only its own parts' variables: a bad one elsewhere
		// does not stop it, and it builds no client it does not use.
		{name: "parse", parts: []Part{Parsing}, env: map[string]string{EnvMaxChunks: "7", EnvLogPrefix: "logs/", EnvTokenBudget: "-5", EnvTopicARN: "arn:aws:sns:us-east-1:123456789012:t"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if st.MaxChunks != 7 || st.LogPrefix != "logs/" {
					t.Errorf("MaxChunks %d, LogPrefix %q", st.MaxChunks, st.LogPrefix)
				}
				if st.Analyzer != nil || st.Notifier != nil {
					t.Errorf("parse got an analyzer %T or a notifier %T", st.Analyzer, st.Notifier)
				}
			}},
		{name: "filter", parts: []Part{Rules}, env: map[string]string{EnvAllowCIDRs: "192.0.2.1, 2001:db8::/48", EnvMaxChunks: "zero"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if got := strings.Join(st.Detect.Allow.CIDRs, " "); !strings.Contains(got, "192.0.2.1") || !strings.Contains(got, "2001:db8::/48") {
					t.Errorf("allowlist %q", got)
				}
				if st.Analyzer != nil {
					t.Errorf("filter got an analyzer %T", st.Analyzer)
				}
			}},
		{name: "rules alone", parts: []Part{Model}, env: map[string]string{EnvUseModel: "false", EnvTokenBudget: "-5"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if st.Analyzer != nil {
					t.Errorf("analyzer %T, want none (the rules alone)", st.Analyzer)
				}
			}},
		{name: "model", parts: []Part{Model}, env: map[string]string{EnvModelID: "global.anthropic.claude-haiku-4-5-20251001-v1:0"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if _, ok := st.Analyzer.(*bedrock.Analyzer); !ok || st.Analyzer.Name() != "global.anthropic.claude-haiku-4-5-20251001-v1:0" {
					t.Errorf("analyzer %T %q, want Bedrock with the model id", st.Analyzer, st.Analyzer.Name())
				}
			}},
		{name: "default model", parts: []Part{Model},
			check: func(t *testing.T, st *pipeline.Stages) {
				if st.Analyzer.Name() != bedrock.DefaultModelID {
					t.Errorf("analyzer %q, want %s", st.Analyzer.Name(), bedrock.DefaultModelID)
				}
			}},
		{name: "email", parts: []Part{Email}, env: map[string]string{EnvTopicARN: "arn:aws:sns:us-east-1:123456789012:t"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if st.Notifier == nil || st.Analyzer != nil {
					t.Errorf("notifier %T, analyzer %T; want a notifier only", st.Notifier, st.Analyzer)
				}
			}},
		{name: "email without a topic", parts: []Part{Email},
			check: func(t *testing.T, st *pipeline.Stages) {
				if st.Notifier != nil {
					t.Error("notifier without a topic")
				}
			}},
		// NotifyOn findings (the default) quiets the runs the fetch function starts, under the upload prefix.
		{name: "notify on findings", parts: []Part{Email}, env: map[string]string{EnvUploadPrefix: "in/"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if got := strings.Join(st.QuietPrefixes, " "); got != "in/amplify/ in/digests/" {
					t.Errorf("quiet prefixes %q, want the fetch function's under in/", got)
				}
				if st.Links == nil {
					t.Error("no presigned report link")
				}
			}},
		{name: "notify always", parts: []Part{Email}, env: map[string]string{EnvNotifyOn: "always"},
			check: func(t *testing.T, st *pipeline.Stages) {
				if len(st.QuietPrefixes) != 0 {
					t.Errorf("quiet prefixes %q with NotifyOn always", st.QuietPrefixes)
				}
			}},
		{name: "bad notify on", parts: []Part{Email}, env: map[string]string{EnvNotifyOn: "never"}, wantErr: EnvNotifyOn},
		{name: "notify on read by Notify only", parts: []Part{Parsing}, env: map[string]string{EnvNotifyOn: "never"},
			check: func(t *testing.T, st *pipeline.Stages) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, "us-east-1", tt.env, EnvTopicARN, EnvModelID, EnvUseModel, EnvAllowCIDRs, EnvMaxChunks, EnvTokenBudget, EnvLogPrefix, EnvNotifyOn, EnvUploadPrefix)
			st, err := Stages(context.Background(), tt.parts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Store == nil {
				t.Error("no store")
			}
			tt.check(t, st)
		})
	}
}

// setEnv gives a test a Lambda-like environment: region, dummy credentials and
// the bucket, the named variables cleared, then env on top.
func setEnv(t *testing.T, region string, env map[string]string, clear ...string) {
	t.Helper()
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv(EnvBucket, "logs")
	for _, k := range clear {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	tests := []struct {
		env  map[string]string
		want int64
	}{
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}, 1024 << 20 * 4 / 5},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024", "GOMEMLIMIT": "512MiB"}, 0},
		{map[string]string{}, 0},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}, 0},
	}
	for _, tt := range tests {
		before := debug.SetMemoryLimit(-1)
		got := setMemoryLimit(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("%v: limit %d, want %d", tt.env, got, tt.want)
		}
		now := debug.SetMemoryLimit(-1)
		if (tt.want != 0 && now != tt.want) || (tt.want == 0 && now != before) {
			t.Errorf("%v: runtime limit %d (was %d), want %d", tt.env, now, before, tt.want)
		}
	}
}
