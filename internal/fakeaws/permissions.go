package fakeaws

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiOutcome is the first API outcome for this caller and operation.
// Called with s.mu held.
func (s *Server) apiOutcome(who *principal, service, op string) *Outcome {
	key := strings.ToLower(service + ":" + op)
	for _, o := range s.state.Outcomes {
		if o.API == "" || !strings.EqualFold(o.API, key) && !wildcardMatch(strings.ToLower(o.API), key) {
			continue
		}
		if who.matches(o.Principal) {
			return o
		}
	}
	return nil
}

// gateError turns an API outcome into the error AWS would answer, nil when
// the call is allowed. A Timeout outcome holds the request until the client
// gives up (or ElapsedMs passes, then answers a 504).
func (s *Server) gateError(ctx context.Context, o *Outcome, rq *request) *apiError {
	switch strings.ToLower(o.Result) {
	case "allowed", "ok", "":
		return nil
	case "timeout":
		d := time.Duration(o.ElapsedMs) * time.Millisecond
		if d == 0 {
			d = time.Minute
		}
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		return errf(504, "RequestTimeout", "Request timed out")
	case "error":
		code := o.Code
		if code == "" {
			code = "InternalFailure"
		}
		return errf(400, code, "%s", expand(o.Message, rq.who, rq.region))
	}
	return denial(o, rq.service, rq.op, rq.who, rq.region, rq.resourceHint())
}

// denial builds the AccessDenied error of a Denied outcome.
func denial(o *Outcome, service, op string, who *principal, region, resource string) *apiError {
	code := o.Code
	if code == "" {
		code = deniedCode(service)
	}
	if o.Message != "" {
		return errf(deniedStatus(service), code, "%s", expand(o.Message, who, region))
	}
	if o.Resource != "" {
		resource = expand(o.Resource, who, region)
	}
	msg := denyMessage(o.Deny, iamAction(service, op), who, resource)
	if service == "ec2" {
		msg = "You are not authorized to perform this operation. " + msg
	}
	return errf(deniedStatus(service), code, "%s", msg)
}

// denyMessage is AWS's wording of an authorization failure; the clause at
// its end names the policy type that denied (DESIGN 2 classifies on it).
func denyMessage(kind, action string, who *principal, resource string) string {
	msg := "User: " + who.ARN + " is not authorized to perform: " + action
	if resource != "" {
		msg += " on resource: " + resource
	}
	switch strings.ToLower(kind) {
	case "explicitidentitypolicy":
		return msg + " with an explicit deny in an identity-based policy"
	case "vpcendpointpolicy":
		return msg + " with an explicit deny in a VPC endpoint policy"
	case "novpcendpointpolicy":
		return msg + " because no VPC endpoint policy allows the " + action + " action"
	case "servicecontrolpolicy":
		return msg + " with an explicit deny in a service control policy"
	case "permissionsboundary":
		return msg + " because no permissions boundary allows the " + action + " action"
	case "resourcepolicy":
		return msg + " with an explicit deny in a resource-based policy"
	case "sessionpolicy":
		return msg + " because no session policy allows the " + action + " action"
	}
	return msg + " because no identity-based policy allows the " + action + " action"
}

// deniedCode is the error code each service uses for authorization failures.
func deniedCode(service string) string {
	switch service {
	case "sns":
		return "AuthorizationError"
	case "ec2":
		return "UnauthorizedOperation"
	case "iam", "sts", "sqs", "s3":
		return "AccessDenied"
	}
	return "AccessDeniedException"
}

// deniedStatus: the JSON services answer authorization failures with 400,
// the query and REST services with 403.
func deniedStatus(service string) int {
	switch service {
	case "ecs", "kms", "secretsmanager", "ssm":
		return 400
	}
	return 403
}

// iamAction is the action name AWS prints for an operation: SNS spells its
// prefix in capitals; S3 authorizes several operations as another action
// (S3 API reference, "Permissions" of each: ListBuckets needs
// s3:ListAllMyBuckets, HeadObject s3:GetObject, ListObjectsV2 and HeadBucket
// s3:ListBucket).
func iamAction(service, op string) string {
	if service == "sns" {
		return "SNS:" + op
	}
	if service == "s3" {
		switch op {
		case "ListBuckets":
			return "s3:ListAllMyBuckets"
		case "HeadObject", "GetObjectAttributes":
			return "s3:GetObject"
		case "ListObjectsV2", "ListObjects", "HeadBucket":
			return "s3:ListBucket"
		}
	}
	return service + ":" + op
}

// headError is how the aws CLI prints an error of a HEAD request, which
// has no body: botocore uses the HTTP status as the code and the reason
// phrase as the message ("An error occurred (403) when calling the
// HeadObject operation: Forbidden").
func headError(op string, status int) (string, bool) {
	if !strings.HasPrefix(op, "Head") {
		return "", false
	}
	return cliError(strconv.Itoa(status), op, http.StatusText(status)), true
}

// defaultResource is the resource AWS names for operations without one.
func defaultResource(service, op, region, account string) string {
	switch service {
	case "sns":
		return "arn:aws:sns:" + region + ":" + account + ":*"
	}
	return ""
}

// resourceHint is the resource of this request for a denial message.
func (rq *request) resourceHint() string {
	if rq.service == "ecs" && rq.op == "ExecuteCommand" {
		var in struct{ Cluster string }
		rq.decode(&in) //nolint:errcheck // a bad body fails later in the handler
		return clusterARN(rq.region, rq.who.Account, clusterName(in.Cluster))
	}
	return defaultResource(rq.service, rq.op, rq.region, rq.who.Account)
}

func expand(s string, who *principal, region string) string {
	return strings.NewReplacer("${caller}", who.ARN, "${region}", region, "${account}", who.Account).Replace(s)
}
