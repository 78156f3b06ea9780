package fakeagent

// toPTY renders command output as a terminal delivers it: the pty's line discipline
// (onlcr) turns every LF into CR LF, even one already preceded by CR.
func toPTY(out []byte) []byte {
	res := make([]byte, 0, len(out)+len(out)/16)
	for _, b := range out {
		if b == '\n' {
			res = append(res, '\r')
		}
		res = append(res, b)
	}
	return res
}

// chunks splits b into pieces of at most n bytes, as the agent reads the pty.
func chunks(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	if len(b) > 0 {
		out = append(out, b)
	}
	return out
}
