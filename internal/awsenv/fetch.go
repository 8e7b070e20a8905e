package awsenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/amplify"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/logsift/logsift/internal/fetch"
	"github.com/logsift/logsift/internal/notify"
	"github.com/logsift/logsift/internal/store"
)

// Environment variables of the fetch function (set by template.yaml).
const (
	EnvAmplifyApps    = "LOGSIFT_AMPLIFY_APPS"    // appId:domain pairs, comma-separated
	EnvDigestPrefixes = "LOGSIFT_DIGEST_PREFIXES" // templated prefixes under the log prefix
	EnvUploadPrefix   = "LOGSIFT_UPLOAD_PREFIX"   // where fetched logs and digests are written
	EnvAccountID      = "LOGSIFT_ACCOUNT_ID"      // {account} in digest prefixes
	EnvFetchMaxBytes  = "LOGSIFT_FETCH_MAX_BYTES" // cap on one Amplify download
)

// Fetcher builds the scheduled fetch from the environment. Amplify is reached
// at AWS_ENDPOINT_URL_AMPLIFY when that is set, as every SDK client honours.
func Fetcher(ctx context.Context) (*fetch.Fetcher, error) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	slog.SetDefault(logger)
	bucket := os.Getenv(EnvBucket)
	if bucket == "" {
		return nil, fmt.Errorf("%s is not set", EnvBucket)
	}
	apps, err := fetch.ParseApps(os.Getenv(EnvAmplifyApps))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvAmplifyApps, err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	logPrefix := os.Getenv(EnvLogPrefix)
	if logPrefix == "" {
		logPrefix = "logs/"
	}
	digests, err := fetch.ParseDigests(os.Getenv(EnvDigestPrefixes), logPrefix, os.Getenv(EnvAccountID), cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvDigestPrefixes, err)
	}
	client := &fetch.Client{API: amplify.NewFromConfig(cfg)}
	if v := os.Getenv(EnvFetchMaxBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s must be a positive integer, got %q", EnvFetchMaxBytes, v)
		}
		client.MaxBytes = n
	}
	f := &fetch.Fetcher{
		Store:        &store.S3{Client: s3Client(cfg), Bucket: bucket, Region: cfg.Region},
		Amplify:      client,
		Apps:         apps,
		Digests:      digests,
		UploadPrefix: os.Getenv(EnvUploadPrefix),
		Logger:       logger,
	}
	if arn := os.Getenv(EnvTopicARN); arn != "" {
		f.Notifier = &notify.SNS{Client: sns.NewFromConfig(cfg), TopicARN: arn}
	}
	return f, nil
}

// StartFetch runs the scheduled fetch as the Lambda handler.
func StartFetch() {
	setMemoryLimit(os.Getenv)
	f, err := Fetcher(context.Background())
	if err != nil {
		slog.Error("configuration", "function", "fetch", "err", err)
		os.Exit(1)
	}
	lambda.Start(f.Run)
}
