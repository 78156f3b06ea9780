package script_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecscheck/ecscheck/internal/probe/script/scripttest"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

func logLines(t *testing.T, lines map[string]wire.Line) {
	for id, l := range lines {
		t.Logf("%s: %s %v %q", id, l.Status, l.Elapsed, l.Detail)
	}
}

func TestScriptNetworkTargets(t *testing.T) {
	open, closed, blackhole := scripttest.OpenPort(t), scripttest.ClosedPort(t), scripttest.FullBacklog(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(200)
		case "/gone":
			w.WriteHeader(404)
		default:
			w.WriteHeader(503)
		}
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	req := wire.Request{Nonce: "n1", Timeout: time.Second, Region: "ap-northeast-1", Targets: []wire.Target{
		wire.TCP("tcp-open", "127.0.0.1", open),
		wire.TCP("tcp-hosts-name", "localhost", open),
		wire.TCP("tcp-refused", "127.0.0.1", closed),
		wire.TCP("tcp-timeout", "127.0.0.1", blackhole),
		wire.DNS("dns-hosts-name", "localhost"),
		wire.DNS("dns-ip-literal", "127.0.0.1"),
		wire.HTTP("http-200", srv.URL+"/ok"),
		wire.HTTP("http-404", fmt.Sprintf("http://localhost:%d/gone", port)),
		wire.HTTP("http-503", srv.URL+"/down"),
		wire.HTTP("http-refused", fmt.Sprintf("http://127.0.0.1:%d/", closed)),
		wire.HTTP("http-timeout", fmt.Sprintf("http://127.0.0.1:%d/", blackhole)),
		wire.HTTP("http-timeout-by-name", fmt.Sprintf("http://localhost:%d/path?q=1#f", blackhole)),
		wire.HTTP("http-globs-stay-literal", srv.URL+"/ok{a,b}[1-3]"),
	}}
	lines := scripttest.Run(t, req)
	logLines(t, lines)

	want := map[string]struct{ status, detail string }{
		"tcp-open":       {wire.StatusOK, "127.0.0.1"},
		"tcp-hosts-name": {wire.StatusOK, "127.0.0.1"},
		"tcp-refused":    {wire.StatusRefused, "127.0.0.1"},
		"tcp-timeout":    {wire.StatusTimeout, "127.0.0.1"},
		"dns-hosts-name": {wire.StatusOK, "127.0.0.1"},
		"dns-ip-literal": {wire.StatusOK, "127.0.0.1"},
		"http-200":       {wire.StatusOK, "200 127.0.0.1"},
		"http-404":       {wire.StatusOK, "404 127.0.0.1"},
		"http-503":       {wire.StatusOK, "503 127.0.0.1"},
		"http-refused":   {wire.StatusCurl, "7 Failed to connect"},
		// A timeout names the addresses the host resolved to, for diagnosis.
		"http-timeout":            {wire.StatusTimeout, "127.0.0.1"},
		"http-timeout-by-name":    {wire.StatusTimeout, "127.0.0.1"},
		"http-globs-stay-literal": {wire.StatusOK, "503 127.0.0.1"},
	}
	for id, w := range want {
		l, ok := lines[id]
		if !ok {
			t.Errorf("%s: no result", id)
			continue
		}
		// localhost may also resolve to ::1; the address used comes first.
		if l.Status != w.status || !strings.HasPrefix(l.Detail, w.detail) {
			t.Errorf("%s = %s %q, want %s %q...", id, l.Status, l.Detail, w.status, w.detail)
		}
	}
	if l := lines["tcp-timeout"]; l.Elapsed < 900*time.Millisecond {
		t.Errorf("tcp-timeout took %v, less than its 1s timeout", l.Elapsed)
	}
}

func TestScriptUnresolvableNames(t *testing.T) {
	scripttest.RequireIsolatedDNS(t)
	req := wire.Request{Nonce: "n2", Timeout: 2 * time.Second, Targets: []wire.Target{
		wire.DNS("dns", "nothing-here.invalid"),
		wire.TCP("tcp", "nothing-here.invalid", 443),
		wire.HTTP("http", "http://nothing-here.invalid/"),
	}}
	lines := scripttest.Run(t, req)
	logLines(t, lines)
	if l := lines["dns"]; l.Status != wire.StatusUnresolved {
		t.Errorf("dns = %+v", l)
	}
	if l := lines["tcp"]; l.Status != wire.StatusUnresolved {
		t.Errorf("tcp = %+v", l)
	}
	if l := lines["http"]; l.Status != wire.StatusCurl || !strings.HasPrefix(l.Detail, "6 Could not resolve host") {
		t.Errorf("http = %+v, want CURL 6", l)
	}
}

func TestScriptRejectsMalformedRequests(t *testing.T) {
	for name, arg := range map[string]string{
		"not base64":  "%%%",
		"no header":   b64("hello\n"),
		"bad timeout": b64("ECSCHECK1\tn\tabc\tr\n"),
		"bad nonce":   b64("ECSCHECK1\t$(id)\t1\tr\n"),
	} {
		t.Run(name, func(t *testing.T) {
			out, code := runRaw(t, arg)
			if code == 0 {
				t.Errorf("exit code 0 for %q; output:\n%s", arg, out)
			}
			if !strings.Contains(out, "ecscheck-probe: ") {
				t.Errorf("no error message:\n%s", out)
			}
		})
	}
}
