package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecscheck/ecscheck/internal/ecsexec/fakeagent"
)

// agentPathPrefix is where the fake agent serves its data channels; it
// mirrors the ssmmessages URL path.
const agentPathPrefix = "/v1/data-channel/"

// execAgent is the ECS Exec agent the fake hands sessions to.
type execAgent = *fakeagent.Agent

func newExecAgent(s *Server) execAgent {
	a := fakeagent.New(s.KMSDecrypt)
	a.Log = s.log.WithName("agent")
	return a
}

// execNotRunning is ECS's answer when the task cannot take an exec session.
const execNotRunning = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again."

// ecsExecuteCommand refuses as ECS does (not interactive, task not running,
// exec not enabled, agent not running; denials come from the permission
// gate), then registers a session with the fake agent and returns its ws://
// URL. The session's commands are answered from the scenario's outcomes, or
// by the local shell for shell-mode tasks.
func ecsExecuteCommand(s *Server, rq *request) (any, error) {
	var in struct {
		Cluster     string `json:"cluster"`
		Task        string `json:"task"`
		Container   string `json:"container"`
		Command     string `json:"command"`
		Interactive bool   `json:"interactive"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	if !in.Interactive {
		return nil, invalidParam("Interactive is the only mode supported currently.")
	}
	if in.Command == "" {
		return nil, invalidParam("Command cannot be empty.")
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	// A task ID is 32 hex digits (36 in the old format); ECS checks the
	// length before it looks the task up. Real transcript, aws/aws-cli
	// issue 10057: "An error occurred (InvalidParameterException) when
	// calling the ExecuteCommand operation: task length should be one of
	// [32,36]".
	if id := in.Task[strings.LastIndex(in.Task, "/")+1:]; len(id) != 32 && len(id) != 36 {
		return nil, invalidParam("task length should be one of [32,36]")
	}
	t := rq.acct.task(rq.region, c.Name, in.Task)
	if t == nil {
		return nil, invalidParam("The specified task was not found.")
	}
	if !t.EnableExecuteCommand || t.LastStatus != "RUNNING" || t.ExecAgentStatus != "RUNNING" {
		return nil, invalidParam("%s", execNotRunning)
	}
	if !s.ssmAgentCanConnect(rq.acct, t) {
		return nil, errf(400, "TargetNotConnectedException", "The execute command failed due to an internal error. Try again later.")
	}
	td := rq.acct.taskDefinition(t.Region, t.TaskDefinition)
	var containers []containerDef
	if td != nil {
		containers = parseContainers(td)
	}
	name := in.Container
	switch {
	case name == "" && len(containers) > 1:
		return nil, invalidParam("A container name must be specified for tasks with multiple containers.")
	case name == "" && len(containers) == 1:
		name = containers[0].Name
	case name != "":
		found := false
		for _, cd := range containers {
			found = found || cd.Name == name
		}
		if !found {
			return nil, invalidParam("The container %s does not exist in the task.", name)
		}
	}
	sessionID := "ecs-execute-command-" + randHex(17)
	token := "AAEAA" + randHex(120)
	s.issued = append(s.issued, token)
	cfg := fakeagent.SessionConfig{
		SessionID:        sessionID,
		TokenValue:       token,
		TargetID:         "ecs:" + c.Name + "_" + t.ID + "_" + t.ID + "-1000000000",
		Command:          in.Command,
		Mode:             fakeagent.ModePlain,
		FirstOutputDelay: s.state.Exec.FirstOutputDelay.Duration,
		ChunkSize:        s.state.Exec.ChunkSize,
	}
	switch strings.ToLower(s.state.Exec.Mode) {
	case "handshake":
		cfg.Mode = fakeagent.ModeHandshake
	case "handshakekms":
		cfg.Mode = fakeagent.ModeHandshakeKMS
	}
	if c.ExecuteCommand != nil && c.ExecuteCommand.KMSKeyID != "" {
		cfg.Mode, cfg.KMSKeyID = fakeagent.ModeHandshakeKMS, c.ExecuteCommand.KMSKeyID
		cfg.Decrypt = s.taskRoleDecrypt(rq.acct, t, rq.region, c.ExecuteCommand.KMSKeyID)
	}
	cfg.Refuse = s.execLoggingRefusal(rq.acct, t, rq.region, c)
	if f := s.takeExecFault(); f != nil {
		cfg.Faults = fakeagent.Faults{
			DuplicateFrames: f.DuplicateFrames, ReorderFrames: f.ReorderFrames, DropAcks: f.DropAcks,
			PausePublication: f.PausePublication, DisconnectAfterFrames: f.DisconnectAfterFrames,
			CorruptDigest: f.CorruptDigest, CloseError: f.CloseError,
		}
		if f.FirstOutputDelay.Duration > 0 {
			cfg.FirstOutputDelay = f.FirstOutputDelay.Duration
		}
	}
	acct := rq.acct
	if t.Shell {
		cfg.Executor = func(ctx context.Context, command string) ([]byte, error) {
			return s.shellExec(ctx, t, command)
		}
	} else {
		cfg.Executor = func(ctx context.Context, command string) ([]byte, error) {
			return s.answerProbe(ctx, acct, t, command)
		}
	}
	path := s.agent.Register(cfg)
	s.sessionsOf[sessionID] = t
	host := strings.TrimPrefix(s.url, "http://")
	cl := c.Name
	return obj{
		"clusterArn":    clusterARN(rq.region, acct.ID, cl),
		"taskArn":       taskARN(rq.region, acct.ID, cl, t.ID),
		"containerName": name,
		"containerArn":  "arn:aws:ecs:" + rq.region + ":" + acct.ID + ":container/" + cl + "/" + t.ID + "/" + uuidFrom(t.ID+name),
		"interactive":   true,
		"session":       obj{"sessionId": sessionID, "streamUrl": "ws://" + host + path, "tokenValue": cfg.TokenValue},
	}, nil
}

// ssmAgentCanConnect: the SSM agent in the task opens its channels with the
// task role, so a role the scenario declares without the ssmmessages actions
// (seed 002) leaves the target unconnected, which ECS reports as
// TargetNotConnectedException. Roles the scenario does not declare pass.
func (s *Server) ssmAgentCanConnect(a *Account, t *Task) bool {
	arn := s.taskRole(a, t)
	r := s.findRole(a.ID, arn[strings.LastIndex(arn, "/")+1:])
	if arn == "" || r == nil {
		return true
	}
	pols, err := s.rolePolicies(a.ID, r)
	if err != nil {
		return true
	}
	for _, action := range []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
		"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"} {
		c := &evalContext{action: action, resource: "*", keys: s.agentRequestKeys(a, t, arn), missing: map[string]bool{}}
		if evaluate(pols, c, nil).Decision != "allowed" {
			return false
		}
	}
	return true
}

// takeExecFault picks the first exec fault with uses left.
func (s *Server) takeExecFault() *ExecFault {
	for _, f := range s.state.ExecFaults {
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		return f
	}
	return nil
}

// ExecSessions reports the fake agent's per-session counters.
func (s *Server) ExecSessions() []fakeagent.SessionStats { return s.agent.Sessions() }

// agentRequestKeys are the global condition keys of the agent's
// ssmmessages calls: the region and principal always, and aws:SourceVpce /
// aws:SourceVpc when the task's VPC has an ssmmessages interface endpoint
// with private DNS, through which the call then goes (IAM User Guide, "AWS
// global condition context keys": aws:SourceVpce is "included in the
// request context only if the requester uses a VPC endpoint").
func (s *Server) agentRequestKeys(a *Account, t *Task, roleArn string) map[string][]string {
	keys := map[string][]string{
		"aws:requestedregion":  {t.Region},
		"aws:principalarn":     {roleArn},
		"aws:principalaccount": {a.ID},
	}
	if t.Network == nil || len(t.Network.Subnets) == 0 {
		return keys
	}
	vpc := a.vpcOfSubnet(t.Region, t.Network.Subnets[0])
	for _, ep := range a.VPCEndpoints {
		if ep.VPC != vpc || !strings.HasSuffix(ep.ServiceName, ".ssmmessages") || ep.PrivateDNS != nil && !*ep.PrivateDNS {
			continue
		}
		keys["aws:sourcevpce"] = []string{ep.ID}
		keys["aws:sourcevpc"] = []string{vpc}
		break
	}
	return keys
}

// taskRoleDecrypt is kms:Decrypt as the agent in task t makes it: with the
// task role. A role the scenario declares without kms:Decrypt on the
// cluster's key is refused with KMS's AccessDeniedException, which the
// agent reports as "Fetching data key failed: Unable to retrieve data
// key, ..." and the session ends (ECS developer guide, ECS Exec: with a
// kmsKeyId "the task IAM role needs kms:Decrypt"; the wording is the
// fakeagent's, after amazon-ssm-agent's session handshake).
func (s *Server) taskRoleDecrypt(a *Account, t *Task, region, keyRef string) fakeagent.KMSDecrypter {
	return func(ctx context.Context, blob []byte, encCtx map[string]string) ([]byte, error) {
		s.mu.Lock()
		key := a.kmsKeyOf(region, keyRef)
		arn := s.taskRole(a, t)
		r := s.findRole(a.ID, arn[strings.LastIndex(arn, "/")+1:])
		allowed := true
		var who string
		if r != nil {
			if pols, err := s.rolePolicies(a.ID, r); err == nil {
				c := &evalContext{action: "kms:Decrypt", resource: key, keys: s.agentRequestKeys(a, t, arn), missing: map[string]bool{}}
				allowed = evaluate(pols, c, nil).Decision == "allowed"
			}
			who = "arn:aws:sts::" + a.ID + ":assumed-role/" + r.Name + "/" + s.taskSessionName(t)
		}
		s.mu.Unlock()
		if !allowed {
			return nil, fmt.Errorf("AccessDeniedException: User: %s is not authorized to perform: kms:Decrypt on resource: %s because no identity-based policy allows the kms:Decrypt action", who, key)
		}
		return s.KMSDecrypt(ctx, blob, encCtx)
	}
}

// kmsKeyOf is the key ARN a key ID, key ARN, alias or alias ARN names, as
// KMS resolves it before authorizing (policies name keys, not aliases);
// an unknown reference is returned as an ARN of its own.
func (a *Account) kmsKeyOf(region, ref string) string {
	for _, k := range a.KMSKeys {
		if k.Region != "" && k.Region != region {
			continue
		}
		arn := kmsKeyARN(region, a.ID, k.ID)
		if ref == k.ID || ref == arn {
			return arn
		}
		for _, al := range k.Aliases {
			if ref == al || ref == "arn:aws:kms:"+region+":"+a.ID+":"+al {
				return arn
			}
		}
	}
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return kmsKeyARN(region, a.ID, strings.TrimPrefix(ref, "key/"))
}

// execLoggingRefusal is why the agent refuses the session over the
// cluster's session logging, or "". With cloudWatchEncryptionEnabled (or
// s3EncryptionEnabled) the agent first checks the log group's (bucket's)
// encryption as the task role, and a refusal ends the session: "Couldn't
// start the session because we are unable to validate encryption on
// CloudWatch Logs log group. Error: %v" (amazon-ssm-agent
// agent/session/shell/shell.go; the S3 form in a real transcript names
// s3:GetEncryptionConfiguration). Without encryption validation a missing
// permission only loses the log. Called with s.mu held.
func (s *Server) execLoggingRefusal(a *Account, t *Task, region string, c *Cluster) string {
	if c.ExecuteCommand == nil || !strings.EqualFold(c.ExecuteCommand.Logging, "OVERRIDE") || len(c.ExecuteCommand.LogConfiguration) == 0 {
		return ""
	}
	var lc struct {
		CloudWatchLogGroupName      string `json:"cloudWatchLogGroupName"`
		CloudWatchEncryptionEnabled bool   `json:"cloudWatchEncryptionEnabled"`
		S3BucketName                string `json:"s3BucketName"`
		S3EncryptionEnabled         bool   `json:"s3EncryptionEnabled"`
	}
	if json.Unmarshal(c.ExecuteCommand.LogConfiguration, &lc) != nil {
		return ""
	}
	arn := s.taskRole(a, t)
	r := s.findRole(a.ID, arn[strings.LastIndex(arn, "/")+1:])
	if r == nil {
		return ""
	}
	pols, err := s.rolePolicies(a.ID, r)
	if err != nil {
		return ""
	}
	who := "arn:aws:sts::" + a.ID + ":assumed-role/" + r.Name + "/" + s.taskSessionName(t)
	denied := func(action, resource string) bool {
		ec := &evalContext{action: action, resource: resource, keys: s.agentRequestKeys(a, t, arn), missing: map[string]bool{}}
		return evaluate(pols, ec, nil).Decision != "allowed"
	}
	if lc.CloudWatchLogGroupName != "" && lc.CloudWatchEncryptionEnabled {
		res := "arn:aws:logs:" + region + ":" + a.ID + ":log-group::log-stream:"
		if denied("logs:DescribeLogGroups", res) {
			return "Couldn't start the session because we are unable to validate encryption on CloudWatch Logs log group. Error: AccessDeniedException: User: " + who +
				" is not authorized to perform: logs:DescribeLogGroups on resource: " + res + " because no identity-based policy allows the logs:DescribeLogGroups action"
		}
	}
	if lc.S3BucketName != "" && lc.S3EncryptionEnabled {
		res := "arn:aws:s3:::" + lc.S3BucketName
		if denied("s3:GetEncryptionConfiguration", res) {
			return "Couldn't start the session because we are unable to validate encryption on Amazon S3 bucket. Error: AccessDenied: User: " + who +
				" is not authorized to perform: s3:GetEncryptionConfiguration on resource: \"" + res + "\" because no identity-based policy allows the s3:GetEncryptionConfiguration action"
		}
	}
	return ""
}
