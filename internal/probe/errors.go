package probe

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Error is a fault of the probe infrastructure or of the configuration: it
// says why the probe cannot run, never what a target showed. Reason is a
// ProbeReady reason of api/v1alpha1; Message is for people.
type Error struct {
	Reason  string
	Message string
	// RetryAfter suggests when to try again; 0 means at the normal interval.
	RetryAfter time.Duration
	// Findings explain the fault, when it is understood.
	Findings []v1alpha1.Finding
	// Err is the cause, for logs and errors.Is.
	Err error
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Stalled reports whether nothing changes until the spec or the AWS account
// does (kstatus Stalled).
func (e *Error) Stalled() bool {
	switch e.Reason {
	case v1alpha1.ReasonServiceNotFound, v1alpha1.ReasonClusterNotFound, v1alpha1.ReasonInvalidConfiguration:
		return true
	}
	return false
}

// AsError returns err as an *Error, wrapping anything else as AWSError.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Reason: v1alpha1.ReasonAWSError, Message: err.Error(), Err: err}
}

// Retry delays suggested for transient AWS faults.
const (
	throttledRetry   = 15 * time.Second
	unavailableRetry = 30 * time.Second
)

// awsError turns an SDK error from operation op (e.g. "ecs:RunTask") into an
// *Error through awsclient.Classify, the one place AWS errors are sorted.
func awsError(op string, err error) *Error {
	msg := fmt.Sprintf("%s failed: %s", op, describe(err))
	e := &Error{Reason: v1alpha1.ReasonAWSError, Message: msg, Err: err}
	switch awsclient.Classify(err) {
	case awsclient.ClassThrottled:
		e.Reason, e.RetryAfter = v1alpha1.ReasonAWSThrottled, throttledRetry
	case awsclient.ClassUnavailable:
		e.Reason, e.RetryAfter = v1alpha1.ReasonAWSUnavailable, unavailableRetry
	case awsclient.ClassAccessDenied:
		e.Reason = v1alpha1.ReasonControllerNotAuthorized
		e.Message = fmt.Sprintf("the controller may not call %s: %s", op, describe(err))
	case awsclient.ClassCanceled:
		e.Message = fmt.Sprintf("%s did not answer in time", op)
		e.RetryAfter = unavailableRetry
	}
	return e
}

// describe renders an AWS error as "Code: message".
func describe(err error) string {
	code, msg := awsclient.Code(err), strings.TrimSpace(awsclient.Message(err))
	if code == "" {
		return msg
	}
	return code + ": " + msg
}
