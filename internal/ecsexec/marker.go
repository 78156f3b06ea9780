package ecsexec

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
)

// ECS Exec reports no exit status, so the command prints one in a marker line that
// carries a random nonce; output the command prints itself cannot forge it.
const (
	exitMarkerPrefix = "ECSCHECK-EXIT "
	nonceLen         = 16
	nonceAlphabet    = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// NewNonce returns a random [a-z0-9]{16} nonce for one Run.
func NewNonce() string {
	var out [nonceLen]byte
	var buf [nonceLen * 2]byte
	for n := 0; n < nonceLen; {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			// 252 = 7*36: rejecting the rest keeps every character equally likely.
			if b < 252 && n < nonceLen {
				out[n] = nonceAlphabet[b%36]
				n++
			}
		}
	}
	return string(out[:])
}

// ExitMarkerSuffix is the POSIX sh fragment a caller appends to the command it runs
// under `sh -c`, so that the command's status ends the output as a marker line.
func ExitMarkerSuffix(nonce string) string {
	if !validNonce(nonce) {
		// The nonce ends up in a shell command; refuse anything but the alphabet.
		panic(fmt.Sprintf("ecsexec: invalid nonce %q", nonce))
	}
	return `; printf 'ECSCHECK-EXIT %s %d\n' ` + nonce + ` "$?"`
}

func validNonce(nonce string) bool {
	if len(nonce) != nonceLen {
		return false
	}
	for i := 0; i < len(nonce); i++ {
		if !strings.ContainsRune(nonceAlphabet, rune(nonce[i])) {
			return false
		}
	}
	return true
}

// cutExitMarker finds the last well-formed marker line for nonce in normalised output
// and returns the output without it. Text before the marker on the same line (output
// that did not end in a newline) is kept.
func cutExitMarker(out, nonce string) (rest string, code int, found bool) {
	prefix := exitMarkerPrefix + nonce + " "
	search := out
	for {
		i := strings.LastIndex(search, prefix)
		if i < 0 {
			return out, -1, false
		}
		tail := out[i+len(prefix):]
		line, after, hasNL := strings.Cut(tail, "\n")
		if c, err := strconv.Atoi(strings.TrimRight(line, " \t")); err == nil {
			if hasNL {
				return out[:i] + after, c, true
			}
			return out[:i], c, true
		}
		search = out[:i]
	}
}
