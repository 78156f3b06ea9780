package motoenv

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TaskTrust lets ECS tasks assume a role.
const TaskTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// ExecutionRolePolicy is the managed policy most execution roles carry.
const ExecutionRolePolicy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// Role creates a role ECS tasks can assume, with an optional permissions
// boundary, and returns its ARN.
func (e *Env) Role(name, boundary string) string {
	e.T.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(TaskTrust)}
	if boundary != "" {
		in.PermissionsBoundary = aws.String(boundary)
	}
	out, err := e.IAM.CreateRole(e.Ctx, in)
	e.check("CreateRole "+name, err)
	return aws.ToString(out.Role.Arn)
}

// PutRolePolicy sets an inline policy.
func (e *Env) PutRolePolicy(role, name, doc string) {
	e.T.Helper()
	_, err := e.IAM.PutRolePolicy(e.Ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	e.check("PutRolePolicy "+name, err)
}

// DeleteRolePolicy removes an inline policy.
func (e *Env) DeleteRolePolicy(role, name string) {
	e.T.Helper()
	_, err := e.IAM.DeleteRolePolicy(e.Ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	e.check("DeleteRolePolicy "+name, err)
}

// AttachRolePolicy attaches a managed policy.
func (e *Env) AttachRolePolicy(role, arn string) {
	e.T.Helper()
	_, err := e.IAM.AttachRolePolicy(e.Ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(arn)})
	e.check("AttachRolePolicy "+arn, err)
}

// Policy creates a customer managed policy and returns its ARN.
func (e *Env) Policy(name, doc string) string {
	e.T.Helper()
	out, err := e.IAM.CreatePolicy(e.Ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
	e.check("CreatePolicy "+name, err)
	return aws.ToString(out.Policy.Arn)
}
