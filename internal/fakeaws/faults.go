package fakeaws

import "strings"

// Fault kinds.
const (
	FaultThrottle       = "Throttle"
	FaultServerError    = "ServerError"
	FaultError          = "Error"
	FaultRunTaskFailure = "RunTaskFailure"
)

// SetFault installs f for op, which is "service:Operation" (ecs:RunTask),
// a bare operation name (RunTask, any service), "service:*" or "*".
// A nil fault removes it.
func (s *Server) SetFault(op string, f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Faults == nil {
		s.state.Faults = map[string]*Fault{}
	}
	if f == nil {
		delete(s.state.Faults, op)
		return
	}
	c := *f
	c.used = 0
	s.state.Faults[op] = &c
}

// ClearFaults removes every operation fault, task fault and exec fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Faults = nil
	s.state.TaskFaults = nil
	s.state.ExecFaults = nil
}

// takeFault picks the fault that applies to this call, if any, and counts
// it against its Times. Called with s.mu held.
func (s *Server) takeFault(service, op string) *Fault {
	for _, k := range []string{service + ":" + op, op, service + ":*", "*"} {
		f := s.state.Faults[k]
		if f == nil {
			continue
		}
		if f.Kind == FaultRunTaskFailure && (service != "ecs" || op != "RunTask") {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		if f.Rate > 0 && s.rng.Float64() >= f.Rate {
			return nil
		}
		f.used++
		c := *f
		return &c
	}
	return nil
}

// apiError is the error the fault answers with, or nil when the fault only
// delays the call or changes RunTask's answer.
func (f *Fault) apiError(service string) *apiError {
	var e *apiError
	switch strings.ToLower(f.Kind) {
	case "throttle":
		e = throttleError(service)
	case "servererror":
		e = serverError(service)
	case "error":
		e = errf(400, "InternalFailure", "injected fault")
	default:
		return nil
	}
	if f.Code != "" {
		e.Code = f.Code
	}
	if f.Message != "" {
		e.Message = f.Message
	}
	if f.Status != 0 {
		e.Status = f.Status
	}
	return e
}

// Calls returns how many requests each operation received ("ecs:RunTask"),
// faulted and denied ones included.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes the counters.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.callers = callerLog{}
}

// Update runs fn on the live state under the server's lock. fn may change
// anything (add resources, outcomes, faults); it must not keep the pointer.
func (s *Server) Update(fn func(*Scenario)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.state)
	return s.state.normalize()
}

// State is a snapshot (deep copy) of the live state.
func (s *Server) State() *Scenario {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	return s.state.clone()
}
