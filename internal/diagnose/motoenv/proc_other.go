//go:build !linux

package motoenv

import "os/exec"

func setProcAttr(*exec.Cmd) {}
