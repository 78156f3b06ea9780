package wire

import (
	"encoding/base64"
	"strings"
)

// ExecCommand is the ECS Exec command for a probe task whose start command
// already wrote the script to ScriptPath. ECS Exec does not use a shell unless
// asked, so the command names one; the base64 request is a single word that
// needs no quoting.
func ExecCommand(requestB64 string) string {
	return "/bin/sh " + ScriptPath + " " + requestB64
}

// InlineExecCommand carries the script itself, base64-encoded, for a task
// that ecscheck did not start (execInto: ServiceTask). Both base64 words are
// free of quotes and shell metacharacters by construction.
func InlineExecCommand(script []byte, requestB64 string) string {
	s := base64.StdEncoding.EncodeToString(script)
	return "/bin/sh -c 'echo " + s + " | base64 -d > " + ScriptPath + " && /bin/sh " + ScriptPath + " " + requestB64 + "'"
}

// RequestFromCommand returns the base64 request carried by a command built by
// ExecCommand or InlineExecCommand: the last word, without quotes.
func RequestFromCommand(cmd string) (string, bool) {
	if !strings.Contains(cmd, ScriptPath) {
		return "", false
	}
	f := strings.Fields(cmd)
	last := strings.Trim(f[len(f)-1], `'"`)
	if _, err := base64.StdEncoding.DecodeString(last); err != nil || last == "" {
		return "", false
	}
	return last, true
}

// ScriptFromCommand returns the script carried by an InlineExecCommand.
func ScriptFromCommand(cmd string) ([]byte, bool) {
	_, rest, ok := strings.Cut(cmd, "echo ")
	if !ok {
		return nil, false
	}
	w, _, _ := strings.Cut(rest, " ")
	b, err := base64.StdEncoding.DecodeString(w)
	return b, err == nil
}
