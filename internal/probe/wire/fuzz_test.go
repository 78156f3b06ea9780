package wire

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A probe image, a service's container or the pty can print anything around
// the script's lines. Whatever they print, the parser must not fail, must
// only return well-formed lines, and must still find a result and the exit
// line written on lines of their own with a nonce the noise does not hold.
func FuzzParseOutput(f *testing.F) {
	f.Add("", "10.0.0.5 10.0.0.6", "")
	f.Add("\x1b]0;title\x07\x1b[?2004hsh-5.2$ ", "An error occurred (AccessDenied)", "\x1b[0m")
	f.Add("ECSCHECK1 N a OK 1 -\r", "", "ECSCHECK-EXIT N 0")
	f.Add("noise \x1b[", "x", "\x1b]unterminated")
	f.Add("ECSCHECK1 ", "\n\t\x00\xff", "ECSCHECK-EXIT ")
	f.Fuzz(func(t *testing.T, before, detail, after string) {
		sum := sha256.Sum256([]byte(before + "\x00" + detail + "\x00" + after))
		nonce := "n" + hex.EncodeToString(sum[:6])

		// The noise alone, read as if it held results: whatever comes back
		// is well formed.
		lines, _, _ := ParseOutput("N", before+detail+after)
		for id, l := range lines {
			if id != l.ID || id == "" || strings.ContainsAny(id, " \t\r\n") || !knownStatus[l.Status] || l.Elapsed < 0 {
				t.Fatalf("malformed line %+v", l)
			}
		}

		out := before + "\n" + FormatResult(nonce, "t0", StatusError, 7*time.Millisecond, detail) + "\n" +
			FormatExit(nonce, 0) + "\n" + after
		lines, exit, _ := ParseOutput(nonce, out)
		l, ok := lines["t0"]
		if !ok || !exit || l.Status != StatusError || l.Elapsed != 7*time.Millisecond || l.Detail != detail {
			t.Fatalf("lost the result: %+v (found %v, exit %v) in %q", l, ok, exit, out)
		}
	})
}

// What the controller encodes, the script's twin in Go decodes to the same
// request; what it refuses to encode it refuses with an error, not a panic.
func FuzzRequestRoundTrip(f *testing.F) {
	f.Add("n0nce", "ap-northeast-1", "sns.ap-northeast-1.amazonaws.com", "$(touch /tmp/x)", uint16(443),
		"http://127.0.0.1:8080/health?x=1&y='2'", "sns", "list-topics", `{"NextToken":"--endpoint-url=x"}`, int64(1500))
	f.Add("n", "", "a\tb", "h", uint16(0), "u", "--debug", "publish", "file:///etc/passwd", int64(0))
	f.Add("n n", "--debug", "x", "y", uint16(70), "z", "s3api", "head-bucket", `{"Bucket":"b\n"}`, int64(-5))
	f.Fuzz(func(t *testing.T, nonce, region, name, host string, port uint16, url, service, command, input string, ms int64) {
		in := Request{Nonce: nonce, Region: region, Timeout: time.Duration(ms) * time.Millisecond, Targets: []Target{
			DNS("d", name), TCP("t", host, int(port)), HTTP("h", url), AWSInput("a", service, command, []byte(input)),
		}}
		b64, err := EncodeRequest(in)
		if err != nil {
			return
		}
		out, err := DecodeRequest(b64)
		if err != nil {
			t.Fatalf("encoded %+v but cannot decode it: %v", in, err)
		}
		want := in
		want.Timeout = time.Duration(timeoutSeconds(in.Timeout)) * time.Second
		if !reflect.DeepEqual(out, want) {
			t.Fatalf("round trip changed the request:\n got %+v\nwant %+v", out, want)
		}
		doc, err := out.Targets[3].AWSInput()
		if err != nil || string(doc) != input || doc[0] != '{' {
			t.Fatalf("aws input %q, %v; want %q", doc, err, input)
		}
	})
}

// Any exec argument: decoding never panics, and a request that decodes
// encodes back to one that decodes the same.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString([]byte("ECSCHECK1\tn\t5\tap-northeast-1\na\taws\tsns\tlist-topics\te30=\n")))
	f.Add(base64.StdEncoding.EncodeToString([]byte("ECSCHECK1\tn\t5\t\na\ttcp\th\t443\nb\tdns\tx\nc\thttp\thttp://x/\n")))
	f.Add(base64.StdEncoding.EncodeToString([]byte("ECSCHECK1\tn\t5\t\na\taws\t--debug\tlist-topics\te30=\n")))
	f.Add("not base64")
	f.Fuzz(func(t *testing.T, b64 string) {
		r, err := DecodeRequest(b64)
		if err != nil {
			return
		}
		again, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", r, err)
		}
		r2, err := DecodeRequest(again)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("re-encoding changed the request: %+v -> %+v (%v)", r, r2, err)
		}
		for _, tg := range r.Targets {
			if tg.Kind != KindAWS {
				continue
			}
			if strings.HasPrefix(tg.Fields[0], "-") || strings.HasPrefix(tg.Fields[1], "-") {
				t.Fatalf("an option passed as a service or command: %q", tg.Fields)
			}
			if doc, err := tg.AWSInput(); err != nil || doc[0] != '{' {
				t.Fatalf("aws input %q, %v", doc, err)
			}
		}
	})
}
