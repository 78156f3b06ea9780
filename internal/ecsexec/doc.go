// Package ecsexec runs a command inside an ECS task through ECS Exec by speaking the
// Session Manager data-channel protocol itself, instead of shelling out to
// session-manager-plugin (which prints to stdout and calls os.Exit).
//
// ECS ExecuteCommand returns a session (ID, stream URL, token). Client.Run dials the
// stream URL, opens the data channel with the token, answers the agent's handshake
// (including KMS encryption when the cluster asks for it), acknowledges and orders the
// agent's output, and returns the output together with the exit status that the
// command printed as a marker line, because ECS Exec itself reports no exit code.
//
// The wire format (Frame, DecodeFrame) and the JSON payloads are exported so that the
// fake agent in package fakeagent and the differential tests against the real plugin
// use exactly the codec the client uses.
package ecsexec
