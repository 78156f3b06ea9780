package ecsexec

import "testing"

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\r\r\nb", "a\nb"}, // a pty's onlcr applied to output that already had CR LF
		{"50%\r100%\r\n", "50%\n100%\n"},
		{"\x1b[1;31mred\x1b[0m plain", "red plain"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"\x1b[?2004hprompt\x1b[?2004l", "prompt"},
		{"\x1b(Bascii\x1b=\x1b>", "ascii"},
		{"bell\x07 bs\x08 del\x7f tab\tok", "bell bs del tab\tok"},
		{"utf-8 ✓ ünïcode", "utf-8 ✓ ünïcode"},
		{"trailing \x1b[", "trailing "},
		{"trailing \x1b", "trailing "},
		{"unterminated \x1b]title", "unterminated "},
	}
	for _, c := range cases {
		if got := Normalize([]byte(c.in)); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
