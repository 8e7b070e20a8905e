package pipeline

import (
	"time"
)

// The stage inputs and outputs below are what Step Functions passes between
// states and shows in the console. They carry S3 keys and small summaries only:
// a state's input or output is capped at 256 KiB and the cap cannot be caught.

// SourceRef names the uploaded object a run analyses.
type SourceRef struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	ETag   string `json:"etag,omitempty"`
	Size   int64  `json:"size"`
}

// ParseInput is the Parse stage's input: the object from the S3 event.
type ParseInput = SourceRef

// Window is the log-time range covered.
type Window struct {
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// ChunkRef is one partition of the actors of a run.
type ChunkRef struct {
	Index int    `json:"index"`
	Key   string `json:"key"`
	Rows  int64  `json:"rows"`
	// Of is the number of chunks in the run: Analyze gives each chunk its share
	// of the run's model token budget.
	Of int `json:"of"`
}

// ParseOutput summarises the input and lists the chunks to analyse.
type ParseOutput struct {
	Run      string           `json:"run"`
	Source   SourceRef        `json:"source"`
	Format   string           `json:"format,omitempty"`
	Gzip     bool             `json:"gzip,omitempty"`
	Objects  int              `json:"objects"` // 1, or the objects a manifest named
	Bytes    int64            `json:"bytes"`   // uncompressed bytes read
	Lines    int64            `json:"lines"`
	Rows     int64            `json:"rows"`
	Skipped  int64            `json:"skipped"`
	Rejected int64            `json:"rejected"`
	Reasons  map[string]int64 `json:"rejected_reasons,omitempty"`
	Window   Window           `json:"window"`
	// InputKey holds the full input account (rejected samples included), too big to pass between states.
	InputKey string     `json:"input_key,omitempty"`
	Chunks   []ChunkRef `json:"chunks"`
	// AlreadyReported is set when this object version was reported (and emailed) before.
	AlreadyReported bool   `json:"already_reported"`
	Message         string `json:"message"` // one line for the console
}

// FilterInput is one Map iteration's input.
type FilterInput struct {
	Run   string   `json:"run"`
	Chunk ChunkRef `json:"chunk"`
}

// FilterOutput summarises the evidence of one chunk.
type FilterOutput struct {
	Run         string `json:"run"`
	Chunk       int    `json:"chunk"`
	EvidenceKey string `json:"evidence_key"`
	Requests    int64  `json:"requests"`
	Actors      int    `json:"actors"`
	Suspicious  int    `json:"suspicious"`
	Weak        int    `json:"weak"`
	Chunks      int    `json:"chunks"` // chunks in the run (ChunkRef.Of)
}

// AnalyzeOutput summarises the verdicts of one chunk. VerdictsKey is empty when
// the chunk had no suspicious actor and Analyze was skipped.
type AnalyzeOutput struct {
	Run              string `json:"run"`
	Chunk            int    `json:"chunk"`
	EvidenceKey      string `json:"evidence_key"`
	VerdictsKey      string `json:"verdicts_key,omitempty"`
	Suspicious       int    `json:"suspicious"`
	InputTokens      int64  `json:"input_tokens"`
	OutputTokens     int64  `json:"output_tokens"`
	ModelUnavailable bool   `json:"model_unavailable,omitempty"`
}

// AggregateInput is the Parse summary and the Map's results.
type AggregateInput struct {
	Parse  ParseOutput     `json:"parse"`
	Chunks []AnalyzeOutput `json:"chunks"`
}

// ReportKeys are where the rendered reports are stored.
type ReportKeys struct {
	JSON string `json:"json"`
	HTML string `json:"html"`
	MD   string `json:"md"`
	Text string `json:"text"`
	// Addresses is the complete list of suspicious addresses (CSV).
	Addresses string `json:"addresses"`
}

// AggregateOutput says where the report is and what it found.
type AggregateOutput struct {
	Run          string     `json:"run"`
	Source       SourceRef  `json:"source"`
	Report       ReportKeys `json:"report"`
	ReportURL    string     `json:"report_url"`
	Suspicious   int        `json:"suspicious"`
	Severity     string     `json:"severity"`
	Headline     string     `json:"headline"`
	InputTokens  int64      `json:"input_tokens"`
	OutputTokens int64      `json:"output_tokens"`
	CostUSD      float64    `json:"cost_usd"`
}

// Failure is what a Catch hands to Notify: the stage that failed and why.
type Failure struct {
	Stage string `json:"stage"`
	Error string `json:"error"`
	Cause string `json:"cause"`
}

// NotifyInput is a finished report or a failure to announce.
type NotifyInput struct {
	Mode   string    `json:"mode"` // "report" or "failure"
	Source SourceRef `json:"source"`
	// Execution is the execution's ARN, for the redrive command in an error.
	Execution string           `json:"execution,omitempty"`
	Aggregate *AggregateOutput `json:"aggregate,omitempty"`
	Failure   *Failure         `json:"failure,omitempty"`
}

// NotifyOutput says whether an email went out.
type NotifyOutput struct {
	Sent      bool   `json:"sent"`
	MessageID string `json:"message_id,omitempty"`
	Subject   string `json:"subject"`
	Reason    string `json:"reason,omitempty"` // why nothing was sent
	// LinkExpires is when the email's presigned report link stops working
	// at the latest (the link itself is not shown here).
	LinkExpires *time.Time `json:"report_link_expires,omitempty"`
}

// ModelThrottled is returned by Analyze when Bedrock stayed throttled after the
// SDK's retries. Its type name is the Lambda errorType the state machine's
// Retry matches, so keep the name.
type ModelThrottled struct{ Err error }

func (e *ModelThrottled) Error() string { return "model throttled: " + e.Err.Error() }
func (e *ModelThrottled) Unwrap() error { return e.Err }

// NoConfirmedSubscription is returned by Notify, before it marks the run as
// notified, when no subscriber of the topic has confirmed: SNS would accept the
// email and deliver it to no one. The state machine does not catch it, so the
// execution fails at the notification itself and a redrive sends it once the
// subscription is confirmed (a redrive reruns a failed Task state, while one
// that ended in a Fail state only fails again). Its type name is the Lambda
// errorType the execution shows, so keep the name.
type NoConfirmedSubscription struct {
	Execution string // the execution's ARN, when the state machine passed it
}

func (e *NoConfirmedSubscription) Error() string {
	arn := e.Execution
	if arn == "" {
		arn = "<this execution's ARN>"
	}
	return "no email was sent: nobody has confirmed the subscription to logsift's SNS topic, so SNS would deliver the email to no one. " +
		"The run is not marked as notified. Confirm the subscription (the email \"AWS Notification - Subscription Confirmation\" " +
		"sent to the stack's NotificationEmail address), then redrive this execution to send it: " +
		"Redrive in the Step Functions console, or aws stepfunctions redrive-execution --execution-arn " + arn
}

// TransientError is a stage's failure that may pass if the stage runs again:
// an AWS call that failed after the SDK's own retries with a 5xx, throttling
// or a broken connection (awsenv.Start wraps such errors). Its type name is
// the Lambda errorType the state machine's Retry matches, so keep the name;
// every stage is safe to run again (see docs/design.md, "Retries").
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return "transient: " + e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }
