package diagnose

import (
	"context"
	"regexp"
	"strings"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// ecrImage matches a private ECR image: account, region, repository.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)`)

// ecrRepo is the registry account, region and repository of an ECR image.
func ecrRepo(image string) (account, region, repo string, ok bool) {
	m := ecrImage.FindStringSubmatch(image)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// execRoleNeeds are the permissions the execution role needs to start a
// task with these containers (seed 001): pulling from ECR, the awslogs
// driver, and secrets from Secrets Manager or SSM Parameter Store.
func execRoleNeeds(region, account string, cs []Container) []permNeed {
	var needs []permNeed
	add := func(action, res, why string) {
		for _, n := range needs {
			if n.action == action && n.resource == res {
				return
			}
		}
		needs = append(needs, permNeed{action: action, resource: res, why: why})
	}
	for _, c := range cs {
		if acct, reg, repo, ok := ecrRepo(c.Image); ok {
			why := "pulling image " + c.Image + " of container " + c.Name
			arn := awsclient.ARN(reg, "ecr", acct, "repository/"+repo, false)
			add("ecr:GetAuthorizationToken", "", why)
			add("ecr:BatchGetImage", arn, why)
			add("ecr:GetDownloadUrlForLayer", arn, why)
		}
		if c.LogDriver == "awslogs" && c.LogOptions["awslogs-group"] != "" {
			g := c.LogOptions["awslogs-group"]
			reg := firstNonEmpty(c.LogOptions["awslogs-region"], region)
			arn := ""
			if account != "" { // without it, only statements on "*" can be judged
				arn = awsclient.ARN(reg, "logs", account, "log-group:"+g+":*", false)
			}
			if strings.EqualFold(c.LogOptions["awslogs-create-group"], "true") {
				add("logs:CreateLogGroup", arn, "container "+c.Name+" sets awslogs-create-group=true, so ECS creates log group "+g+" when the task starts (AmazonECSTaskExecutionRolePolicy does not include this action)")
			}
			why := "the awslogs driver of container " + c.Name + " writing to log group " + g
			add("logs:CreateLogStream", arn, why)
			add("logs:PutLogEvents", arn, why)
		}
		for _, s := range c.Secrets {
			action, arn := secretAccess(s.ValueFrom, region, account)
			add(action, arn, "secret "+s.Name+" of container "+c.Name)
		}
		if c.RepositoryCredentials != "" {
			action, arn := secretAccess(c.RepositoryCredentials, region, account)
			add(action, arn, "the private registry credentials of container "+c.Name)
		}
	}
	return needs
}

// secretAccess is the action and resource that reading a secrets[]
// valueFrom takes: a Secrets Manager secret (ARN, possibly with a JSON key
// suffix) or an SSM parameter (ARN or name).
func secretAccess(valueFrom, region, account string) (action, arn string) {
	if strings.HasPrefix(valueFrom, "arn:") {
		parts := strings.Split(valueFrom, ":")
		if len(parts) >= 7 && parts[2] == "secretsmanager" {
			return "secretsmanager:GetSecretValue", strings.Join(parts[:7], ":")
		}
		if len(parts) >= 6 && parts[2] == "ssm" {
			return "ssm:GetParameters", valueFrom
		}
		return "secretsmanager:GetSecretValue", valueFrom
	}
	if account == "" || region == "" {
		return "ssm:GetParameters", ""
	}
	return "ssm:GetParameters", awsclient.ARN(region, "ssm", account, "parameter/"+strings.TrimPrefix(valueFrom, "/"), false)
}

// startServices are the endpoint services a task's start needs.
func startServices(cs []Container) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range cs {
		if _, _, _, ok := ecrRepo(c.Image); ok {
			add("ecr.api")
			add("ecr.dkr")
			add("s3")
		}
		if c.LogDriver == "awslogs" {
			add("logs")
		}
		for _, s := range c.Secrets {
			if a, _ := secretAccess(s.ValueFrom, "", ""); strings.HasPrefix(a, "ssm:") {
				add("ssm")
			} else {
				add("secretsmanager")
			}
		}
		if c.RepositoryCredentials != "" {
			add("secretsmanager")
		}
	}
	return out
}

// checkExecutionRole reports the permissions the execution role lacks.
func (d *Diagnoser) checkExecutionRole(ctx context.Context, c *awsclient.Clients, n Network, taskArn string, cs []Container, out *collector) error {
	needs := execRoleNeeds(n.Region, n.Account, cs)
	if len(needs) == 0 {
		return nil
	}
	if n.ExecutionRoleArn == "" {
		out.add("", v1alpha1.FindingExecutionRoleMissingPermission, taskArn,
			"The task has no execution role, but %s needs one. Set executionRoleArn in the task definition to a role with the AmazonECSTaskExecutionRolePolicy managed policy (plus what its secrets and log groups need).",
			needs[0].why)
		return nil
	}
	rp, err := d.role(ctx, c, roleArn(n.ExecutionRoleArn, n.Account))
	if err != nil {
		return err
	}
	if rp.missing {
		out.add("", v1alpha1.FindingExecutionRoleMissingPermission, rp.arn,
			"Execution role %s does not exist, so ECS cannot pull images, write logs or read secrets for the task. Create it with the AmazonECSTaskExecutionRolePolicy managed policy, or point executionRoleArn at an existing role.", rp.arn)
		return nil
	}
	gaps, _ := d.roleGaps(ctx, c, n, rp, needs)
	for _, g := range gaps {
		addExecGap(out, rp, g)
	}
	return nil
}

func addExecGap(out *collector, rp *rolePolicies, g permGap) {
	res := orAny(g.need.resource)
	switch {
	case g.decision == decExplicitDeny:
		out.add(strings.ToLower(g.need.action), v1alpha1.FindingExecutionRoleMissingPermission, rp.arn,
			"Execution role %s is denied %s on %s by %s (%s), which %s needs. Remove %s from that Deny statement or narrow it.",
			rp.name, g.need.action, res, firstNonEmpty(g.denyText(), "a Deny statement"), g.evidence(rp), g.need.why, g.need.action)
	case g.byBoundary:
		out.add(strings.ToLower(g.need.action), v1alpha1.FindingExecutionRoleMissingPermission, rp.arn,
			"The permissions boundary of execution role %s does not allow %s on %s (%s), which %s needs. Add %s to the boundary policy.",
			rp.name, g.need.action, res, g.evidence(rp), g.need.why, g.need.action)
	default:
		out.add(strings.ToLower(g.need.action), v1alpha1.FindingExecutionRoleMissingPermission, rp.arn,
			"Execution role %s has no policy allowing %s on %s (%s); %s. Add %s on %s to the role, e.g. {\"Effect\":\"Allow\",\"Action\":\"%s\",\"Resource\":\"%s\"}.",
			rp.name, g.need.action, res, g.evidence(rp), g.need.why, g.need.action, res, g.need.action, res)
	}
}
