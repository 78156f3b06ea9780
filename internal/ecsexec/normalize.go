package ecsexec

// Normalize turns terminal output into plain text: output comes through a pty, so
// lines end in CRLF and programs may emit colour and cursor sequences. CR LF (and runs
// of CR before LF) become LF, a lone CR becomes LF, escape sequences (CSI, OSC, DCS and
// two-byte ESC sequences) and other control characters except tab are removed.
func Normalize(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\r':
			j := i
			for j < len(b) && b[j] == '\r' {
				j++
			}
			out = append(out, '\n')
			if j < len(b) && b[j] == '\n' {
				j++
			}
			i = j - 1
		case c == 0x1b:
			i = skipEscape(b, i) - 1
		case c == '\n' || c == '\t':
			out = append(out, c)
		case c < 0x20 || c == 0x7f:
			// BEL, backspace, shift in/out...: meaningless once off the terminal.
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// skipEscape returns the index just past the escape sequence starting at b[i] (ESC).
// An unterminated sequence runs to the end of the output.
func skipEscape(b []byte, i int) int {
	if i+1 >= len(b) {
		return len(b)
	}
	switch b[i+1] {
	case '[': // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E
		j := i + 2
		for j < len(b) && b[j] >= 0x20 && b[j] <= 0x3f {
			j++
		}
		if j < len(b) && b[j] >= 0x40 && b[j] <= 0x7e {
			return j + 1
		}
		return j
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ESC \
		for j := i + 2; j < len(b); j++ {
			if b[j] == 0x07 {
				return j + 1
			}
			if b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\' {
				return j + 2
			}
		}
		return len(b)
	case '(', ')', '*', '+', '-', '.', '/', '#', '%': // charset designation and friends
		return min(i+3, len(b))
	}
	return i + 2 // two-byte sequence such as ESC 7, ESC =, ESC M
}
