package awsclient

import (
	"context"
	"errors"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Class is what the controller does about an AWS error.
type Class int

// Error classes.
const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassThrottled: slow down and retry.
	ClassThrottled
	// ClassUnavailable: a 5xx or transport failure; retry with backoff.
	ClassUnavailable
	// ClassNotFound: the named resource does not exist; a condition, not a retry loop.
	ClassNotFound
	// ClassAccessDenied: the caller is not allowed; a condition.
	ClassAccessDenied
	// ClassInvalid: the request is invalid (bad parameter, validation).
	ClassInvalid
	// ClassCanceled: the context ended.
	ClassCanceled
	// ClassUnknown: anything else.
	ClassUnknown
)

func (c Class) String() string {
	switch c {
	case ClassNone:
		return "None"
	case ClassThrottled:
		return "Throttled"
	case ClassUnavailable:
		return "Unavailable"
	case ClassNotFound:
		return "NotFound"
	case ClassAccessDenied:
		return "AccessDenied"
	case ClassInvalid:
		return "Invalid"
	case ClassCanceled:
		return "Canceled"
	default:
		return "Unknown"
	}
}

// Retryable reports whether the same call may succeed later without any change.
func (c Class) Retryable() bool {
	return c == ClassThrottled || c == ClassUnavailable || c == ClassUnknown
}

var throttlingCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestThrottled": true, "RequestThrottledException": true, "RequestLimitExceeded": true,
	"TooManyRequestsException": true, "SlowDown": true, "ProvisionedThroughputExceededException": true,
	"TransactionInProgressException": true, "BandwidthLimitExceeded": true,
	"EC2ThrottledException": true, "PriorRequestNotComplete": true,
}

var unavailableCodes = map[string]bool{
	"ServerException": true, "InternalError": true, "InternalFailure": true,
	"InternalServerError": true, "ServiceUnavailable": true, "ServiceUnavailableException": true,
	"Unavailable": true, "RequestTimeout": true, "RequestTimeoutException": true,
}

var notFoundCodes = map[string]bool{
	"ClusterNotFoundException": true, "ServiceNotFoundException": true, "ServiceNotActiveException": true,
	"NoSuchEntity": true, "ResourceNotFoundException": true, "TargetNotFoundException": true,
	"NotFoundException": true, "NotFound": true,
}

var accessDeniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthorizationError": true, "AuthFailure": true, "UnrecognizedClientException": true,
	"InvalidClientTokenId": true, "ExpiredToken": true, "ExpiredTokenException": true,
	"SignatureDoesNotMatch": true, "IncompleteSignature": true, "MissingAuthenticationToken": true,
	"OptInRequired": true,
}

var invalidCodes = map[string]bool{
	"InvalidParameterException": true, "InvalidParameterValue": true, "InvalidParameterCombination": true,
	"InvalidParameter": true, "ValidationError": true, "ValidationException": true,
	"ClientException": true, "MissingParameter": true, "MalformedPolicyDocument": true,
	"InvalidInput": true, "UnsupportedFeatureException": true, "PlatformUnknownException": true,
	"PlatformTaskDefinitionIncompatibilityException": true,
}

// Classify sorts an error returned by an SDK call into a Class.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassCanceled
	}
	code := Code(err)
	switch {
	case throttlingCodes[code]:
		return ClassThrottled
	case unavailableCodes[code]:
		return ClassUnavailable
	case accessDeniedCodes[code]:
		return ClassAccessDenied
	case notFoundCodes[code], strings.HasSuffix(code, ".NotFound"):
		return ClassNotFound
	case invalidCodes[code], strings.HasPrefix(code, "Invalid"), strings.HasSuffix(code, ".Malformed"):
		return ClassInvalid
	}
	if status := HTTPStatus(err); status >= 500 {
		return ClassUnavailable
	} else if status == 429 {
		return ClassThrottled
	} else if status == 403 {
		return ClassAccessDenied
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return ClassUnknown
	}
	// No API error at all: the request never got an answer (connection
	// refused, DNS, TLS), which is worth retrying.
	return ClassUnavailable
}

// Code is the AWS error code of err, or "" when err carries none.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Message is the AWS error message of err, or err's text.
func Message(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorMessage() != "" {
		return apiErr.ErrorMessage()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// HTTPStatus is the HTTP status of the response that carried err, or 0.
func HTTPStatus(err error) int {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}
