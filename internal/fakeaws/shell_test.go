package fakeaws

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/internal/ecsexec"
)

// shellScenario: a probe-like task definition whose start command writes a
// script carried in an environment variable to /tmp/, then waits, as
// DESIGN 3.2's probe does.
const shellScenario = `
region: ap-northeast-1
lifecycle: {provisioning: 10ms, pending: 10ms, execAgent: 10ms, stopping: 10ms}
exec: {shell: true, taskRoleSessionName: "123456789012"}
accounts:
- id: "123456789012"
  roles:
  - name: TaskRole
    inline:
      # Seed 002: what the SSM agent needs for ECS Exec.
      exec: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ["ssmmessages:*"], Resource: "*"}]}
  clusters: [{name: prod}]
  taskDefinitions:
  - family: probe
    taskRoleArn: arn:aws:iam::123456789012:role/TaskRole
    networkMode: awsvpc
    containerDefinitions:
    - name: probe
      image: public.ecr.aws/aws-cli/aws-cli:latest
      entryPoint: [sh, -c]
      command: ['printf "%s\n" "$PROBE_SCRIPT" > /tmp/probe.sh && echo started > /tmp/started && exec tail -f /dev/null']
      environment:
      - {name: PROBE_SCRIPT, value: 'echo "cwd=$(pwd)"; ls /tmp/; echo "args=$*"'}
  - family: crasher
    networkMode: awsvpc
    containerDefinitions:
    - {name: app, image: busybox, command: [sh, -c, "exit 3"]}
outcomes:
- {api: "sns:ListTopics", principal: "arn:aws:iam::123456789012:role/TaskRole", result: Denied}
`

func startShellTask(t *testing.T, c *ecs.Client, family string) string {
	t.Helper()
	out, err := c.RunTask(ctxT(t), &ecs.RunTaskInput{Cluster: aws.String("prod"), TaskDefinition: aws.String(family),
		EnableExecuteCommand: true,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-x"}}}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("run %s: %v %+v", family, err, out)
	}
	return aws.ToString(out.Tasks[0].TaskArn)
}

func execOutput(t *testing.T, c *ecs.Client, arn, command string) string {
	t.Helper()
	nonce := ecsexec.NewNonce()
	// ECS Exec runs the command without a shell, so it names one.
	script := command + ecsexec.ExitMarkerSuffix(nonce)
	sess, err := execSession(t, c, arn, "/bin/sh -c '"+strings.ReplaceAll(script, "'", `'\''`)+"'")
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce)
	if err != nil {
		t.Fatalf("exec %q: %v %+v", command, err, res)
	}
	return res.Output
}

func TestShellModeRunsContainerAndExec(t *testing.T) {
	tmp := t.TempDir()
	sc, err := ParseScenario([]byte(shellScenario))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(sc, WithTempDir(tmp))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := clientsFor(srv, "AKIDANY").ecs
	a, b := startShellTask(t, c, "probe"), startShellTask(t, c, "probe")
	for _, arn := range []string{a, b} {
		id := arn[strings.LastIndex(arn, "/")+1:]
		// The container's /tmp/ is the task's own directory, not the machine's.
		eventually(t, 5*time.Second, "start command", func() bool {
			_, err := os.Stat(filepath.Join(tmp, "task-"+id, "started"))
			return err == nil
		})
		eventually(t, 5*time.Second, "exec agent", func() bool {
			return aws.ToString(describeTask(t, c, arn).Containers[0].ManagedAgents[0].LastStatus) == "RUNNING"
		})
	}
	if _, err := os.Stat("/tmp/probe.sh"); err == nil {
		t.Error("a task wrote to the machine's /tmp")
	}
	out := execOutput(t, c, a, "/bin/sh /tmp/probe.sh one two")
	idA := a[strings.LastIndex(a, "/")+1:]
	if !strings.Contains(out, "cwd="+filepath.Join(tmp, "task-"+idA)) || !strings.Contains(out, "probe.sh") || !strings.Contains(out, "args=one two") {
		t.Errorf("exec output %q", out)
	}
	// No shell between the agent and the command: a pipe is an argument.
	nonce := ecsexec.NewNonce()
	sess, err := execSession(t, c, a, "echo one | tr o 0 "+ecsexec.ExitMarkerSuffix(nonce))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := (&ecsexec.Client{}).Run(ctxT(t), sess, nonce); !strings.Contains(res.Output, "one | tr o 0") {
		t.Errorf("a command without sh -c went through a shell: %v %+v", err, res)
	}

	// StopTask kills the container's processes.
	srv.mu.Lock()
	pid := srv.procs[srv.findTask(idA)].cmd.Process.Pid
	srv.mu.Unlock()
	if _, err := c.StopTask(ctxT(t), &ecs.StopTaskInput{Cluster: aws.String("prod"), Task: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "container killed", func() bool {
		describeTask(t, c, a) // advances the lifecycle
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})

	// A container that exits on its own stops its task, as ECS reports it.
	crash := startShellTask(t, c, "crasher")
	var task types.Task
	eventually(t, 5*time.Second, "crashed task stopped", func() bool {
		task = describeTask(t, c, crash)
		return aws.ToString(task.LastStatus) == "STOPPED"
	})
	if task.StopCode != types.TaskStopCodeEssentialContainerExited || aws.ToInt32(task.Containers[0].ExitCode) != 3 {
		t.Errorf("crashed: %s exit %v", task.StopCode, task.Containers[0].ExitCode)
	}
}

// TestShellModeAWSCLI: the real aws CLI inside a shell-mode task gets the
// task role's credentials from the container credentials endpoint, so a
// denied role prints seed 000's text.
func TestShellModeAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH; CI installs it")
	}
	srv := startScenario(t, shellScenario)
	c := clientsFor(srv, "AKIDANY").ecs
	arn := startShellTask(t, c, "probe")
	eventually(t, 5*time.Second, "exec agent", func() bool {
		return aws.ToString(describeTask(t, c, arn).Containers[0].ManagedAgents[0].LastStatus) == "RUNNING"
	})
	out := execOutput(t, c, arn, "aws sts get-caller-identity --query Arn --output text; aws sns list-topics --region ap-northeast-1")
	if !strings.Contains(out, "arn:aws:sts::123456789012:assumed-role/TaskRole/123456789012\n") {
		t.Errorf("caller identity missing from %q", out)
	}
	want := "An error occurred (AuthorizationError) when calling the ListTopics operation: " + seedDeniedIdentity
	if !strings.Contains(out, want) {
		t.Errorf("output %q\nlacks %q", out, want)
	}
}

func (s *Server) findTask(id string) *Task {
	for _, a := range s.state.Accounts {
		for _, t := range a.Tasks {
			if t.ID == id {
				return t
			}
		}
	}
	return nil
}

// The agent splits an exec command into words and runs it without a shell
// (amazon-ssm-agent, ContainerMode): quotes group, nothing is expanded.
func TestShellWordsSplitsWithoutAShell(t *testing.T) {
	for in, want := range map[string][]string{
		`/bin/sh /tmp/probe.sh QUJD`:                    {"/bin/sh", "/tmp/probe.sh", "QUJD"},
		`/bin/sh -c 'echo a | base64 -d > /tmp/x && y'`: {"/bin/sh", "-c", "echo a | base64 -d > /tmp/x && y"},
		`echo "a \"b\" $HOME" c\ d`:                     {"echo", `a "b" $HOME`, "c d"},
		`ls # a comment`:                                {"ls"},
	} {
		got, err := shellWords(in)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("shellWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := shellWords(`echo 'open`); err == nil {
		t.Error("an unclosed quote was accepted")
	}
}
