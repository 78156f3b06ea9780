package fakeaws

import (
	"strconv"
	"strings"
	"time"
)

func init() {
	register("sts", map[string]handler{
		"GetCallerIdentity": stsGetCallerIdentity,
		"AssumeRole":        stsAssumeRole,
	})
}

func stsGetCallerIdentity(s *Server, rq *request) (any, error) {
	return []X{T("UserId", rq.who.UserID), T("Account", rq.who.Account), T("Arn", rq.who.ARN)}, nil
}

// newSession issues temporary credentials for a principal.
func (s *Server) newSession(p *principal) (akid, secret, token string) {
	akid = "ASIA" + strings.ToUpper(randHex(16))
	s.sessions[akid] = p
	secret, token = randHex(40), "FQoGZXIvYXdzE"+randHex(60)
	s.issued = append(s.issued, secret, token)
	return akid, secret, token
}

// stsAssumeRole checks the role's trust policy (principal, sts:ExternalId
// and other conditions) and issues a session of the role's account, so the
// caller's later requests see that account's resources.
func stsAssumeRole(s *Server, rq *request) (any, error) {
	arn := rq.form.Get("RoleArn")
	session := rq.form.Get("RoleSessionName")
	if session == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	denied := errf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", rq.who.ARN, arn)
	r := s.findRole(arnAccount(arn), roleName(arn))
	if r == nil || roleARN(arnAccount(arn), r) != arn {
		return nil, denied
	}
	if r.TrustPolicy != "" {
		doc, err := parsePolicy(r.TrustPolicy)
		if err != nil {
			return nil, err
		}
		keys := map[string][]string{"aws:principalarn": {rq.who.ARN}, "aws:principalaccount": {rq.who.Account}}
		if x := rq.form.Get("ExternalId"); x != "" {
			keys["sts:externalid"] = []string{x}
		}
		c := &evalContext{action: "sts:AssumeRole", resource: arn, keys: keys, missing: map[string]bool{}}
		if evaluate([]sourcePolicy{{ID: "trust", Doc: doc}}, c, rq.who).Decision != "allowed" {
			return nil, denied
		}
	}
	dur := 3600
	if d, err := strconv.Atoi(rq.form.Get("DurationSeconds")); err == nil && d > 0 {
		if d > r.MaxSessionDuration {
			return nil, errf(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		dur = d
	}
	p := roleSession(arn, session, s.findRole)
	akid, secret, token := s.newSession(p)
	exp := s.now().Add(time.Duration(dur) * time.Second)
	return []X{
		E("Credentials", T("AccessKeyId", akid), T("SecretAccessKey", secret), T("SessionToken", token), TT("Expiration", exp)),
		E("AssumedRoleUser", T("AssumedRoleId", p.UserID), T("Arn", p.ARN)),
	}, nil
}
