// Package awsenv builds the pipeline stages for a Lambda from its environment:
// the bucket, topic, model and allowlist the template configures.
package awsenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/logsift/logsift/internal/analysis/offline"
	"github.com/logsift/logsift/internal/bedrock"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/notify"
	"github.com/logsift/logsift/internal/pipeline"
	"github.com/logsift/logsift/internal/store"
)

// Environment variables the functions read (set by template.yaml).
const (
	EnvBucket      = "LOGSIFT_BUCKET"       // the log bucket; the only bucket a function touches
	EnvTopicARN    = "LOGSIFT_TOPIC_ARN"    // SNS topic for the email (Notify)
	EnvModelID     = "LOGSIFT_MODEL_ID"     // Bedrock model or inference profile id
	EnvUseModel    = "LOGSIFT_USE_MODEL"    // "false" runs the offline analyzer only
	EnvAllowCIDRs  = "LOGSIFT_ALLOW_CIDRS"  // comma-separated IPs/CIDRs never reported
	EnvMaxChunks   = "LOGSIFT_MAX_CHUNKS"   // cap on chunks (Map iterations)
	EnvLogPrefix   = "LOGSIFT_LOG_PREFIX"   // the prefix manifests may name logs under (Parse)
	EnvTokenBudget = "LOGSIFT_TOKEN_BUDGET" // model token budget per run, shared out among its chunks
	EnvS3PathStyle = "LOGSIFT_S3_PATH_STYLE"
)

// Stages builds the stages from the environment.
func Stages(ctx context.Context) (*pipeline.Stages, error) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)

	bucket := os.Getenv(EnvBucket)
	if bucket == "" {
		return nil, fmt.Errorf("%s is not set", EnvBucket)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = os.Getenv(EnvS3PathStyle) == "true"
	})
	st := &pipeline.Stages{
		Store:     &store.S3{Client: s3c, Bucket: bucket, Region: cfg.Region},
		Logger:    logger,
		LogPrefix: os.Getenv(EnvLogPrefix),
	}
	st.Detect = detect.DefaultConfig()
	if v := os.Getenv(EnvAllowCIDRs); strings.TrimSpace(v) != "" {
		cidrs, err := detect.ParseAllowCIDRs(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvAllowCIDRs, err)
		}
		st.Detect.Allow.CIDRs = append(st.Detect.Allow.CIDRs, cidrs...)
	}
	if v := os.Getenv(EnvMaxChunks); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s must be a positive integer, got %q", EnvMaxChunks, v)
		}
		st.MaxChunks = n
	}
	if arn := os.Getenv(EnvTopicARN); arn != "" {
		st.Notifier = &notify.SNS{Client: sns.NewFromConfig(cfg), TopicARN: arn}
	}
	st.Fallback = offline.Analyzer{}
	st.Analyzer = offline.Analyzer{}
	st.AnalyzerName = "offline"
	if os.Getenv(EnvUseModel) != "false" {
		model := os.Getenv(EnvModelID)
		opts := bedrock.Options{ModelID: model, Region: cfg.Region}
		if v := os.Getenv(EnvTokenBudget); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s must be a non-negative integer, got %q", EnvTokenBudget, v)
			}
			opts.RunTokenBudget = n
		}
		client, err := bedrock.NewClient(ctx, bedrock.ClientConfig{Region: cfg.Region})
		if err != nil {
			return nil, err
		}
		a := bedrock.New(client, opts, offline.Analyzer{})
		st.Analyzer = a
		st.AnalyzerName = opts.ModelID
		if st.AnalyzerName == "" {
			st.AnalyzerName = bedrock.DefaultModelID
		}
	}
	return st, nil
}
