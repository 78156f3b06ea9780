package wire

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRequestRoundTrip(t *testing.T) {
	in := Request{Nonce: "n0nce", Timeout: 1500 * time.Millisecond, Region: "ap-northeast-1", Targets: []Target{
		DNS("a", "sns.ap-northeast-1.amazonaws.com"),
		TCP("b", "$(touch /tmp/x)", 443),
		HTTP("c", "http://127.0.0.1:8080/health?x=1&y='2'"),
		AWSInput("d", "sns", "get-topic-attributes", []byte(`{"TopicArn":"arn:aws:sns:ap-northeast-1:123456789012:t\t--debug\n"}`)),
		AWS("e", "sns", "list-topics"),
	}}
	b64, err := EncodeRequest(in)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(b64)
	if !strings.HasPrefix(string(raw), "ECSCHECK1\tn0nce\t2\tap-northeast-1\n") {
		t.Errorf("header: %q", raw)
	}
	out, err := DecodeRequest(b64)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Timeout = 2 * time.Second // whole seconds, rounded up
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got %+v\nwant %+v", out, want)
	}
}

func TestEncodeRejectsFramingCharacters(t *testing.T) {
	bad := []Target{
		DNS("a", "x\ty"), DNS("a", "x\ny"), DNS("a", "x\x00y"), DNS("a", "x\ry"),
		DNS("a b", "x"), DNS("", "x"), TCP("a", "h", 0), TCP("a", "h", 70000),
		{ID: "a", Kind: "exec", Fields: []string{"x"}},
		AWS("a", "sns", "publish"), AWS("a", "sns", "delete-topic"), AWS("a", "--debug", "list-topics"),
		AWS("a", "sns", "list-topics --debug"), AWS("a", "sns", "--endpoint"), AWS("a", "sns", "list-"),
		AWSInput("a", "sns", "list-topics", []byte("file:///etc/passwd")),
		AWSInput("a", "sns", "list-topics", []byte(`["x"]`)),
		AWSInput("a", "sns", "list-topics", []byte(`{"x":1`)),
		AWSInput("a", "sns", "list-topics", []byte(`{} --debug`)),
		{ID: "a", Kind: KindAWS, Fields: []string{"sns", "list-topics", "--debug"}},
		{ID: "a", Kind: KindAWS, Fields: []string{"sns", "list-topics", "e30=", "--debug", "x"}},
	}
	for _, tg := range bad {
		if _, err := EncodeRequest(Request{Nonce: "n", Timeout: time.Second, Targets: []Target{tg}}); err == nil {
			t.Errorf("accepted %+v", tg)
		}
	}
	if _, err := EncodeRequest(Request{Nonce: "n", Timeout: time.Second, Targets: []Target{DNS("a", "x"), DNS("a", "y")}}); err == nil {
		t.Error("accepted duplicate ids")
	}
	if _, err := EncodeRequest(Request{Nonce: "n n", Timeout: time.Second}); err == nil {
		t.Error("accepted nonce with a space")
	}
	if _, err := EncodeRequest(Request{Nonce: "n", Timeout: time.Second, Region: "--debug"}); err == nil {
		t.Error("accepted an option as the region")
	}
}

func TestCommandRoundTrip(t *testing.T) {
	b64, _ := EncodeRequest(Request{Nonce: "n", Timeout: time.Second, Targets: []Target{DNS("a", "x")}})
	if got := ExecCommand(b64); got != "/bin/sh /tmp/ecscheck-probe.sh "+b64 {
		t.Errorf("ExecCommand = %q", got)
	}
	for _, cmd := range []string{ExecCommand(b64), InlineExecCommand([]byte("#!/bin/bash\necho hi\n"), b64)} {
		if got, ok := RequestFromCommand(cmd); !ok || got != b64 {
			t.Errorf("RequestFromCommand(%q) = %q, %v", cmd, got, ok)
		}
	}
	script, ok := ScriptFromCommand(InlineExecCommand([]byte("#!/bin/bash\necho hi\n"), b64))
	if !ok || string(script) != "#!/bin/bash\necho hi\n" {
		t.Errorf("ScriptFromCommand = %q, %v", script, ok)
	}
}
