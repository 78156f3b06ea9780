package wire

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Line is one parsed result line.
type Line struct {
	ID      string
	Status  string
	Elapsed time.Duration
	Detail  string
}

// FormatResult renders one result line, without the trailing newline.
func FormatResult(nonce, id, status string, elapsed time.Duration, detail string) string {
	d := emptyDetail
	if detail != "" {
		d = base64.StdEncoding.EncodeToString([]byte(detail))
	}
	return fmt.Sprintf("%s %s %s %s %d %s", Magic, nonce, id, status, elapsed.Milliseconds(), d)
}

// FormatExit renders the closing line, without the trailing newline.
func FormatExit(nonce string, code int) string {
	return fmt.Sprintf("%s %s %d", ExitMarker, nonce, code)
}

// ParseOutput extracts the result lines carrying nonce from the output of an
// exec session, and whether the exit line was seen. It tolerates what a pty and
// the other programs in the task add: CRLF, ANSI escapes, noise before or
// after a result on the same line, a result line broken after its marker, and
// lines of other requests. Malformed result lines are reported in the error
// while the well-formed ones are still returned, so one damaged line costs one
// target, not the run.
func ParseOutput(nonce, output string) (map[string]Line, bool, error) {
	text := Clean(output)
	resultMarker := Magic + " " + nonce + " "
	exitMarker := ExitMarker + " " + nonce + " "
	lines := map[string]Line{}
	exitSeen := false
	var errs []error
	for i := 0; i < len(text); {
		r := strings.Index(text[i:], resultMarker)
		x := strings.Index(text[i:], exitMarker)
		switch {
		case r < 0 && x < 0:
			return lines, exitSeen, errors.Join(errs...)
		case x >= 0 && (r < 0 || x < r):
			i += x + len(exitMarker)
			if toks := tokensAfter(text[i:], 1); len(toks) == 1 {
				if _, err := strconv.Atoi(toks[0]); err == nil {
					exitSeen = true
				}
			}
		default:
			i += r + len(resultMarker)
			l, err := parseResult(tokensAfter(text[i:], 4))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if prev, dup := lines[l.ID]; dup {
				if prev != l {
					errs = append(errs, fmt.Errorf("conflicting results for target %s", l.ID))
				}
				continue
			}
			lines[l.ID] = l
		}
	}
	return lines, exitSeen, errors.Join(errs...)
}

// tokensAfter returns up to n whitespace-separated tokens from s, taking them
// from following lines when the first is short (a broken line), and stopping
// at the next marker so a damaged line never swallows the next result.
func tokensAfter(s string, n int) []string {
	// Markers end in a space, which base64 never holds, so a detail cannot
	// be mistaken for the next line.
	for _, marker := range []string{Magic + " ", ExitMarker + " "} {
		if k := strings.Index(s, marker); k >= 0 {
			s = s[:k]
		}
	}
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return f
}

func parseResult(t []string) (Line, error) {
	if len(t) < 4 {
		return Line{}, fmt.Errorf("truncated result line %q", strings.Join(t, " "))
	}
	id, status := t[0], t[1]
	if !knownStatus[status] {
		return Line{}, fmt.Errorf("target %s: unknown status %q", id, status)
	}
	ms, err := strconv.ParseInt(t[2], 10, 64)
	if err != nil || ms < 0 {
		return Line{}, fmt.Errorf("target %s: bad elapsed %q", id, t[2])
	}
	detail, err := decodeDetail(t[3])
	if err != nil {
		return Line{}, fmt.Errorf("target %s: %w", id, err)
	}
	return Line{ID: id, Status: status, Elapsed: time.Duration(ms) * time.Millisecond, Detail: detail}, nil
}

// decodeDetail decodes the longest base64 prefix of tok, so noise glued to
// the end of a line does not cost the result.
func decodeDetail(tok string) (string, error) {
	if tok == emptyDetail || strings.HasPrefix(tok, emptyDetail) {
		return "", nil
	}
	end := 0
	for end < len(tok) && isB64(tok[end]) {
		end++
	}
	for pad := 0; pad < 2 && end < len(tok) && tok[end] == '='; pad++ {
		end++
	}
	b, err := base64.StdEncoding.DecodeString(tok[:end])
	if err != nil {
		return "", fmt.Errorf("bad detail %q: %w", tok, err)
	}
	return string(b), nil
}

func isB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
