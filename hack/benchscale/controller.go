package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// controller is the ecscheck binary running as a subprocess in its own
// process group, killed with the benchmark if the benchmark dies.
type controller struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited is closed
}

// flagSupported asks the binary whether it knows a flag, hidden ones
// included: it parses `-name=value -help`, which the flag package rejects
// with "flag provided but not defined" when the flag does not exist, and
// answers with its usage otherwise.
func flagSupported(ctx context.Context, bin, name, value string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-"+name+"="+value, "-help").CombinedOutput()
	if ctx.Err() != nil {
		return false, fmt.Errorf("%s -help did not answer within 10 s", bin)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return false, fmt.Errorf("running %s: %w", bin, err)
	}
	text := string(out)
	return !strings.Contains(text, "provided but not defined") && !strings.Contains(text, "unknown flag"), nil
}

// startController runs bin with args and env, its output to log.
func startController(bin string, args, env []string, log io.Writer) (*controller, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so a Ctrl-C at the terminal reaches the
	// benchmark, which stops the controller last-in-first-out; Pdeathsig
	// kills it if the benchmark itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the controller %s: %w", bin, err)
	}
	c := &controller{cmd: cmd, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop asks the controller's process group to stop, then kills it.
func (c *controller) stop() {
	pid := c.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-c.exited
	}
}

// exitError describes an early exit.
func (c *controller) exitError() error {
	return fmt.Errorf("the controller exited during the run: %w", c.err)
}

// rssBytes is the controller's resident set (VmRSS of /proc/<pid>/status).
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// userHZ is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which Linux fixes at 100 for user space on every architecture Go
// supports (proc(5), "clock ticks"; sysconf(_SC_CLK_TCK)).
const userHZ = 100

// cpuTime is the controller's user + system CPU time, all threads (fields
// 14 and 15 of /proc/<pid>/stat, counted after the parenthesised command
// name, which may itself hold spaces).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable utime/stime in /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
