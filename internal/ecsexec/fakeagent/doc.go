// Package fakeagent is the agent side of the Session Manager data channel, for tests
// and the sandbox: it serves ECS Exec sessions over a websocket the way the SSM agent
// (behind the ssmmessages service) does, answers commands with a pluggable Executor,
// and injects the faults a client must survive or report.
//
// It shares the wire codec of package ecsexec, whose correctness against the real
// plugin is proven separately (hack/tools/ssmplugin), but implements the agent's
// behaviour (handshake, sequencing, retransmission, encryption) on its own.
package fakeagent
