// Package fakeaws is a wire-level fake of the parts of AWS that ecscheck
// talks to: ECS (awsJson1_1), EC2 (ec2 query, XML replies), IAM and STS
// (awsQuery), KMS and SSM (awsJson1_1), and the handful of read-only calls a
// probe makes from inside a task (SNS, SQS, S3, Secrets Manager, STS).
//
// The real aws-sdk-go-v2 clients and the real aws CLI talk HTTP to it through
// one loopback listener (AWS_ENDPOINT_URL / BaseEndpoint). Requests are routed
// by protocol: the X-Amz-Target header for JSON protocols, otherwise the
// SigV4 credential scope's service name plus the Action= form field. The
// caller's identity comes from the access key in the SigV4 scope, so several
// accounts and assumed roles can be told apart.
//
// The world is described by a Scenario (YAML) and can be changed at run time
// through the Go admin API (Server.Update, SetFault, Calls) or its HTTP mirror
// under /_admin/. ECS Exec sessions are served by the fake agent of package
// internal/ecsexec/fakeagent, mounted on the same listener under
// /v1/data-channel/ (the path the agent registers sessions at, mirroring
// ssmmessages), so ExecuteCommand returns ws://127.0.0.1:PORT/v1/data-channel/...
package fakeaws
