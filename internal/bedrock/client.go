package bedrock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"

	"github.com/logsift/logsift/internal/analysis"
)

// Client is the part of the Bedrock Runtime client the analyzer uses;
// *bedrockruntime.Client implements it.
type Client interface {
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
}

// ClientConfig configures NewClient.
type ClientConfig struct {
	Region string // empty: from the environment (AWS_REGION) or shared config
	// MaxAttempts is the number of attempts per call, the first included
	// (default 4). Retried: throttling, 5xx, ModelNotReady, ModelTimeout,
	// connection errors.
	MaxAttempts int
	MaxBackoff  time.Duration // cap on the delay between attempts (default 20 s)
	// Endpoint overrides the service endpoint. Empty: the SDK's resolution,
	// which honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME and AWS_ENDPOINT_URL.
	Endpoint string
}

// NewClient builds a Bedrock Runtime client from the default AWS configuration
// with logsift's retry policy.
func NewClient(ctx context.Context, c ClientConfig) (*bedrockruntime.Client, error) {
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	cfg.Retryer = func() aws.Retryer { return NewRetryer(c.MaxAttempts, c.MaxBackoff) }
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
	}), nil
}

// retryCodes are Bedrock errors worth another attempt that the SDK's standard
// retryer does not retry by itself (it already retries ThrottlingException, an
// unmodelled 429, 500, 502, 503 and 504).
var retryCodes = map[string]struct{}{
	"ModelNotReadyException":      {},
	"ModelTimeoutException":       {},
	"ServiceUnavailableException": {},
	"InternalServerException":     {},
}

// NewRetryer is the SDK standard retryer with exponential backoff and full
// jitter, extended to Bedrock's transient errors. The client-side retry quota
// is off: a Lambda makes a handful of calls, and the state machine does the
// long backoff when throttling persists.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = 4
	}
	if maxBackoff <= 0 {
		maxBackoff = 20 * time.Second
	}
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: retryCodes})
	})
}

// throttleCodes are the errors that mean "too much, later": after the SDK's
// retries they become analysis.ErrThrottled so the state machine can back off.
var throttleCodes = map[string]bool{
	"ThrottlingException":           true,
	"ServiceQuotaExceededException": true,
	"ModelNotReadyException":        true,
	"TooManyRequestsException":      true,
}

// isThrottled reports whether err is (or wraps) a final throttling error.
func isThrottled(err error) bool {
	if errors.Is(err, analysis.ErrThrottled) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && throttleCodes[ae.ErrorCode()] {
		return true
	}
	var sc interface{ HTTPStatusCode() int }
	return errors.As(err, &sc) && sc.HTTPStatusCode() == http.StatusTooManyRequests
}

type errKind int

const (
	kindOther       errKind = iota // the call failed: pass the actors over, note why
	kindThrottled                  // matches analysis.ErrThrottled
	kindUnavailable                // matches analysis.ErrUnavailable
)

// callError is a model call that failed for good. Its message says what
// happened, in terms a person can act on, but not what to do: that depends on
// where logsift runs, and the front ends say it from the cause. errors.Is
// matches analysis.ErrThrottled or analysis.ErrUnavailable by kind.
type callError struct {
	kind  errKind
	cause analysis.Cause
	msg   string
	err   error
}

func (e *callError) Error() string         { return e.msg }
func (e *callError) Unwrap() error         { return e.err }
func (e *callError) Cause() analysis.Cause { return e.cause }

func (e *callError) Is(target error) bool {
	return (e.kind == kindThrottled && target == analysis.ErrThrottled) ||
		(e.kind == kindUnavailable && target == analysis.ErrUnavailable)
}

// why is the error as an analysis.Unavailability.
func (e *callError) why() *analysis.Unavailability {
	return &analysis.Unavailability{Cause: e.cause, Reason: e.msg}
}

// callError sorts a Converse error and says what happened.
func (a *Analyzer) callError(err error) *callError {
	kind, cause, msg := a.describe(err)
	return &callError{kind: kind, cause: cause, msg: msg, err: err}
}

// describe tells Bedrock's refusals apart by exception type and message, as
// Bedrock Runtime words them (bedrocktest answers with the same words).
func (a *Analyzer) describe(err error) (errKind, analysis.Cause, string) {
	region := a.opt.Region
	if region == "" {
		region = "the configured region"
	}
	model := a.opt.ModelID
	if isThrottled(err) {
		return kindThrottled, analysis.CauseThrottled, fmt.Sprintf("Bedrock kept throttling %s after the retries", model)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := analysis.Sanitize(ae.ErrorMessage(), 200)
		l := strings.ToLower(msg)
		switch ae.ErrorCode() {
		case "AccessDeniedException":
			switch {
			case strings.Contains(l, "marketplace"):
				return kindUnavailable, analysis.CauseMarketplace, fmt.Sprintf("this account has no AWS Marketplace subscription to %s yet, and the caller may not start one (%s)", model, msg)
			case strings.Contains(l, "not authorized to perform"):
				return kindUnavailable, analysis.CausePermission, fmt.Sprintf("the caller's IAM policy does not allow invoking %s in %s (%s)", model, region, msg)
			}
			return kindUnavailable, analysis.CauseModelAccess, fmt.Sprintf("access to %s was denied in %s (%s)", model, region, msg)
		case "ResourceNotFoundException":
			if strings.Contains(l, "use case") {
				return kindUnavailable, analysis.CauseUseCaseForm, fmt.Sprintf("Anthropic's use-case form has not been submitted for this account (%s)", msg)
			}
			return kindUnavailable, analysis.CauseModelID, fmt.Sprintf("model %s was not found in %s (%s)", model, region, msg)
		case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignature", "MissingAuthenticationToken":
			return kindUnavailable, analysis.CauseCredentials, fmt.Sprintf("AWS rejected the credentials (%s)", msg)
		case "ValidationException":
			if strings.Contains(l, "model") && (strings.Contains(l, "identifier") || strings.Contains(l, "model id") ||
				strings.Contains(l, "inference profile") || strings.Contains(l, "on-demand throughput") ||
				strings.Contains(l, "not supported") || strings.Contains(l, "access")) {
				return kindUnavailable, analysis.CauseModelID, fmt.Sprintf("Bedrock rejected model id %s in %s (%s)", model, region, msg)
			}
		}
	}
	if s := err.Error(); strings.Contains(s, "get credentials") || strings.Contains(s, "failed to retrieve credentials") {
		return kindUnavailable, analysis.CauseCredentials, "no AWS credentials were found"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return kindOther, analysis.CauseFailed, fmt.Sprintf("the model call timed out after %s", a.opt.CallTimeout)
	}
	if errors.Is(err, errInvalidAnswer) {
		return kindOther, analysis.CauseFailed, analysis.Sanitize(err.Error(), 300)
	}
	if ae != nil {
		return kindOther, analysis.CauseFailed, fmt.Sprintf("the model call failed after retries: %s: %s", ae.ErrorCode(), analysis.Sanitize(ae.ErrorMessage(), 200))
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return kindOther, analysis.CauseFailed, "could not resolve the Bedrock endpoint " + analysis.Sanitize(dnsErr.Name, 100)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return kindOther, analysis.CauseFailed, "could not reach the Bedrock endpoint: " + analysis.Sanitize(opErr.Err.Error(), 100)
	}
	return kindOther, analysis.CauseFailed, "the model call failed: " + analysis.Sanitize(err.Error(), 300)
}
