package diagnose

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// ECS Exec needs more than ssmmessages when the cluster says so (ECS
// developer guide, "Monitor Amazon ECS containers with ECS Exec", IAM
// permissions): executeCommandConfiguration.kmsKeyId needs kms:Decrypt on
// the key for the task role, kms:GenerateDataKey for whoever calls
// ExecuteCommand, and a path to KMS from the task; logging DEFAULT (with
// awslogs containers) or OVERRIDE needs the task role's logs actions on the
// log group, or S3 actions on the bucket.

var execLogsActions = []string{"logs:DescribeLogGroups", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}

var execS3Actions = []string{"s3:GetBucketLocation", "s3:GetEncryptionConfiguration", "s3:PutObject"}

// execClusterConfig reads the cluster's executeCommandConfiguration; nil
// when there is none or it cannot be read.
func execClusterConfig(ctx context.Context, c *awsclient.Clients, cluster string) *ecstypes.ExecuteCommandConfiguration {
	if cluster == "" || c == nil || c.ECS == nil {
		return nil
	}
	out, err := c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{cluster},
		Include: []ecstypes.ClusterField{ecstypes.ClusterFieldConfigurations}})
	if err != nil || len(out.Clusters) == 0 || out.Clusters[0].Configuration == nil {
		return nil
	}
	return out.Clusters[0].Configuration.ExecuteCommandConfiguration
}

// checkExecConfig reports what the cluster's KMS key and session logging
// need of the task role, the controller and the network.
func (d *Diagnoser) checkExecConfig(ctx context.Context, c *awsclient.Clients, n Network, e ExecState, subject string, out *collector) error {
	cfg := execClusterConfig(ctx, c, e.Cluster)
	if cfg == nil {
		return nil
	}
	var rp *rolePolicies
	if n.TaskRoleArn != "" {
		r, err := d.role(ctx, c, roleArn(n.TaskRoleArn, n.Account))
		if err != nil {
			return err
		}
		if !r.missing {
			rp = r
		}
	}
	if key := aws.ToString(cfg.KmsKeyId); key != "" {
		if err := d.checkExecKMS(ctx, c, n, e, subject, rp, kmsKeyResource(key, n.Region, n.Account), out); err != nil {
			return err
		}
	}
	if rp != nil {
		d.checkExecLogging(ctx, c, n, e, subject, rp, cfg, out)
	}
	return nil
}

// kmsKeyResource is the ARN a key reference stands for in policies; ""
// for aliases (the key behind them is what policies name).
func kmsKeyResource(ref, region, account string) string {
	switch {
	case strings.HasPrefix(ref, "arn:") && strings.Contains(ref, ":key/"):
		return ref
	case strings.Contains(ref, "alias/"), account == "":
		return ""
	}
	return awsclient.ARN(region, "kms", account, "key/"+strings.TrimPrefix(ref, "key/"), false)
}

func (d *Diagnoser) checkExecKMS(ctx context.Context, c *awsclient.Clients, n Network, e ExecState, subject string, rp *rolePolicies, key string, out *collector) error {
	keyName := firstNonEmpty(key, "the cluster's KMS key")
	if rp != nil {
		gaps, _ := d.roleGaps(ctx, c, n, rp, []permNeed{{action: "kms:Decrypt", resource: key, why: "ECS Exec's session encryption"}})
		if len(gaps) > 0 {
			out.add("", v1alpha1.FindingTaskRoleMissingExecKMS, rp.arn,
				"Cluster %s encrypts ECS Exec sessions with %s, and task role %s of %s may not kms:Decrypt it (%s), so the agent cannot open the session's data key. Add {\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":\"%s\"} to the task role (and allow the role in the key policy).",
				firstNonEmpty(e.Cluster, "<cluster>"), keyName, rp.name, subject, gaps[0].evidence(rp), orAny(key))
		}
	}
	if c.RoleArn != "" {
		ctl, err := d.role(ctx, c, c.RoleArn)
		if err != nil {
			return err
		}
		if !ctl.missing {
			if gaps, _ := d.roleGaps(ctx, c, Network{Region: n.Region}, ctl, []permNeed{{action: "kms:GenerateDataKey", resource: key}}); len(gaps) > 0 {
				out.add("", v1alpha1.FindingControllerMissingExecKMS, ctl.arn,
					"Cluster %s encrypts ECS Exec sessions with %s, and the controller's role %s may not kms:GenerateDataKey with it (%s); the side that opens the session generates the data key. Allow kms:GenerateDataKey on %s for the controller's role.",
					firstNonEmpty(e.Cluster, "<cluster>"), keyName, ctl.name, gaps[0].evidence(ctl), orAny(key))
			}
		}
	}
	if len(n.Subnets) == 0 {
		return nil
	}
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return err
	}
	p := &pathEval{ctx: ctx, r: &reader{ec2: c.EC2}, n: n, st: st, out: out}
	for _, subnet := range n.evalSubnets() {
		if err := p.reachService(subnet, "kms", v1alpha1.FindingNoPathToKMS, "ECS Exec's agent in "+subject+" (the cluster's sessions are KMS-encrypted)"); err != nil {
			return err
		}
	}
	return nil
}

// checkExecLogging: where the session output goes, the task role writes it.
func (d *Diagnoser) checkExecLogging(ctx context.Context, c *awsclient.Clients, n Network, e ExecState, subject string, rp *rolePolicies, cfg *ecstypes.ExecuteCommandConfiguration, out *collector) {
	var needs []permNeed
	addLogs := func(group, why string) {
		arn := ""
		if n.Account != "" {
			arn = awsclient.ARN(n.Region, "logs", n.Account, "log-group:"+group+":*", false)
		}
		for _, a := range execLogsActions {
			res := arn
			if a == "logs:DescribeLogGroups" {
				res = "" // a list call: authorized on "*"
			}
			needs = append(needs, permNeed{action: a, resource: res, why: why})
		}
	}
	switch cfg.Logging {
	case ecstypes.ExecuteCommandLoggingNone:
		return
	case ecstypes.ExecuteCommandLoggingOverride:
		lc := cfg.LogConfiguration
		if lc == nil {
			return
		}
		if g := aws.ToString(lc.CloudWatchLogGroupName); g != "" {
			addLogs(g, "logging ECS Exec sessions to log group "+g)
		}
		if b := aws.ToString(lc.S3BucketName); b != "" {
			for _, a := range execS3Actions {
				res := awsclient.ARN(n.Region, "s3", "", b, true)
				if a == "s3:PutObject" {
					res += "/*"
				}
				needs = append(needs, permNeed{action: a, resource: res, why: "logging ECS Exec sessions to bucket " + b})
			}
		}
	default: // DEFAULT: the awslogs configuration of the task definition
		for _, ct := range e.Containers {
			if g := ct.LogOptions["awslogs-group"]; ct.LogDriver == "awslogs" && g != "" {
				addLogs(g, "logging ECS Exec sessions to the awslogs group "+g+" of container "+ct.Name)
			}
		}
	}
	if len(needs) == 0 {
		return
	}
	gaps, _ := d.roleGaps(ctx, c, n, rp, needs)
	if len(gaps) == 0 {
		return
	}
	var missing []string
	for _, g := range gaps {
		missing = append(missing, g.need.action)
	}
	out.add("", v1alpha1.FindingTaskRoleMissingExecLogging, rp.arn,
		"Cluster %s logs ECS Exec sessions (logging %s), and task role %s of %s does not allow %s (%s), which %s needs; the session fails when the agent cannot write its log. Allow those actions to the task role, or set the cluster's executeCommandConfiguration logging to NONE.",
		firstNonEmpty(e.Cluster, "<cluster>"), firstNonEmpty(string(cfg.Logging), "DEFAULT"), rp.name, subject, joinList(missing), gaps[0].evidence(rp), gaps[0].need.why)
}
