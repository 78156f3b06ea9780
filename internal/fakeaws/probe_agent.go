package fakeaws

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// probeTask is what answering a probe needs to know about its task, copied
// under the lock so the answer can be computed (and waited for) without it.
type probeTask struct {
	subnet  string
	groups  []string
	caller  *principal // the task role session; nil without a task role
	region  string
	account string
}

// answerProbe plays the probe script in agent mode: it decodes the request
// of the exec command (DESIGN 3.3) and answers each target from the
// scenario's outcomes for this task's network identity and task role.
func (s *Server) answerProbe(ctx context.Context, a *Account, t *Task, command string) ([]byte, error) {
	b64, ok := wire.RequestFromCommand(command)
	if !ok {
		return nil, fmt.Errorf("fakeaws: the agent answers only probe commands (%s ...); use exec.shell to run %q", wire.ScriptPath, command)
	}
	req, err := wire.DecodeRequest(b64)
	if err != nil {
		return []byte("ecscheck-probe: " + err.Error() + "\n"), nil
	}
	s.mu.Lock()
	pt := s.probeTaskOf(a, t)
	realTime := s.state.Exec.RealTime
	var lines []string
	var longest time.Duration
	for _, tg := range req.Targets {
		status, elapsed, detail := s.answerTarget(pt, req, tg)
		longest = max(longest, elapsed)
		lines = append(lines, wire.FormatResult(req.Nonce, tg.ID, status, elapsed, detail))
	}
	s.mu.Unlock()
	if realTime {
		select {
		case <-time.After(longest):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	lines = append(lines, wire.FormatExit(req.Nonce, 0))
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// probeTaskOf captures the task's network identity and role session.
func (s *Server) probeTaskOf(a *Account, t *Task) probeTask {
	pt := probeTask{region: t.Region, account: a.ID}
	if t.Network != nil {
		if len(t.Network.Subnets) > 0 {
			pt.subnet = t.Network.Subnets[0]
		}
		pt.groups = t.Network.SecurityGroups
	}
	if role := s.taskRole(a, t); role != "" {
		pt.caller = roleSession(role, s.taskSessionName(t), s.findRole)
	}
	return pt
}

// taskRole is the task's role: the RunTask override or the task definition's.
func (s *Server) taskRole(a *Account, t *Task) string {
	if t.TaskRoleARN != "" {
		return t.TaskRoleARN
	}
	if td := a.taskDefinition(t.Region, t.TaskDefinition); td != nil {
		return td.TaskRoleARN
	}
	return ""
}

func (s *Server) taskSessionName(t *Task) string {
	if n := s.state.Exec.TaskRoleSessionName; n != "" {
		return n
	}
	return t.ID
}

// netOutcome is the first network outcome for target key of this kind
// whose selectors match the task.
func (s *Server) netOutcome(kind, key string, pt probeTask) *Outcome {
	for _, o := range s.state.Outcomes {
		var pat string
		switch kind {
		case "dns":
			pat = o.DNS
		case "tcp":
			pat = o.TCP
		case "http":
			pat = o.HTTP
		}
		if pat == "" || !wildcardMatch(strings.ToLower(pat), strings.ToLower(key)) {
			continue
		}
		if len(o.Subnets) > 0 && !includes(o.Subnets, pt.subnet) {
			continue
		}
		ok := true
		for _, g := range o.SecurityGroups {
			ok = ok && includes(pt.groups, g)
		}
		if !ok || o.Principal != "" && (pt.caller == nil || !pt.caller.matches(o.Principal)) {
			continue
		}
		return o
	}
	return nil
}

func elapsedOf(o *Outcome, status string, timeout time.Duration) time.Duration {
	if o != nil && o.ElapsedMs > 0 {
		return time.Duration(o.ElapsedMs) * time.Millisecond
	}
	if status == wire.StatusTimeout {
		return timeout
	}
	return 2 * time.Millisecond
}

// resolve is what a name resolves to for this task, per the dns outcomes.
func (s *Server) resolve(host string, pt probeTask) []string {
	if o := s.netOutcome("dns", host, pt); o != nil && strings.EqualFold(o.Result, "OK") {
		return o.Addresses
	}
	return nil
}

func (s *Server) answerTarget(pt probeTask, req wire.Request, tg wire.Target) (status string, elapsed time.Duration, detail string) {
	switch tg.Kind {
	case wire.KindDNS:
		o := s.netOutcome("dns", tg.Fields[0], pt)
		if o == nil {
			return wire.StatusUnresolved, elapsedOf(nil, "", 0), "fakeaws: no dns outcome for " + tg.Fields[0]
		}
		st := strings.ToUpper(o.Result)
		switch st {
		case wire.StatusOK:
			return st, elapsedOf(o, st, req.Timeout), strings.Join(o.Addresses, " ")
		case wire.StatusTimeout:
			return st, elapsedOf(o, st, req.Timeout), ""
		}
		d := o.Detail
		if d == "" {
			d = "Name or service not known"
		}
		return wire.StatusUnresolved, elapsedOf(o, st, req.Timeout), d
	case wire.KindTCP:
		host, port := tg.Fields[0], tg.Fields[1]
		o := s.netOutcome("tcp", host+":"+port, pt)
		if o == nil {
			return wire.StatusTimeout, req.Timeout, ""
		}
		st := strings.ToUpper(o.Result)
		if st == wire.StatusError || st == wire.StatusUnresolved {
			return st, elapsedOf(o, st, req.Timeout), o.Detail
		}
		// Like the script: the address that decided the result first, then
		// the host's other addresses.
		addrs := o.Addresses
		if len(addrs) == 0 {
			addrs = s.resolve(host, pt)
		}
		if len(addrs) == 0 {
			addrs = []string{host}
		}
		return st, elapsedOf(o, st, req.Timeout), strings.Join(addrs, " ")
	case wire.KindHTTP:
		o := s.netOutcome("http", tg.Fields[0], pt)
		if o == nil {
			// No answer configured: a timeout, with the addresses the
			// script resolved before curl.
			var addrs []string
			if u, err := url.Parse(tg.Fields[0]); err == nil {
				addrs = s.resolve(u.Hostname(), pt)
			}
			return wire.StatusTimeout, req.Timeout, strings.Join(addrs, " ")
		}
		st := strings.ToUpper(o.Result)
		switch st {
		case wire.StatusOK:
			ip := ""
			if len(o.Addresses) > 0 {
				ip = o.Addresses[0]
			} else if u, err := url.Parse(tg.Fields[0]); err == nil {
				if ips := s.resolve(u.Hostname(), pt); len(ips) > 0 {
					ip = ips[0]
				}
			}
			return st, elapsedOf(o, st, req.Timeout), strings.TrimSpace(fmt.Sprintf("%d %s", o.Status, ip))
		case wire.StatusCurl:
			return st, elapsedOf(o, st, req.Timeout), fmt.Sprintf("%d %s", o.CurlExit, o.Detail)
		}
		// Like the script, which resolves the URL's host before curl: a
		// timeout carries its addresses.
		addrs := o.Addresses
		if u, err := url.Parse(tg.Fields[0]); len(addrs) == 0 && err == nil {
			addrs = s.resolve(u.Hostname(), pt)
		}
		return wire.StatusTimeout, elapsedOf(o, wire.StatusTimeout, req.Timeout), strings.Join(addrs, " ")
	case wire.KindAWS:
		return s.answerAWS(pt, req, tg.Fields[0], tg.Fields[1])
	}
	return wire.StatusError, 0, "fakeaws: unknown target kind " + tg.Kind
}

// cliServices maps aws CLI command names to signing names where they differ.
var cliServices = map[string]string{"s3api": "s3"}

// pascal turns a CLI action (list-topics) into the operation (ListTopics).
func pascal(kebab string) string {
	var b strings.Builder
	for _, p := range strings.Split(kebab, "-") {
		if p == "" {
			continue
		}
		r := []rune(p)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// answerAWS is what `aws <service> <action>` prints from this task: a
// timeout when the service endpoint is unreachable per the tcp outcomes,
// the CLI's error text for a denial or error outcome, else success.
func (s *Server) answerAWS(pt probeTask, req wire.Request, cliService, action string) (string, time.Duration, string) {
	svc := cliService
	if v, ok := cliServices[svc]; ok {
		svc = v
	}
	op := pascal(action)
	region := req.Region
	if region == "" {
		region = pt.region
	}
	endpoint := svc + "." + region + ".amazonaws.com"
	if o := s.netOutcome("tcp", endpoint+":443", pt); o != nil && !strings.EqualFold(o.Result, "OK") {
		if strings.EqualFold(o.Result, "Timeout") || strings.EqualFold(o.Result, "NoRoute") {
			return wire.StatusTimeout, req.Timeout, ""
		}
		return wire.StatusError, elapsedOf(o, "", req.Timeout), "\nCould not connect to the endpoint URL: \"https://" + endpoint + "/\"\n"
	}
	if pt.caller == nil {
		return wire.StatusError, 200 * time.Millisecond, "\nUnable to locate credentials. You can configure credentials by running \"aws configure\".\n"
	}
	o := s.apiOutcome(pt.caller, svc, op)
	if o == nil || neverDenied(svc, op, o) {
		return wire.StatusOK, 300 * time.Millisecond, ""
	}
	switch strings.ToLower(o.Result) {
	case "allowed", "ok", "":
		return wire.StatusOK, elapsedOf(o, wire.StatusOK, req.Timeout), ""
	case "timeout":
		return wire.StatusTimeout, req.Timeout, ""
	case "error":
		code := o.Code
		if code == "" {
			code = "InternalFailure"
		}
		if text, ok := headError(op, o.Status); ok && o.Status != 0 {
			return wire.StatusError, elapsedOf(o, "", req.Timeout), text
		}
		return wire.StatusError, elapsedOf(o, "", req.Timeout), cliError(code, op, expand(o.Message, pt.caller, region))
	}
	e := denial(o, svc, op, pt.caller, region, defaultResource(svc, op, region, pt.caller.Account))
	if text, ok := headError(op, e.Status); ok {
		return wire.StatusError, elapsedOf(o, "", req.Timeout), text
	}
	return wire.StatusError, elapsedOf(o, "", req.Timeout), cliError(e.Code, op, e.Message)
}

// cliError is the aws CLI's stderr for a service error.
func cliError(code, op, msg string) string {
	return "\nAn error occurred (" + code + ") when calling the " + op + " operation: " + msg + "\n"
}
