// Package diagnose explains a failed check down to the AWS resource that
// causes it (DESIGN section 2): it reads the VPC's routes, network ACLs,
// security groups and endpoints, and the IAM policies of the task and
// execution roles, and returns findings {code, resource, message} whose
// message names the resource IDs and the change that fixes them.
//
// The package depends only on the API types and the awsclient interfaces;
// its inputs (Network, the Failure variants, TaskStop, ExecState) are plain
// values the controller fills from the probe's results and from ECS, so the
// diagnosis can be tested against any EC2/IAM implementation (moto in the
// tests here, the fake AWS in the controller's).
//
// Reads are cached per VPC and per role for a short TTL: a burst of failures
// in one run costs one read of the VPC's state.
package diagnose
