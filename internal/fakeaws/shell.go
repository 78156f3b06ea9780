package fakeaws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Shell mode runs a task's container command, and the exec commands sent
// to it, with the local /bin/sh, so the real probe script can be tested
// against the fake. Each task gets its own directory, which stands in for
// /tmp/; the processes get AWS_ENDPOINT_URL and container credentials that
// the fake maps back to the task role.

type shellProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// kill ends the whole process group and waits briefly for it.
func (p *shellProc) kill() {
	if p.cmd.Process != nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // already gone is fine
	}
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
	}
}

// tmpRef matches /tmp/ where a path starts: at the start, after white space,
// a quote, = or a redirection. A /tmp/ inside a base64 word (possible, if
// rare) is left alone.
var tmpRef = regexp.MustCompile(`(^|[\s'"=<>:;(|&])/tmp/`)

func (s *Server) taskDir(t *Task) string { return filepath.Join(s.tmpDir, "task-"+t.ID) }

func (s *Server) rewriteTmp(t *Task, cmd string) string {
	return tmpRef.ReplaceAllString(cmd, "${1}"+s.taskDir(t)+"/")
}

// shellEnv is the environment of a task's processes: the container's
// variables, the fake's endpoint and the task's credentials, and just
// enough of ours (PATH, pyenv) to find the aws CLI.
func (s *Server) shellEnv(t *Task, container *containerDef) []string {
	env := []string{
		"HOME=" + s.taskDir(t),
		"TMPDIR=" + s.taskDir(t),
		"AWS_ENDPOINT_URL=" + s.url,
		"AWS_REGION=" + t.Region,
		"AWS_DEFAULT_REGION=" + t.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	}
	for _, k := range []string{"PATH", "LANG", "LC_ALL", "PYENV_ROOT", "PYENV_VERSION", "PYENV_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if tok, auth := s.containerCredentials(t); tok != "" {
		env = append(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI="+s.url+credsPathPrefix+tok,
			"AWS_CONTAINER_AUTHORIZATION_TOKEN="+auth)
	}
	if container != nil {
		// Values get /tmp/ rewritten too: a script carried in a variable
		// must not escape the task's directory either.
		for _, e := range container.Environment {
			env = append(env, e.Name+"="+s.rewriteTmp(t, e.Value))
		}
	}
	return env
}

// containerArgv is the container's command line, as ECS builds it from the
// entry point and the command.
func containerArgv(c *containerDef) []string {
	return append(append([]string{}, c.EntryPoint...), c.Command...)
}

// shellCommand turns an argv into what local /bin/sh -c runs: a shell's
// -c script is run as is (bash keeps bash), anything else is quoted.
func shellCommand(argv []string) (shell, script string, args []string) {
	if len(argv) >= 3 && argv[1] == "-c" {
		switch filepath.Base(argv[0]) {
		case "sh":
			return "/bin/sh", argv[2], argv[3:]
		case "bash":
			if _, err := os.Stat("/bin/bash"); err == nil {
				return "/bin/bash", argv[2], argv[3:]
			}
			return "/bin/sh", argv[2], argv[3:]
		}
	}
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return "/bin/sh", strings.Join(q, " "), nil
}

// startShell starts the essential container's command; when it exits on
// its own the task stops with EssentialContainerExited. Called with s.mu held.
func (s *Server) startShell(a *Account, t *Task, td *TaskDefinition) error {
	if err := os.MkdirAll(s.taskDir(t), 0o700); err != nil {
		return err
	}
	cs := parseContainers(td)
	if len(cs) == 0 {
		return errors.New("task definition has no container")
	}
	c := &cs[0]
	argv := containerArgv(c)
	if len(argv) == 0 {
		argv = []string{"tail", "-f", "/dev/null"} // an image's default command, for our purposes
	}
	for i := range argv {
		argv[i] = s.rewriteTmp(t, argv[i])
	}
	shell, script, args := shellCommand(argv)
	cmd := exec.Command(shell, append([]string{"-c", script, "container"}, args...)...)
	cmd.Dir = s.taskDir(t)
	cmd.Env = s.shellEnv(t, c)
	logf, err := os.Create(filepath.Join(s.taskDir(t), "container.log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	p := &shellProc{cmd: cmd, done: make(chan struct{})}
	s.procs[t] = p
	go func() {
		err := cmd.Wait()
		logf.Close()
		close(p.done)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.procs[t] != p {
			return // killed by StopTask or Close
		}
		delete(s.procs, t)
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		s.requestStop(t, "EssentialContainerExited", "Essential container in task exited", &code)
	}()
	return nil
}

// shellExec runs an exec command in the task's environment, stdout and
// stderr together as a pty would deliver them.
func (s *Server) shellExec(ctx context.Context, t *Task, command string) ([]byte, error) {
	s.mu.Lock()
	var c *containerDef
	for _, a := range s.state.Accounts {
		if td := a.taskDefinition(t.Region, t.TaskDefinition); td != nil && a.task(t.Region, clusterName(t.Cluster), t.ID) == t {
			if cs := parseContainers(td); len(cs) > 0 {
				c = &cs[0]
			}
		}
	}
	env := s.shellEnv(t, c)
	cmdline := s.rewriteTmp(t, command)
	dir := s.taskDir(t)
	s.mu.Unlock()
	// The agent in a container runs the command without a shell: it
	// splits it like a shell word list and executes the first word
	// (amazon-ssm-agent agent/session/shell/shell_unix.go, ContainerMode:
	// shlex.Split, then exec.Command). Pipes, && and redirections only
	// work inside an explicit "/bin/sh -c '...'".
	argv, err := shellWords(cmdline)
	if err != nil || len(argv) == 0 {
		return []byte(fmt.Sprintf("Failed to parse commands input: %v\n", err)), nil
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out, nil // a failing command is output, as in a real session
	}
	if err != nil && cmd.ProcessState == nil {
		// Not started (no such executable): the agent's pty reports it.
		return []byte(err.Error() + "\n"), nil
	}
	return out, err
}

// shellWords splits a command line as a POSIX shell splits words, without
// expanding anything: blanks separate words; single quotes keep text
// as is; double quotes keep text but let a backslash escape " \ $ `;
// a backslash outside quotes escapes the next character; # at a word's
// start comments out the rest (what google/shlex, which the agent uses,
// does for these inputs).
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '#' && !inWord:
			return words, nil
		case ch == '\\':
			if i+1 >= len(line) {
				return nil, errors.New("EOF found after escape character")
			}
			i++
			cur.WriteByte(line[i])
			inWord = true
		case ch == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("EOF found when expecting closing quote")
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errors.New("EOF found when expecting closing quote")
			}
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
