package fakeaws

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Seed 000's two AccessDenied texts, with the region filled in.
const (
	seedDeniedEndpointPolicy = "User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* with an explicit deny in a VPC endpoint policy"
	seedDeniedIdentity       = "User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:ap-northeast-1:123456789012:* because no identity-based policy allows the SNS:ListTopics action"
)

// runningProbe starts an exec-enabled task and waits until ECS Exec can
// reach it, as the controller does before a run.
func runningProbe(t *testing.T, c *ecs.Client, mut ...func(*ecs.RunTaskInput)) string {
	t.Helper()
	arn := aws.ToString(runProbe(t, c, "", mut...).Tasks[0].TaskArn)
	eventually(t, 5*time.Second, "exec agent RUNNING", func() bool {
		a := describeTask(t, c, arn).Containers[0].ManagedAgents
		return len(a) == 1 && aws.ToString(a[0].LastStatus) == "RUNNING"
	})
	return arn
}

func execSession(t *testing.T, c *ecs.Client, arn, command string) (ecsexec.Session, error) {
	t.Helper()
	out, err := c.ExecuteCommand(ctxT(t), &ecs.ExecuteCommandInput{
		Cluster: aws.String("prod"), Task: aws.String(arn), Command: aws.String(command), Interactive: true,
	})
	if err != nil {
		return ecsexec.Session{}, err
	}
	parts := strings.Split(arn, "/")
	return ecsexec.Session{
		SessionID: aws.ToString(out.Session.SessionId), StreamURL: aws.ToString(out.Session.StreamUrl),
		TokenValue: aws.ToString(out.Session.TokenValue), TargetID: "ecs:prod_" + parts[len(parts)-1] + "_" + parts[len(parts)-1] + "-1000000000",
	}, nil
}

func TestExecuteCommandRefusals(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	ctx := ctxT(t)
	var ipe *types.InvalidParameterException

	// Started without enableExecuteCommand: refused once running.
	noExec := aws.ToString(runProbe(t, c, "", func(in *ecs.RunTaskInput) { in.EnableExecuteCommand = false }).Tasks[0].TaskArn)
	// Just started: not RUNNING yet.
	fresh := aws.ToString(runProbe(t, c, "").Tasks[0].TaskArn)
	if _, err := execSession(t, c, fresh, "/bin/sh"); !errors.As(err, &ipe) || ipe.ErrorMessage() != execNotRunning {
		t.Errorf("task not running yet: %v", err)
	}
	eventually(t, 5*time.Second, "running", func() bool { return aws.ToString(describeTask(t, c, noExec).LastStatus) == "RUNNING" })
	if _, err := execSession(t, c, noExec, "/bin/sh"); !errors.As(err, &ipe) || ipe.ErrorMessage() != execNotRunning {
		t.Errorf("exec not enabled: %v", err)
	}
	if _, err := c.ExecuteCommand(ctx, &ecs.ExecuteCommandInput{Cluster: aws.String("prod"), Task: aws.String(fresh), Command: aws.String("ls")}); !errors.As(err, &ipe) {
		t.Errorf("not interactive: %v", err)
	}

	// Seed 002: the caller's policy denies ecs:ExecuteCommand on the cluster.
	running := runningProbe(t, c)
	mustUpdate(t, srv, func(s *Scenario) {
		s.Outcomes = append(s.Outcomes, &Outcome{API: "ecs:ExecuteCommand", Principal: "arn:aws:iam::123456789012:user/controller", Result: "Denied", Deny: "ExplicitIdentityPolicy"})
	})
	_, err := execSession(t, c, running, "/bin/sh")
	var ad *types.AccessDeniedException
	want := "User: arn:aws:iam::123456789012:user/controller is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod with an explicit deny in an identity-based policy"
	if !errors.As(err, &ad) || ad.ErrorMessage() != want {
		t.Errorf("denied caller:\n got %v\nwant AccessDeniedException: %s", err, want)
	}
}

// TestProbeAnsweredFromOutcomes runs a probe request through ExecuteCommand
// and the real ecsexec client, and reads the answers the scenario gives this
// task's network identity and task role.
func TestProbeAnsweredFromOutcomes(t *testing.T) {
	srv := loadBasic(t)
	mustUpdate(t, srv, func(s *Scenario) {
		s.Exec.TaskRoleSessionName = "123456789012"
		s.Outcomes = []*Outcome{
			{DNS: "sns.ap-northeast-1.amazonaws.com", Result: "OK", Addresses: []string{"10.0.1.169", "10.0.2.248"}},
			{TCP: "sns.ap-northeast-1.amazonaws.com:443", SecurityGroups: []string{"sg-other"}, Result: "OK"},
			{TCP: "sns.ap-northeast-1.amazonaws.com:443", Subnets: []string{"subnet-0c"}, Result: "Timeout"},
			{TCP: "db.internal:5432", Result: "Refused", ElapsedMs: 3},
			{HTTP: "https://api.partner.example/*", Result: "OK", Status: 204, Addresses: []string{"203.0.113.7"}},
			{DNS: "nowhere.example", Result: "Unresolved"},
			{API: "sqs:ListQueues", Principal: "arn:aws:iam::123456789012:role/TaskRole", Result: "Denied"},
			{API: "secretsmanager:ListSecrets", Result: "Denied", Deny: "VPCEndpointPolicy", Code: "AccessDeniedException"},
		}
	})
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	arn := runningProbe(t, c)
	nonce := ecsexec.NewNonce()
	req, err := wire.EncodeRequest(wire.Request{Nonce: nonce, Timeout: 5 * time.Second, Region: "ap-northeast-1", Targets: []wire.Target{
		wire.DNS("d1", "sns.ap-northeast-1.amazonaws.com"),
		wire.TCP("t1", "sns.ap-northeast-1.amazonaws.com", 443),
		wire.TCP("t2", "db.internal", 5432),
		wire.HTTP("h1", "https://api.partner.example/health"),
		wire.DNS("d2", "nowhere.example"),
		wire.AWS("a1", "sqs", "list-queues"),
		wire.AWS("a2", "sts", "get-caller-identity"),
		wire.AWS("a3", "secretsmanager", "list-secrets"),
		wire.AWS("a4", "sns", "list-topics"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := execSession(t, c, arn, wire.ExecCommand(req))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce)
	if err != nil {
		t.Fatalf("session: %v (result %+v)", err, res)
	}
	lines, done, err := wire.ParseOutput(nonce, res.Output+"\nECSCHECK-EXIT "+nonce+" 0\n")
	if err != nil || !done {
		t.Fatalf("parse: %v done=%v output %q", err, done, res.Output)
	}
	check := func(id, status, detail string, elapsed time.Duration) {
		t.Helper()
		l, ok := lines[id]
		if !ok || l.Status != status || l.Detail != detail || (elapsed >= 0 && l.Elapsed != elapsed) {
			t.Errorf("%s = %+v, want %s %q %v", id, l, status, detail, elapsed)
		}
	}
	check("d1", "OK", "10.0.1.169 10.0.2.248", -1)
	check("t1", "TIMEOUT", "10.0.1.169 10.0.2.248", 5*time.Second) // subnet-0c, not sg-other; the resolved addresses, as the script reports them
	check("t2", "REFUSED", "db.internal", 3*time.Millisecond)
	check("h1", "OK", "204 203.0.113.7", -1)
	check("d2", "UNRESOLVED", "Name or service not known", -1)
	check("a1", "ERROR", "\nAn error occurred (AccessDenied) when calling the ListQueues operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: sqs:ListQueues because no identity-based policy allows the sqs:ListQueues action\n", -1)
	check("a2", "OK", "", -1)
	check("a3", "ERROR", "\nAn error occurred (AccessDeniedException) when calling the ListSecrets operation: User: arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012 is not authorized to perform: secretsmanager:ListSecrets with an explicit deny in a VPC endpoint policy\n", -1)
	// The SNS endpoint is unreachable from this task, so the CLI times out
	// before IAM is asked.
	check("a4", "TIMEOUT", "", 5*time.Second)
}

func TestExecSessionFaults(t *testing.T) {
	srv := loadBasic(t)
	c := clientsFor(srv, "AKIDCONTROLLER").ecs
	arn := runningProbe(t, c)
	nonce := ecsexec.NewNonce()
	req, _ := wire.EncodeRequest(wire.Request{Nonce: nonce, Timeout: time.Second, Region: "ap-northeast-1", Targets: []wire.Target{wire.DNS("d", "x.example")}})

	srv.AddExecFault(ExecFault{Times: 1, DisconnectAfterFrames: 1})
	sess, err := execSession(t, c, arn, wire.ExecCommand(req))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce); !errors.Is(err, ecsexec.ErrSessionDropped) {
		t.Errorf("dropped session: want ErrSessionDropped, got %v", err)
	}
	srv.AddExecFault(ExecFault{Times: 1, CloseError: "Session is terminated"})
	sess, _ = execSession(t, c, arn, wire.ExecCommand(req))
	if _, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce); !errors.Is(err, ecsexec.ErrChannelClosed) {
		t.Errorf("closed session: want ErrChannelClosed, got %v", err)
	}
	// Duplicated and reordered frames are the client's to absorb.
	srv.AddExecFault(ExecFault{Times: 1, DuplicateFrames: true, ReorderFrames: true})
	sess, _ = execSession(t, c, arn, wire.ExecCommand(req))
	if res, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce); err != nil || !strings.Contains(res.Output, "ECSCHECK1 "+nonce+" d UNRESOLVED") {
		t.Errorf("duplicated frames: %v %+v", err, res)
	}
}

// TestExecWithKMS: a cluster that configures a KMS key makes the agent ask
// for encryption; the client's data key comes from the fake KMS and the
// agent decrypts it there.
func TestExecWithKMS(t *testing.T) {
	srv := loadBasic(t)
	mustUpdate(t, srv, func(s *Scenario) {
		a := s.Accounts[0]
		a.KMSKeys = append(a.KMSKeys, &KMSKey{ID: "1234abcd-12ab-34cd-56ef-1234567890ab", Aliases: []string{"alias/exec"}})
		a.Clusters[0].ExecuteCommand.KMSKeyID = "arn:aws:kms:ap-northeast-1:123456789012:alias/exec"
	})
	cl := clientsFor(srv, "AKIDCONTROLLER")
	arn := runningProbe(t, cl.ecs)
	nonce := ecsexec.NewNonce()
	req, _ := wire.EncodeRequest(wire.Request{Nonce: nonce, Timeout: time.Second, Region: "ap-northeast-1", Targets: []wire.Target{wire.DNS("d", "x.example")}})

	// The agent decrypts as the task role: without kms:Decrypt on the key
	// (ECS developer guide, ECS Exec IAM permissions) the session fails as
	// the agent reports it.
	sess, err := execSession(t, cl.ecs, arn, wire.ExecCommand(req))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&ecsexec.Client{KMS: cl.kms}).Run(ctxT(t), sess, nonce); err == nil ||
		!strings.Contains(err.Error(), "Fetching data key failed") || !strings.Contains(err.Error(), "kms:Decrypt on resource: arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab") {
		t.Fatalf("task role without kms:Decrypt: %v", err)
	}
	mustUpdate(t, srv, func(s *Scenario) {
		s.Accounts[0].Roles[0].Inline["kms"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}`
	})
	sess, err = execSession(t, cl.ecs, arn, wire.ExecCommand(req))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&ecsexec.Client{KMS: cl.kms}).Run(ctxT(t), sess, nonce)
	if err != nil || !strings.Contains(res.Output, "ECSCHECK1 "+nonce+" d ") {
		t.Fatalf("KMS session: %v %+v", err, res)
	}
	st := srv.ExecSessions()
	if !st[len(st)-1].Encrypted {
		t.Errorf("session not encrypted: %+v", st[len(st)-1])
	}
	if n := srv.Calls()["kms:GenerateDataKey"]; n != 2 { // one per session
		t.Errorf("GenerateDataKey calls = %d", n)
	}
}

// Issue 12, the fake: exec failures derive from their causes. A read-only
// root, a Fargate platform before 1.4.0, or no path to ssmmessages keep
// the agent from RUNNING, and ExecuteCommand answers as ECS documents.
func TestExecAgentNeverRunsWithoutItsPrerequisites(t *testing.T) {
	cases := map[string]struct {
		edit func(*Scenario)
		mut  func(*ecs.RunTaskInput)
	}{
		"read-only root": {edit: func(s *Scenario) {
			s.Accounts[0].TaskDefinitions[0].ContainerDefinitions = []json.RawMessage{json.RawMessage(`{"name":"app","image":"public.ecr.aws/nginx/nginx:latest","readonlyRootFilesystem":true}`)}
		}},
		"platform 1.3.0": {mut: func(in *ecs.RunTaskInput) { in.PlatformVersion = aws.String("1.3.0") }},
		"no path to ssmmessages": {edit: func(s *Scenario) {
			s.Outcomes = append(s.Outcomes, &Outcome{TCP: "ssmmessages.ap-northeast-1.amazonaws.com:443", Result: "Timeout"})
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := loadBasic(t)
			if tc.edit != nil {
				mustUpdate(t, srv, tc.edit)
			}
			c := clientsFor(srv, "AKIDCONTROLLER").ecs
			var muts []func(*ecs.RunTaskInput)
			if tc.mut != nil {
				muts = append(muts, tc.mut)
			}
			arn := aws.ToString(runProbe(t, c, "", muts...).Tasks[0].TaskArn)
			eventually(t, 5*time.Second, "task RUNNING", func() bool { return aws.ToString(describeTask(t, c, arn).LastStatus) == "RUNNING" })
			time.Sleep(200 * time.Millisecond) // past the agent's usual start
			if a := describeTask(t, c, arn).Containers[0].ManagedAgents; len(a) != 1 || aws.ToString(a[0].LastStatus) == "RUNNING" {
				t.Fatalf("agent %+v", a)
			}
			if _, err := execSession(t, c, arn, "ls"); err == nil || !strings.Contains(err.Error(), "execute command agent isn") {
				t.Errorf("ExecuteCommand: %v", err)
			}
		})
	}
}
