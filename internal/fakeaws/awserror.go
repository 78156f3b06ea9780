package fakeaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an AWS error before it is put in a protocol's shape.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common errors, with AWS's wording.
func invalidParam(format string, args ...any) *apiError {
	return errf(400, "InvalidParameterException", format, args...)
}
func clientErr(format string, args ...any) *apiError {
	return errf(400, "ClientException", format, args...)
}
func clusterNotFound() *apiError { return errf(400, "ClusterNotFoundException", "Cluster not found.") }

// throttleError and serverError are the codes each protocol uses, so that
// the SDK's retryer classifies them as it would AWS's.
func throttleError(service string) *apiError {
	switch service {
	case "ec2":
		return errf(503, "RequestLimitExceeded", "Request limit exceeded.")
	case "iam", "sts", "sns":
		return errf(400, "Throttling", "Rate exceeded")
	case "s3":
		return errf(503, "SlowDown", "Please reduce your request rate.")
	}
	return errf(400, "ThrottlingException", "Rate exceeded")
}

func serverError(service string) *apiError {
	switch service {
	case "ecs":
		return errf(500, "ServerException", "Service Unavailable. Please try again later.")
	case "ec2":
		return errf(500, "InternalError", "An internal error has occurred")
	case "iam":
		return errf(500, "ServiceFailure", "Service Failure")
	case "kms":
		return errf(500, "KMSInternalException", "An internal error has occurred")
	case "s3":
		return errf(500, "InternalError", "We encountered an internal error. Please try again.")
	case "ssm", "secretsmanager":
		return errf(500, "InternalServerError", "An internal error has occurred")
	}
	return errf(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
}

// writeError renders e in the shape of the request's protocol.
func writeError(w http.ResponseWriter, proto protocol, service, reqID string, e *apiError) {
	w.Header().Set("X-Amzn-RequestId", reqID)
	switch proto {
	case protoJSON10, protoJSON11:
		// awsJson: the code in __type (and X-Amzn-ErrorType, which the SDK
		// prefers), the text in "message".
		w.Header().Set("Content-Type", string(proto))
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		json.NewEncoder(w).Encode(map[string]string{"__type": e.Code, "message": e.Message}) //nolint:errcheck
	case protoEC2:
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(e.Status)
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
		E("Response", E("Errors", E("Error", T("Code", e.Code), T("Message", e.Message))), T("RequestID", reqID)).render(&b)
		w.Write([]byte(b.String())) //nolint:errcheck
	case protoRestXML:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(e.Status)
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
		E("Error", T("Code", e.Code), T("Message", e.Message), T("RequestId", reqID)).render(&b)
		w.Write([]byte(b.String())) //nolint:errcheck
	default: // awsQuery
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		typ := "Sender"
		if e.Status >= 500 {
			typ = "Receiver"
		}
		var b strings.Builder
		b.WriteString(`<ErrorResponse xmlns="` + queryNamespace(service) + `">`)
		E("Error", T("Type", typ), T("Code", e.Code), T("Message", e.Message)).render(&b)
		T("RequestId", reqID).render(&b)
		b.WriteString(`</ErrorResponse>`)
		w.Write([]byte(b.String())) //nolint:errcheck
	}
}
