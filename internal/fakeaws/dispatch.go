package fakeaws

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// request is one AWS API call after routing.
type request struct {
	r       *http.Request
	body    []byte
	form    url.Values // query protocols
	service string
	op      string
	proto   protocol
	region  string
	reqID   string
	who     *principal
	acct    *Account
	// runTaskFailure is set when a RunTaskFailure fault applies.
	runTaskFailure string
}

type handler func(s *Server, rq *request) (any, error)

// handlers holds every operation, by service and operation name.
var handlers = map[string]map[string]handler{}

func register(service string, ops map[string]handler) {
	if handlers[service] == nil {
		handlers[service] = map[string]handler{}
	}
	for op, h := range ops {
		handlers[service][op] = h
	}
}

func (rq *request) decode(v any) error {
	if len(rq.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(rq.body, v); err != nil {
		return errf(400, "SerializationException", "%s", err.Error())
	}
	return nil
}

func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request) {
	rq := &request{r: r, reqID: uuid.NewString()}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rq.body = body
	akid, region, scopeSvc := sigv4Scope(r)
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		i := strings.LastIndex(target, ".")
		jt, ok := jsonTargets[target[:max(i, 0)]]
		if i < 0 || !ok {
			writeError(w, protoJSON11, "", rq.reqID, errf(400, "UnknownOperationException", "%s", target))
			return
		}
		rq.service, rq.op, rq.proto = jt.service, target[i+1:], jt.proto
	} else if scopeSvc == "s3" {
		rq.service, rq.proto, rq.op = "s3", protoRestXML, s3Operation(r)
	} else {
		form, _ := url.ParseQuery(string(body))
		for k, v := range r.URL.Query() {
			if _, ok := form[k]; !ok {
				form[k] = v
			}
		}
		rq.form, rq.op = form, form.Get("Action")
		proto, ok := queryServices[scopeSvc]
		if !ok {
			writeError(w, protoQuery, scopeSvc, rq.reqID, errf(400, "InvalidAction", "The fake does not serve service %q (credential scope)", scopeSvc))
			return
		}
		rq.service, rq.proto = scopeSvc, proto
	}
	s.handle(w, rq, akid, region)
}

func (s *Server) handle(w http.ResponseWriter, rq *request, akid, region string) {
	fail := func(e *apiError) { writeError(w, rq.proto, rq.service, rq.reqID, e) }
	ctx := rq.r.Context()

	s.mu.Lock()
	s.calls[rq.service+":"+rq.op]++
	if region == "" {
		region = s.state.Region
	}
	rq.region = region
	rq.who = s.identify(akid)
	s.callers.add(rq.who, rq.service+":"+rq.op)
	rq.acct = s.account(rq.who.Account)
	fault := s.takeFault(rq.service, rq.op)
	gate := s.apiOutcome(rq.who, rq.service, rq.op)
	s.mu.Unlock()

	s.log.V(1).Info("request", "service", rq.service, "op", rq.op, "caller", rq.who.ARN, "region", region)
	if rq.acct == nil {
		fail(errf(403, "InvalidClientTokenId", "The security token included in the request is invalid."))
		return
	}
	if fault != nil {
		if fault.Latency.Duration > 0 {
			select {
			case <-time.After(fault.Latency.Duration):
			case <-ctx.Done():
				return
			}
		}
		if e := fault.apiError(rq.service); e != nil {
			fail(e)
			return
		}
		if fault.Kind == "RunTaskFailure" {
			rq.runTaskFailure = fault.Reason
			if rq.runTaskFailure == "" {
				rq.runTaskFailure = "AGENT"
			}
		}
	}
	// "No permissions are required to perform this operation. If an
	// administrator attaches a policy to your identity that explicitly
	// denies access to the sts:GetCallerIdentity action, you can still
	// perform this operation" (STS API reference, GetCallerIdentity): a
	// Denied outcome never applies to it.
	if gate != nil && neverDenied(rq.service, rq.op, gate) {
		gate = nil
	}
	if gate != nil {
		if e := s.gateError(ctx, gate, rq); e != nil {
			fail(e)
			return
		}
	}
	h := handlers[rq.service][rq.op]
	if h == nil && probeServices[rq.service] && readOnlyOp.MatchString(rq.op) {
		h = emptyRead
	}
	if h == nil {
		if rq.proto == protoJSON10 || rq.proto == protoJSON11 {
			fail(errf(400, "UnknownOperationException", "The fake does not implement %s:%s", rq.service, rq.op))
		} else {
			fail(errf(400, "InvalidAction", "The action %s is not valid for this web service.", rq.op))
		}
		return
	}
	s.mu.Lock()
	s.advance()
	out, err := h(s, rq)
	s.mu.Unlock()
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = serverError(rq.service)
			ae.Message = err.Error()
		}
		fail(ae)
		return
	}
	writeResult(w, rq, out)
}

// writeResult puts a handler's result in the protocol's shape: JSON values
// as they are; for query protocols the handler returns the children of the
// <OpResult> (awsQuery) or <OpResponse> (EC2) element.
func writeResult(w http.ResponseWriter, rq *request, out any) {
	w.Header().Set("X-Amzn-RequestId", rq.reqID)
	switch rq.proto {
	case protoJSON10, protoJSON11:
		w.Header().Set("Content-Type", string(rq.proto))
		if out == nil {
			out = map[string]any{}
		}
		json.NewEncoder(w).Encode(out) //nolint:errcheck
		return
	case protoRestXML:
		w.Header().Set("Content-Type", "application/xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
		out.(X).render(&b)
		io.WriteString(w, b.String()) //nolint:errcheck
		return
	}
	kids, _ := out.([]X)
	ns := queryNamespace(rq.service)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString("<" + rq.op + `Response xmlns="` + ns + `">`)
	if rq.proto == protoEC2 {
		T("requestId", rq.reqID).render(&b)
		for _, k := range kids {
			k.render(&b)
		}
	} else {
		E(rq.op+"Result", kids...).render(&b)
		E("ResponseMetadata", T("RequestId", rq.reqID)).render(&b)
	}
	b.WriteString("</" + rq.op + "Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	io.WriteString(w, b.String()) //nolint:errcheck
}

// identify maps an access key to its principal: a scenario credential, a
// session the fake issued, or, for any other key, a user of the first
// account (so that tests need not declare credentials).
func (s *Server) identify(akid string) *principal {
	if p, ok := s.sessions[akid]; ok {
		return p
	}
	for _, a := range s.state.Accounts {
		for _, c := range a.Credentials {
			if c.AccessKeyID == akid {
				return principalFor(c.ARN, c.SessionName, s.findRole)
			}
		}
	}
	a := s.state.Accounts[0].ID
	return &principal{Account: a, ARN: "arn:aws:iam::" + a + ":user/default", UserID: "AIDA" + idFrom(a, 17)}
}

func (s *Server) account(id string) *Account {
	for _, a := range s.state.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// findRole looks a role up by account and name.
func (s *Server) findRole(acct, name string) *Role {
	a := s.account(acct)
	if a == nil {
		return nil
	}
	for _, r := range a.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// neverDenied: sts:GetCallerIdentity answers whatever the policies say
// (STS API reference, GetCallerIdentity); only a timeout or a server
// error outcome still applies to it.
func neverDenied(service, op string, o *Outcome) bool {
	r := strings.ToLower(o.Result)
	return service == "sts" && op == "GetCallerIdentity" && r != "timeout" && r != "error"
}
