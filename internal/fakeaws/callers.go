package fakeaws

// callerLog counts requests by the role (or user) that signed them, so
// tests can prove whose credentials each operation used.
type callerLog map[string]map[string]int

func (l callerLog) add(who *principal, op string) {
	key := "unknown"
	if who != nil {
		key = who.ARN
		if who.RoleARN != "" {
			key = who.RoleARN
		}
	}
	if l[key] == nil {
		l[key] = map[string]int{}
	}
	l[key][op]++
}

// IssuedSecrets lists every secret the fake handed out: the secret keys
// and session tokens of role sessions and the ECS Exec session tokens.
// Tests grep logs, events and status for them.
func (s *Server) IssuedSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// CallsBy returns, per caller (the role of a role session, else the
// principal's ARN), how many requests each operation received from it.
func (s *Server) CallsBy() map[string]map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]int, len(s.callers))
	for who, ops := range s.callers {
		out[who] = make(map[string]int, len(ops))
		for op, n := range ops {
			out[who][op] = n
		}
	}
	return out
}
