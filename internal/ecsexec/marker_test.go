package ecsexec

import (
	"os/exec"
	"regexp"
	"testing"
)

func TestNewNonce(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9]{16}$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := NewNonce()
		if !re.MatchString(n) {
			t.Fatalf("nonce %q", n)
		}
		if seen[n] {
			t.Fatalf("repeated nonce %q", n)
		}
		seen[n] = true
	}
}

// The suffix, run by a real POSIX sh, reports the command's status.
func TestExitMarkerSuffixWithRealShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	nonce := NewNonce()
	for _, c := range []struct {
		cmd  string
		code int
		out  string
	}{
		{"echo hello", 0, "hello\n"},
		{"echo out; echo err >&2; (exit 7)", 7, "out\nerr\n"},
		{"printf 'no newline'", 0, "no newline"},
		{"false", 1, ""},
	} {
		raw, _ := exec.Command(sh, "-c", c.cmd+ExitMarkerSuffix(nonce)).CombinedOutput()
		out, code, ok := cutExitMarker(Normalize(raw), nonce)
		if !ok || code != c.code || out != c.out {
			t.Errorf("%q: got (%q, %d, %v), want (%q, %d)", c.cmd, out, code, ok, c.out, c.code)
		}
	}
}

func TestCutExitMarker(t *testing.T) {
	const n = "abcdefghij012345"
	cases := []struct {
		in   string
		out  string
		code int
		ok   bool
	}{
		{"x\nECSCHECK-EXIT " + n + " 3\n", "x\n", 3, true},
		{"x\nECSCHECK-EXIT " + n + " 3", "x\n", 3, true},
		{"x\nECSCHECK-EXIT " + n + " 3  \ntrailing\n", "x\ntrailing\n", 3, true},
		{"partial lineECSCHECK-EXIT " + n + " 0\n", "partial line", 0, true},
		{"ECSCHECK-EXIT zzzzzzzzzzzzzzzz 0\n", "ECSCHECK-EXIT zzzzzzzzzzzzzzzz 0\n", -1, false}, // another run's nonce
		{"ECSCHECK-EXIT " + n + " 1\nECSCHECK-EXIT " + n + " 2\n", "ECSCHECK-EXIT " + n + " 1\n", 2, true},
		{"ECSCHECK-EXIT " + n + " 5\nECSCHECK-EXIT " + n + " x\n", "ECSCHECK-EXIT " + n + " x\n", 5, true},
		{"printf 'ECSCHECK-EXIT %s %d\\n' " + n + " \"$?\"\n", "printf 'ECSCHECK-EXIT %s %d\\n' " + n + " \"$?\"\n", -1, false},
		{"", "", -1, false},
	}
	for _, c := range cases {
		out, code, ok := cutExitMarker(c.in, n)
		if out != c.out || code != c.code || ok != c.ok {
			t.Errorf("cutExitMarker(%q) = (%q, %d, %v), want (%q, %d, %v)", c.in, out, code, ok, c.out, c.code, c.ok)
		}
	}
}

func TestExitMarkerSuffixRefusesUnsafeNonce(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a nonce with shell metacharacters")
		}
	}()
	ExitMarkerSuffix("abc; rm -rf /   ")
}
