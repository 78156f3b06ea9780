package fakeaws

// The Go admin API beyond Update, State, SetFault, ClearFaults, Calls and
// ResetCalls (faults.go).

// AddTaskFault appends a task fault (e.g. the next N probe tasks stop with
// CannotPullContainerError).
func (s *Server) AddTaskFault(f TaskFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.used = 0
	s.state.TaskFaults = append(s.state.TaskFaults, &f)
}

// AddExecFault appends an exec session fault.
func (s *Server) AddExecFault(f ExecFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.used = 0
	s.state.ExecFaults = append(s.state.ExecFaults, &f)
}

// StopTask stops a task (by ID or ARN, in any account) as if it had
// crashed or been stopped by ECS; defaults are EssentialContainerExited and
// "Essential container in task exited". It reports whether the task exists.
func (s *Server) StopTask(idOrARN, stopCode, reason string, exitCode *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := idOrARN[lastSlash(idOrARN)+1:]
	for _, a := range s.state.Accounts {
		for _, t := range a.Tasks {
			if t.ID != id {
				continue
			}
			if stopCode == "" {
				stopCode = "EssentialContainerExited"
			}
			if reason == "" {
				reason = "Essential container in task exited"
			}
			s.requestStop(t, stopCode, reason, exitCode)
			return true
		}
	}
	return false
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// Replace swaps the whole world for a new scenario: shell processes of the
// old tasks are killed, issued credentials stay valid.
func (s *Server) Replace(sc *Scenario) error {
	st := sc.clone()
	if err := st.normalize(); err != nil {
		return err
	}
	s.mu.Lock()
	procs := s.procs
	s.procs = map[*Task]*shellProc{}
	s.state = st
	s.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}
	return nil
}
