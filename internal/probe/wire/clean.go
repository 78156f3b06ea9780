package wire

import "strings"

// Clean removes what a pty and terminal-aware programs add to output: ANSI
// escape sequences, carriage returns (CRLF and bare CR become LF) and other
// control characters except tab and newline.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b:
			i = skipEscape(s, i)
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case c == '\n' || c == '\t' || c >= 0x20 && c != 0x7f:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipEscape returns the index of the last byte of the escape sequence that
// starts at s[i] (an ESC). A sequence cut short by a line end ends before it,
// so a stray ESC in another program's output never swallows the start of
// the next line, where a result may begin.
func skipEscape(s string, i int) int {
	if i+1 >= len(s) || isLineEnd(s[i+1]) {
		return i
	}
	switch s[i+1] {
	case '[': // CSI: parameters and intermediates, then one final byte 0x40-0x7e.
		j := i + 2
		for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
			if isLineEnd(s[j]) {
				return j - 1
			}
			j++
		}
		return j
	case ']': // OSC: up to BEL or ESC \.
		for j := i + 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 1
			}
			if isLineEnd(s[j]) {
				return j - 1
			}
		}
		return len(s) - 1
	default: // Two-byte sequence such as ESC = or ESC >.
		return i + 1
	}
}

func isLineEnd(c byte) bool { return c == '\n' || c == '\r' }
