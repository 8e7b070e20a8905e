// Package awsenv wires a pipeline stage into a Lambda from the function's
// environment: the bucket, topic, model and allowlist template.yaml sets.
// Every stage gets the bucket and a JSON logger; anything else is a Part, and
// each functions/<stage>/main.go names the parts its stage uses, so that Parse,
// Filter and Notify never build a Bedrock client and only Notify builds an SNS
// one. A part reads its variables when the function starts: a bad value fails
// the function at init, where the console shows it.
package awsenv

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/logsift/logsift/internal/bedrock"
	"github.com/logsift/logsift/internal/detect"
	"github.com/logsift/logsift/internal/fetch"
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
	EnvNotifyOn    = "LOGSIFT_NOTIFY_ON" // "findings" (default) or "always": whether a scheduled run with nothing to report emails (Notify)
)

// A Part adds to a stage's configuration what the stage uses, from the
// environment.
type Part func(ctx context.Context, cfg aws.Config, st *pipeline.Stages) error

// Stages builds a stage's configuration: the bucket and the logger, and the
// parts. It makes no network call.
func Stages(ctx context.Context, parts ...Part) (*pipeline.Stages, error) {
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
	st := &pipeline.Stages{
		Store:  &store.S3{Client: s3Client(cfg), Bucket: bucket, Region: cfg.Region},
		Logger: logger,
	}
	for _, p := range parts {
		if err := p(ctx, cfg, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// Parsing is what Parse reads and how it splits a run: the prefix manifests
// may name logs under, and the cap on chunks.
func Parsing(_ context.Context, _ aws.Config, st *pipeline.Stages) error {
	st.LogPrefix = os.Getenv(EnvLogPrefix)
	if v := os.Getenv(EnvMaxChunks); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%s must be a positive integer, got %q", EnvMaxChunks, v)
		}
		st.MaxChunks = n
	}
	return nil
}

// Rules is the rules' configuration with the allowlist added (Filter).
func Rules(_ context.Context, _ aws.Config, st *pipeline.Stages) error {
	st.Detect = detect.DefaultConfig()
	if v := os.Getenv(EnvAllowCIDRs); strings.TrimSpace(v) != "" {
		cidrs, err := detect.ParseAllowCIDRs(v)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvAllowCIDRs, err)
		}
		st.Detect.Allow.CIDRs = append(st.Detect.Allow.CIDRs, cidrs...)
	}
	return nil
}

// Model is the analyzer (Analyze, Aggregate): the Bedrock model, whose
// answers the stages give the rules as their floor, unless LOGSIFT_USE_MODEL
// is "false" (the rules alone).
func Model(ctx context.Context, cfg aws.Config, st *pipeline.Stages) error {
	if os.Getenv(EnvUseModel) == "false" {
		return nil
	}
	opts := bedrock.Options{ModelID: os.Getenv(EnvModelID), Region: cfg.Region}
	if v := os.Getenv(EnvTokenBudget); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%s must be a non-negative integer, got %q", EnvTokenBudget, v)
		}
		opts.RunTokenBudget = n
	}
	client, err := bedrock.NewClient(ctx, bedrock.ClientConfig{Region: cfg.Region})
	if err != nil {
		return err
	}
	st.Analyzer = bedrock.New(client, opts)
	return nil
}

// s3Client is the S3 client of every function (path-style addressing when
// LOGSIFT_S3_PATH_STYLE is "true", for a local S3).
func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = os.Getenv(EnvS3PathStyle) == "true" })
}

// Email is what Notify sends with: the SNS topic the reports and failures go
// to (without one Notify sends nothing and says so), the presigned link to the
// HTML report, signed with the function's own credentials, and which runs
// email only when they have something to report (NotifyOn): the scheduled
// ones, whose keys the fetch function writes under the upload prefix.
func Email(_ context.Context, cfg aws.Config, st *pipeline.Stages) error {
	if arn := os.Getenv(EnvTopicARN); arn != "" {
		st.Notifier = &notify.SNS{Client: sns.NewFromConfig(cfg), TopicARN: arn}
	}
	st.Links = &store.Links{Client: s3.NewPresignClient(s3Client(cfg)), Credentials: cfg.Credentials, Bucket: os.Getenv(EnvBucket)}
	switch v := os.Getenv(EnvNotifyOn); v {
	case "", "findings":
		up := cmp.Or(os.Getenv(EnvUploadPrefix), "uploads/")
		st.QuietPrefixes = []string{up + fetch.AmplifyDir, up + fetch.DigestDir}
	case "always":
	default:
		return fmt.Errorf("%s must be findings or always, got %q", EnvNotifyOn, v)
	}
	return nil
}
