package analysis

import "errors"

// Cause is why a model could not be used, in terms a front end can give
// advice for (the CLI and the email say different things to do).
type Cause string

// The causes an analyzer tells apart.
const (
	CauseModelAccess Cause = "model-access" // the account has no access to the model
	CauseMarketplace Cause = "marketplace"  // the model's AWS Marketplace subscription was never started
	CauseUseCaseForm Cause = "use-case"     // Anthropic's one-time use-case form was not submitted
	CausePermission  Cause = "permission"   // the caller's IAM policy does not allow the call
	CauseModelID     Cause = "model-id"     // the model id is invalid or cannot be used from this region
	CauseCredentials Cause = "credentials"  // no credentials, or rejected ones
	CauseThrottled   Cause = "throttled"    // throttled through every retry
	CauseDeadline    Cause = "deadline"     // no time was left before the function's deadline
	CauseBudget      Cause = "budget"       // the token budget was spent
	CauseFailed      Cause = "failed"       // anything else: an outage, an unusable answer
)

// Unavailability says why the model was not used: the cause and, in one
// line, what happened.
type Unavailability struct {
	Cause  Cause  `json:"cause"`
	Reason string `json:"reason"`
}

// causer is an error that knows its cause (the model analyzers' errors).
type causer interface{ Cause() Cause }

// Why is err's Unavailability: its cause when it knows one, CauseFailed
// otherwise.
func Why(err error) *Unavailability {
	if err == nil {
		return nil
	}
	w := &Unavailability{Cause: CauseFailed, Reason: err.Error()}
	var c causer
	if errors.As(err, &c) {
		w.Cause = c.Cause()
	}
	return w
}
