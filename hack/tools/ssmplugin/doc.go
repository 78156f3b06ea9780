// Package ssmplugin proves internal/ecsexec against the real session-manager-plugin:
//
//   - differential_test.go: frames encoded by ecsexec decode with the plugin's own
//     message package and the other way round, for every message type, including
//     the acks and handshake answers the ecsexec client actually sends;
//   - plugin_test.go: builds the plugin's main package from its Go module, runs it
//     the way the AWS CLI does for `aws ecs execute-command` against the fake agent
//     (internal/ecsexec/fakeagent) on 127.0.0.1, in plain, handshake and
//     handshake-with-KMS modes, and checks that it prints the output and exits 0.
//
// Run with:
//
//	cd hack/tools/ssmplugin && go test ./...
//
// The first run compiles the plugin (about 30 s on two cores); later runs use the
// build cache. Nothing leaves loopback. The plugin is imported only here, never by
// the product: it calls os.Exit and prints to stdout.
package ssmplugin
