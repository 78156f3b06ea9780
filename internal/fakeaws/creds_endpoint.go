package fakeaws

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// credsPathPrefix serves the ECS container credentials endpoint of
// shell-mode tasks. The aws CLI accepts AWS_CONTAINER_CREDENTIALS_FULL_URI on
// loopback over plain HTTP and sends AWS_CONTAINER_AUTHORIZATION_TOKEN.
const credsPathPrefix = "/_creds/"

type taskCreds struct {
	task    *Task
	auth    string
	akid    string
	secret  string
	session string
}

// containerCredentials returns the endpoint token and authorization token
// of a task with a task role; "" without one. Called with s.mu held.
func (s *Server) containerCredentials(t *Task) (token, auth string) {
	for tok, c := range s.credAuth {
		if c.task == t {
			return tok, c.auth
		}
	}
	var acct *Account
	for _, a := range s.state.Accounts {
		for _, x := range a.Tasks {
			if x == t {
				acct = a
			}
		}
	}
	if acct == nil {
		return "", ""
	}
	role := s.taskRole(acct, t)
	if role == "" {
		return "", ""
	}
	p := roleSession(role, s.taskSessionName(t), s.findRole)
	akid, secret, session := s.newSession(p)
	token = randHex(32)
	s.credAuth[token] = &taskCreds{task: t, auth: randHex(40), akid: akid, secret: secret, session: session}
	return token, s.credAuth[token].auth
}

func (s *Server) serveContainerCredentials(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.URL.Path, credsPathPrefix)
	s.mu.Lock()
	c := s.credAuth[tok]
	var stopped bool
	if c != nil {
		stopped = c.task.LastStatus == "STOPPED"
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if c == nil || r.Header.Get("Authorization") != c.auth || stopped {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"code": "AccessDenied", "message": "invalid credentials request"}) //nolint:errcheck
		return
	}
	json.NewEncoder(w).Encode(map[string]string{ //nolint:errcheck
		"AccessKeyId":     c.akid,
		"SecretAccessKey": c.secret,
		"Token":           c.session,
		"Expiration":      time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339),
		"RoleArn":         s.roleOfSession(c.akid),
	})
}

func (s *Server) roleOfSession(akid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.sessions[akid]; p != nil {
		return p.RoleARN
	}
	return ""
}
