// Package analysis holds what every analyzer shares: the verdicts, observations
// and recommendations it answers with, the Analyzer and Session interfaces,
// the limits on an answer, and Sanitize for attacker-controlled text.
//
// "The rules are the floor" is decided in one place, WithFallback: a model's
// verdicts are merged onto the rules' (it may add categories and raise a
// severity, never lower or remove a finding), the actors it passed over get
// the rules' verdicts, and when it fails the answer is the rules' alone and
// says why. Only ErrThrottled and the context's errors pass through, so that
// the pipeline sees a result or a reason to wait.
//
// The analyzers live elsewhere: analysis/offline (rules and fixed text, no
// network) and internal/bedrock (a model, whose answers
// internal/bedrock/answer checks against the evidence first).
package analysis

import (
	"context"
	"errors"
	"time"

	"github.com/logsift/logsift/internal/evidence"
)

// Verdict is the classification of one actor.
type Verdict struct {
	Actor      string              `json:"actor"`
	Categories []evidence.Category `json:"categories"`
	Severity   evidence.Severity   `json:"severity"`
	Confidence float64             `json:"confidence"` // 0..1
	Rationale  string              `json:"rationale"`
	Source     string              `json:"source"` // "rules" or "model"
}

// Observation is a campaign-level remark (several actors acting together).
type Observation struct {
	Actors  []string `json:"actors"`
	Summary string   `json:"summary"`
	Source  string   `json:"source"`
}

// Action kinds, in the order a team usually applies them.
const (
	ActionWAFIPSet     = "waf-ip-set"     // block the listed actors with an AWS WAF IP set
	ActionWAFManaged   = "waf-managed"    // enable an AWS WAF managed rule group
	ActionWAFRateBased = "waf-rate-based" // a rate-based rule
	ActionWAFCustom    = "waf-custom"     // a custom rule (path match, header match)
	ActionApp          = "app"            // change the application
	ActionServer       = "server"         // change the web server / hosting configuration
)

// ActionKinds lists the Action* constants, most usual first.
var ActionKinds = []string{ActionWAFIPSet, ActionWAFManaged, ActionWAFRateBased, ActionWAFCustom, ActionApp, ActionServer}

// Recommendation is one prioritised action, tied to the findings it addresses.
type Recommendation struct {
	Priority   int                 `json:"priority"` // 1 is most urgent
	Kind       string              `json:"kind"`     // one of the Action* constants
	Title      string              `json:"title"`
	Detail     string              `json:"detail"`
	Categories []evidence.Category `json:"categories,omitempty"` // the findings it addresses
	Actors     []string            `json:"actors,omitempty"`
	Source     string              `json:"source"`
}

// Limits on what an analyzer may answer. They bound the report's size whatever a
// model does: the offline analyzer keeps to them and a model's answers are
// validated against them.
const (
	MaxActorLen        = 64   // an IPv4 address or an IPv6 /64 CIDR fits easily
	MaxRationaleLen    = 600  // bytes
	MaxSummaryLen      = 600  // bytes
	MaxTitleLen        = 120  // bytes
	MaxDetailLen       = 1200 // bytes
	MaxVerdicts        = 200
	MaxObservations    = 20
	MaxRecommendations = 12
)

// Usage is what the analyzer spent.
type Usage struct {
	Model        string  `json:"model,omitempty"`
	Calls        int     `json:"calls"`
	InputTokens  int64   `json:"input_tokens"`
	OutputTokens int64   `json:"output_tokens"`
	CostUSD      float64 `json:"cost_usd"`
}

// Add accumulates u2 into u.
func (u *Usage) Add(u2 Usage) {
	if u.Model == "" {
		u.Model = u2.Model
	}
	u.Calls += u2.Calls
	u.InputTokens += u2.InputTokens
	u.OutputTokens += u2.OutputTokens
	u.CostUSD += u2.CostUSD
}

// ClassifyResult is an analyzer's answer for one chunk of suspicious actors.
type ClassifyResult struct {
	Verdicts     []Verdict     `json:"verdicts"`
	Observations []Observation `json:"observations,omitempty"`
	// Notes says what was dropped or left out (invented entities, actors over the
	// token budget, the model being unavailable); shown in the report.
	Notes []string `json:"notes,omitempty"`
	Usage Usage    `json:"usage"`
	// ModelUnavailable is set when the model could not be used and the verdicts
	// come from the rules alone.
	ModelUnavailable bool `json:"model_unavailable,omitempty"`
	// Why says why, when the model was unavailable.
	Why *Unavailability `json:"why,omitempty"`
	// OverBudget counts actors left to the rules because the token budget ran out.
	OverBudget int `json:"over_budget,omitempty"`
	// Skipped lists the actors the analyzer passed over (the token budget, a
	// failed call): their verdicts are the floor's (see WithFallback).
	Skipped []string `json:"skipped,omitempty"`
}

// RecommendInput is the aggregated picture the recommendations are written for.
type RecommendInput struct {
	Actors    []evidence.Actor    `json:"actors"` // suspicious actors, worst first
	Verdicts  []Verdict           `json:"verdicts"`
	Campaigns []evidence.Campaign `json:"campaigns"`
	// Blockable, when not zero, counts every address at the blocklist's
	// severity, those counted in groups included; AddressFile names the
	// file that lists them all.
	Blockable   int64  `json:"blockable,omitempty"`
	AddressFile string `json:"address_file,omitempty"`
	// Planted are the pages whose visitors' browsers sent attack payloads
	// (their visitors are not among Actors): the page needs cleaning.
	Planted []evidence.PlantedPage `json:"planted,omitempty"`
}

// RecommendResult is the prioritised advice.
type RecommendResult struct {
	Recommendations  []Recommendation `json:"recommendations"`
	Notes            []string         `json:"notes,omitempty"`
	Usage            Usage            `json:"usage"`
	ModelUnavailable bool             `json:"model_unavailable,omitempty"`
	Why              *Unavailability  `json:"why,omitempty"` // why, when the model was unavailable
}

// Analyzer is long-lived configuration (a model and its options, or the
// offline rules); what belongs to one run lives in the Session that Begin
// returns, so one Analyzer can serve many runs, one after another or at once.
type Analyzer interface {
	// Name is shown in reports: "offline" or the model id.
	Name() string
	// Begin starts the work for one run, or for one chunk of it.
	Begin(run RunInfo) Session
}

// RunInfo is what an analyzer is told about the run a session serves.
type RunInfo struct {
	// Format is the run's log format ("amplify", "cloudfront", ...), for
	// advice that depends on the hosting; empty when unknown or mixed.
	Format string
	// Chunks is how many sessions share the run's token budget: on AWS every
	// chunk is classified by its own Lambda invocation, and each gets
	// 1/Chunks of it. 0 or 1: this session has the whole budget.
	Chunks int
	// Deadline is when the session's answers are needed (the Lambda's
	// timeout); zero means no deadline.
	Deadline time.Time
}

// Session classifies suspicious actors and writes advice for one run, within
// the run's budget. It is safe for concurrent use.
type Session interface {
	Classify(ctx context.Context, actors []evidence.Actor, campaigns []evidence.Campaign) (ClassifyResult, error)
	Recommend(ctx context.Context, in RecommendInput) (RecommendResult, error)
}

// ErrThrottled is returned (wrapped) when the model stayed throttled after the
// last retry, so that the state machine can back off longer and try again.
var ErrThrottled = errors.New("model throttled")

// ErrUnavailable is returned (wrapped) when the model cannot be used at all
// (access denied, model not enabled, unknown model id); the message says what to enable.
var ErrUnavailable = errors.New("model unavailable")
