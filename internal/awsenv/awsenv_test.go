package awsenv

import (
	"context"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/analysis/offline"
	"github.com/logsift/logsift/internal/bedrock"
)

func TestStages(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, name string, err error)
	}{
		{name: "no bucket", env: map[string]string{EnvBucket: ""}, wantErr: EnvBucket},
		{name: "bad max chunks", env: map[string]string{EnvMaxChunks: "zero"}, wantErr: EnvMaxChunks},
		{name: "bad allowlist", env: map[string]string{EnvAllowCIDRs: "10.0.0.0/33"}, wantErr: EnvAllowCIDRs},
		{name: "bad budget", env: map[string]string{EnvTokenBudget: "-5"}, wantErr: EnvTokenBudget},
		{name: "offline", env: map[string]string{EnvUseModel: "false", EnvAllowCIDRs: "192.0.2.1, 2001:db8::/48", EnvMaxChunks: "7", EnvLogPrefix: "logs/"}},
		{name: "model", env: map[string]string{EnvModelID: "global.anthropic.claude-haiku-4-5-20251001-v1:0", EnvTopicARN: "arn:aws:sns:us-east-1:123456789012:t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv(EnvBucket, "logs")
			for _, k := range []string{EnvTopicARN, EnvModelID, EnvUseModel, EnvAllowCIDRs, EnvMaxChunks, EnvTokenBudget, EnvLogPrefix} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			st, err := Stages(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch tt.name {
			case "offline":
				if _, ok := st.Analyzer.(offline.Analyzer); !ok || st.AnalyzerName != "offline" {
					t.Errorf("analyzer %T %q, want offline", st.Analyzer, st.AnalyzerName)
				}
				if st.MaxChunks != 7 {
					t.Errorf("MaxChunks %d", st.MaxChunks)
				}
				if st.LogPrefix != "logs/" {
					t.Errorf("LogPrefix %q", st.LogPrefix)
				}
				if got := strings.Join(st.Detect.Allow.CIDRs, " "); !strings.Contains(got, "192.0.2.1") || !strings.Contains(got, "2001:db8::/48") {
					t.Errorf("allowlist %q", got)
				}
				if st.Notifier != nil {
					t.Error("notifier without a topic")
				}
			case "model":
				if _, ok := st.Analyzer.(*bedrock.Analyzer); !ok {
					t.Errorf("analyzer %T, want Bedrock", st.Analyzer)
				}
				if st.AnalyzerName != tt.env[EnvModelID] {
					t.Errorf("analyzer name %q", st.AnalyzerName)
				}
				if st.Notifier == nil {
					t.Error("no notifier with a topic")
				}
			}
		})
	}
}
