package wire

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestParseOutputClean(t *testing.T) {
	out := FormatResult("N", "a", StatusOK, 12*time.Millisecond, "10.0.0.5 10.0.0.6") + "\n" +
		FormatResult("N", "b", StatusRefused, 3*time.Millisecond, "") + "\n" +
		FormatExit("N", 0) + "\n"
	lines, exit, err := ParseOutput("N", out)
	if err != nil || !exit {
		t.Fatalf("err=%v exit=%v", err, exit)
	}
	if l := lines["a"]; l.Status != StatusOK || l.Detail != "10.0.0.5 10.0.0.6" || l.Elapsed != 12*time.Millisecond {
		t.Errorf("a = %+v", l)
	}
	if l := lines["b"]; l.Status != StatusRefused || l.Detail != "" {
		t.Errorf("b = %+v", l)
	}
}

func TestParseOutputTolerance(t *testing.T) {
	a := FormatResult("N", "a", StatusOK, time.Millisecond, "200 127.0.0.1")
	b := FormatResult("N", "b", StatusCurl, time.Millisecond, "7 Failed to connect")
	c := FormatResult("N", "c", StatusTimeout, 2000*time.Millisecond, "")
	other := FormatResult("OTHER", "z", StatusOK, time.Millisecond, "x")
	bf := strings.Fields(b)
	out := "\x1b]0;title\x07\x1b[?2004hsh-5.2$ \r\n" +
		"noise before " + a + "\x1b[0m\r\n" + // escapes and a prefix
		other + "\r\n" + // another request's line
		strings.Join(bf[:4], " ") + "\r\n" + strings.Join(bf[4:], " ") + "\r\n" + // broken after the marker
		"[1]+  Done  " + c + "ECSCHECK1 N d BOGUS 1 -\r" + // two on one line, one malformed, bare CR
		FormatExit("N", 0) + "\r\n"
	lines, exit, err := ParseOutput("N", out)
	if !exit {
		t.Error("exit line not seen")
	}
	if err == nil || !strings.Contains(err.Error(), "BOGUS") {
		t.Errorf("malformed line not reported: %v", err)
	}
	if len(lines) != 3 || lines["a"].Detail != "200 127.0.0.1" || lines["b"].Detail != "7 Failed to connect" ||
		lines["c"].Status != StatusTimeout || lines["c"].Elapsed != 2*time.Second {
		t.Errorf("lines = %+v", lines)
	}
}

func TestParseOutputNoExit(t *testing.T) {
	lines, exit, err := ParseOutput("N", FormatResult("N", "a", StatusOK, 0, "x")+"\r\n"+FormatExit("M", 0))
	if exit || err != nil || len(lines) != 1 {
		t.Errorf("lines=%v exit=%v err=%v", lines, exit, err)
	}
}

func TestParseOutputDetailWithGluedNoise(t *testing.T) {
	out := FormatResult("N", "a", StatusError, 0, "An error occurred (AccessDenied)") + "[K\n"
	lines, _, err := ParseOutput("N", out)
	if err != nil || lines["a"].Detail != "An error occurred (AccessDenied)" {
		t.Errorf("lines=%v err=%v", lines, err)
	}
}

func TestClean(t *testing.T) {
	if got := Clean("a\x1b[1;31mb\x1b[0m\r\nc\rd\x1b]0;t\x1b\\e\x00"); got != "ab\nc\nde" {
		t.Errorf("Clean = %q", got)
	}
}

// A detail whose base64 happens to spell a marker word is not cut there.
func TestParseOutputDetailContainingMarkerWord(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString("ECSCHECK")
	for _, d := range []string{string(raw), "xyz" + string(raw)} {
		out := FormatResult("N", "a", StatusError, 0, d) + "\n"
		if !strings.Contains(out, "ECSCHECK") {
			t.Fatalf("the test detail's base64 does not spell the marker: %q", out)
		}
		if lines, _, err := ParseOutput("N", out); err != nil || lines["a"].Detail != d {
			t.Errorf("%q: %v %v", out, lines, err)
		}
	}
}
