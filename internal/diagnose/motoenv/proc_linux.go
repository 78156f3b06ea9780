package motoenv

import (
	"os/exec"
	"syscall"
)

// setProcAttr kills moto_server with the test binary, even when the test
// binary dies on a timeout without running its cleanup.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
