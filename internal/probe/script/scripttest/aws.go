package scripttest

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// AWSEnv starts a loopback endpoint served by h and returns the environment
// that makes the aws CLI call it with static test credentials, no config
// files and no instance metadata lookups.
func AWSEnv(t testing.TB, h http.Handler) []string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return []string{
		"AWS_ENDPOINT_URL=" + srv.URL,
		"AWS_ACCESS_KEY_ID=AKIDECSCHECKTEST",
		"AWS_SECRET_ACCESS_KEY=ecscheck-test-secret",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
	}
}

// SNSError answers an SNS (awsQuery) call with an error, the way SNS does.
func SNSError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>` +
		code + `</Code><Message>` + xmlEscape(message) + `</Message></Error><RequestId>ecscheck-test</RequestId></ErrorResponse>`))
}

// SNSListTopics answers ListTopics with one topic.
func SNSListTopics(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics><member><TopicArn>arn:aws:sns:ap-northeast-1:123456789012:orders</TopicArn></member></Topics></ListTopicsResult><ResponseMetadata><RequestId>ecscheck-test</RequestId></ResponseMetadata></ListTopicsResponse>`))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
