package awsenv

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/logsift/logsift/internal/pipeline"
)

// named are the stage errors the state machine already tells apart by their
// own type name; they are never renamed.
func named(err error) bool {
	return errors.As(err, new(*pipeline.ModelThrottled)) || errors.As(err, new(*pipeline.NoConfirmedSubscription)) ||
		errors.As(err, new(*pipeline.TransientError))
}

// transient reports whether err is an AWS call that failed for a reason that
// may pass: a 5xx or 429 answer after the SDK's retries, or the connection.
// The function's own deadline is not transient: a second run would meet it
// too.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() != 0 { // 0: no answer, the request was not sent
		c := status.HTTPStatusCode()
		return c >= http.StatusInternalServerError || c == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// stageError is the error a stage's Lambda returns: a transient failure is a
// *pipeline.TransientError, so that the state machine retries it.
func stageError(err error) error {
	if err == nil || named(err) || !transient(err) {
		return err
	}
	return &pipeline.TransientError{Err: err}
}
