package fakeaws

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"sigs.k8s.io/yaml"
)

// The HTTP mirror of the Go admin API, for the sandbox and for tests in
// other processes. Bodies are YAML or JSON; answers are JSON.
//
//	GET    /_admin/state              the live state (?format=yaml for YAML)
//	PUT    /_admin/state              replace the world with a scenario
//	POST   /_admin/outcomes           append outcomes (a list); ?replace=true replaces them
//	PUT    /_admin/faults/<op>        set the fault of an operation (ecs:RunTask, RunTask, ecs:*, *)
//	DELETE /_admin/faults/<op>        remove it; DELETE /_admin/faults removes all faults
//	POST   /_admin/taskfaults         add a TaskFault
//	POST   /_admin/execfaults         add an ExecFault
//	GET    /_admin/calls              calls per operation; DELETE resets them
//	POST   /_admin/tasks/<id>/stop    stop a task as if it crashed: {stopCode, stoppedReason, exitCode}
//	GET    /_admin/sessions           the exec agent's per-session counters
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_admin/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	decode := func(v any) bool {
		if err := yaml.UnmarshalStrict(body, v); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return false
		}
		return true
	}
	switch {
	case path == "state" && r.Method == http.MethodGet:
		st := s.State()
		if r.URL.Query().Get("format") == "yaml" {
			b, _ := yaml.Marshal(st)
			w.Header().Set("Content-Type", "application/yaml")
			w.Write(b) //nolint:errcheck
			return
		}
		adminJSON(w, st)
	case path == "state" && r.Method == http.MethodPut:
		sc, err := ParseScenario(body)
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := s.Replace(sc); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, map[string]string{"status": "replaced"})
	case path == "outcomes" && r.Method == http.MethodPost:
		var os []*Outcome
		if !decode(&os) {
			return
		}
		err := s.Update(func(st *Scenario) {
			if r.URL.Query().Get("replace") == "true" {
				st.Outcomes = nil
			}
			st.Outcomes = append(st.Outcomes, os...)
		})
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, map[string]int{"outcomes": len(s.State().Outcomes)})
	case path == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		adminJSON(w, map[string]string{"status": "cleared"})
	case strings.HasPrefix(path, "faults/"):
		op := strings.TrimPrefix(path, "faults/")
		switch r.Method {
		case http.MethodPut, http.MethodPost:
			var f Fault
			if !decode(&f) {
				return
			}
			s.SetFault(op, &f)
		case http.MethodDelete:
			s.SetFault(op, nil)
		default:
			adminError(w, http.StatusMethodNotAllowed, nil)
			return
		}
		adminJSON(w, map[string]string{"status": "ok", "op": op})
	case path == "taskfaults" && r.Method == http.MethodPost:
		var f TaskFault
		if !decode(&f) {
			return
		}
		s.AddTaskFault(f)
		adminJSON(w, map[string]string{"status": "ok"})
	case path == "execfaults" && r.Method == http.MethodPost:
		var f ExecFault
		if !decode(&f) {
			return
		}
		s.AddExecFault(f)
		adminJSON(w, map[string]string{"status": "ok"})
	case path == "calls" && r.Method == http.MethodGet:
		adminJSON(w, s.Calls())
	case path == "calls" && r.Method == http.MethodDelete:
		s.ResetCalls()
		adminJSON(w, map[string]string{"status": "reset"})
	case strings.HasPrefix(path, "tasks/") && strings.HasSuffix(path, "/stop") && r.Method == http.MethodPost:
		id := strings.TrimSuffix(strings.TrimPrefix(path, "tasks/"), "/stop")
		var in struct {
			StopCode      string `json:"stopCode"`
			StoppedReason string `json:"stoppedReason"`
			ExitCode      *int   `json:"exitCode"`
		}
		if len(body) > 0 && !decode(&in) {
			return
		}
		if !s.StopTask(id, in.StopCode, in.StoppedReason, in.ExitCode) {
			adminError(w, http.StatusNotFound, nil)
			return
		}
		adminJSON(w, map[string]string{"status": "stopping", "task": id})
	case path == "sessions" && r.Method == http.MethodGet:
		adminJSON(w, s.ExecSessions())
	default:
		adminError(w, http.StatusNotFound, nil)
	}
}

func adminJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) //nolint:errcheck
}

func adminError(w http.ResponseWriter, code int, err error) {
	msg := http.StatusText(code)
	if err != nil {
		msg = err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg}) //nolint:errcheck
}
