package metrics

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const awsMiddlewareID = "ecscheck/metrics"

// AWSMiddleware returns an SDK API option (awsclient.Options.APIOptions) that
// counts every operation, its final error and the attempts the SDK's retryer
// made before it, by service, operation and error code.
//
// It sits first in the Initialize step, outside the retry loop of the
// Finalize step, so one call counts once however often it was retried, and
// the retries come from the retryer's own record of its attempts
// (retry.GetAttemptResults), not from a guess.
func (r *Recorder) AWSMiddleware() func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		if r == nil {
			return nil
		}
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc(awsMiddlewareID, r.handleAWS), middleware.Before)
	}
}

func (r *Recorder) handleAWS(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)

	service, operation := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	r.awsCalls.WithLabelValues(service, operation).Inc()
	if err != nil {
		r.awsErrors.WithLabelValues(service, operation, ErrorCode(err)).Inc()
	}
	if attempts, ok := retry.GetAttemptResults(md); ok {
		for _, a := range attempts.Results {
			if a.Retried {
				r.awsRetries.WithLabelValues(service, operation, ErrorCode(a.Err)).Inc()
			}
		}
	}
	return out, md, err
}

// AWS error codes are CamelCase words, sometimes dotted (EC2's
// "InvalidGroup.NotFound"); anything else is not used as a label.
var awsErrorCode = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// ErrorCode is the label value of an AWS SDK error: the service's error code
// when it answered with one, else the transport's failure (Timeout,
// Canceled, NetworkError, HTTP<status>), else Other.
func ErrorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) && awsErrorCode.MatchString(api.ErrorCode()) {
		return api.ErrorCode()
	}
	var resp *smithyhttp.ResponseError
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	switch {
	case err == nil:
		return "None"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.As(err, &resp) && resp.HTTPStatusCode() >= 100 && resp.HTTPStatusCode() < 600:
		return "HTTP" + strconv.Itoa(resp.HTTPStatusCode())
	case errors.As(err, &netErr) && netErr.Timeout():
		return "Timeout"
	case errors.As(err, &send), errors.As(err, &netErr):
		return "NetworkError"
	}
	return Other
}
