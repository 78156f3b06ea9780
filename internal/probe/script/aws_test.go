package script_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Seed 000's two messages, as SNS returns them.
const (
	seedVPCEndpointDeny  = "User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* with an explicit deny in a VPC endpoint policy"
	seedNoIdentityPolicy = "User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

// TestScriptAWSCalls runs the real aws CLI against a loopback SNS endpoint:
// the call's stdout is discarded and its stderr comes back as the detail.
func TestScriptAWSCalls(t *testing.T) {
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch r.Form.Get("NextToken") {
		case "vpce":
			scripttest.SNSError(w, 403, "AuthorizationError", seedVPCEndpointDeny)
		case "identity":
			scripttest.SNSError(w, 403, "AuthorizationError", seedNoIdentityPolicy)
		default:
			scripttest.SNSListTopics(w)
		}
	}))
	req := wire.Request{Nonce: "n5", Timeout: 15 * time.Second, Region: "ap-northeast-1", Targets: []wire.Target{
		wire.AWS("allowed", "sns", "list-topics"),
		wire.AWSInput("vpce", "sns", "list-topics", []byte(`{"NextToken":"vpce"}`)),
		wire.AWSInput("identity", "sns", "list-topics", []byte(`{"NextToken":"identity"}`)),
	}}
	lines := scripttest.Run(t, req, env...)
	logLines(t, lines)
	if l := lines["allowed"]; l.Status != wire.StatusOK || l.Detail != "" {
		t.Errorf("allowed = %s %q; stdout must not come back", l.Status, l.Detail)
	}
	for id, msg := range map[string]string{"vpce": seedVPCEndpointDeny, "identity": seedNoIdentityPolicy} {
		l := lines[id]
		if l.Status != wire.StatusError || !strings.Contains(l.Detail, "An error occurred (AuthorizationError) when calling the ListTopics operation: "+msg) {
			t.Errorf("%s = %s %q", id, l.Status, l.Detail)
		}
	}
}

// TestScriptAWSErrorIsTheCallsOwn: a call the CLI refuses before sending
// reports the CLI's error alone, without the usage text or blank lines
// around it.
func TestScriptAWSErrorIsTheCallsOwn(t *testing.T) {
	var calls int
	env := scripttest.AWSEnv(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		scripttest.SNSListTopics(w)
	}))
	req := wire.Request{Nonce: "n6", Timeout: 15 * time.Second, Region: "ap-northeast-1", Targets: []wire.Target{
		wire.AWSInput("type", "sns", "list-topics", []byte(`{"NextToken":5}`)),
		wire.AWSInput("missing", "s3api", "head-bucket", []byte(`{}`)),
		wire.AWSInput("unknown", "sns", "list-topics", []byte(`{"--endpoint-url":"http://127.0.0.1:1"}`)),
		wire.AWS("custom", "eks", "get-token"),
	}}
	lines := scripttest.Run(t, req, env...)
	for id, want := range map[string]string{
		"type":    "Parameter validation failed:\nInvalid type for parameter NextToken, value: 5, type: <class 'int'>, valid types: <class 'str'>",
		"missing": "Parameter validation failed:\nMissing required parameter in input: \"Bucket\"",
		"unknown": "Parameter validation failed:\nUnknown parameter in input: \"--endpoint-url\", must be one of: NextToken",
		"custom":  "Unknown options: --cli-input-json,{}",
	} {
		if l := lines[id]; l.Status != wire.StatusError || l.Detail != want {
			t.Errorf("%s = %s %q\nwant ERROR %q", id, l.Status, l.Detail, want)
		}
	}
	if calls != 0 {
		t.Errorf("%d calls reached the endpoint", calls)
	}
}
