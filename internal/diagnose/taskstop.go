package diagnose

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

// DiagnoseTaskStop explains a stopped task of the probe or the service:
// a finding for the stop itself, followed by the network and permission
// findings that explain it. Stops that are not failures yield nothing.
// On an AWS error it returns what it found so far with the error.
func (d *Diagnoser) DiagnoseTaskStop(ctx context.Context, c *awsclient.Clients, n Network, t TaskStop) ([]v1alpha1.Finding, error) {
	n = normalize(c, n)
	reason := stopReason(t)
	code := awstext.FailureCode(t.StopCode, reason)
	if code == "" {
		return nil, nil
	}
	out := newCollector()
	switch code {
	case v1alpha1.FindingEssentialContainerExited:
		out.add("", code, t.TaskArn, "Task %s stopped: %s%s. The task started and the application stopped: read the container's logs%s and fix the application or its command; this is not a network or permission problem of the task's start.",
			t.TaskArn, reason, exits(t.Containers), logHint(t.Containers))
		return out.result(), nil
	case v1alpha1.FindingELBHealthCheckFailed:
		out.add("", code, t.TaskArn, "Task %s stopped: %s. The task started but did not pass the target group's health checks: check the health check path, port and grace period, that the application answers on it, and that the task's security groups (%s) allow the load balancer's security group in on the container port.",
			t.TaskArn, reason, joinList(n.SecurityGroups))
		return out.result(), nil
	}
	if code == v1alpha1.FindingResourceInitialization && eniFailure(reason) {
		return d.explainENI(ctx, c, n, t, reason, out)
	}
	causes := newCollector()
	err := d.explainStart(ctx, c, n, t, reason, causes)
	next := "; the findings that follow name what is missing."
	if len(causes.result()) == 0 && err == nil {
		next = "; nothing in the VPC or the roles explains it now (it may have been fixed since the task stopped)."
	}
	if code == v1alpha1.FindingCannotPullContainer {
		imgs := images(t.Containers)
		if len(imgs) == 0 { // the probe's stop comes without its containers
			if m := refRE.FindStringSubmatch(reason); m != nil {
				imgs = []string{m[1]}
			} else {
				imgs = []string{"the task's containers"}
			}
		}
		out.add("", code, t.TaskArn, "Task %s stopped: %s. ECS could not pull the image of %s: the task needs a network path to the registry (for ECR: ecr.api, ecr.dkr and the S3 bucket with the layers) and an execution role allowed to pull%s",
			t.TaskArn, reason, joinList(imgs), next)
	} else {
		out.add("", code, t.TaskArn, "Task %s stopped: %s. ECS could not prepare the task (registry authentication, secrets, log group)%s",
			t.TaskArn, reason, next)
	}
	out.merge(causes.result())
	return out.result(), err
}

// refRE finds the image a CannotPullContainerError names ("failed to
// resolve ref public.ecr.aws/aws-cli/aws-cli:latest: ...").
var refRE = regexp.MustCompile(`(?:resolve ref|pull image manifest for|image) "?([a-z0-9][^\s"]*?)"?:\s`)

// stopReason is the task's stoppedReason, or a container's reason when
// only that one says what failed ("Task failed to start" on the task,
// "CannotPullContainerError: ..." on the container).
func stopReason(t TaskStop) string {
	if awstext.FailureCode(t.StopCode, t.StoppedReason) != "" {
		return t.StoppedReason
	}
	for _, ct := range t.Containers {
		if awstext.FailureCode("", ct.Reason) != "" {
			return ct.Reason
		}
	}
	return t.StoppedReason
}

// explainStart checks everything a task's start needs: the execution
// role's permissions and a path to each AWS service involved, then what
// the stop reason itself quotes (an address that timed out, an
// AccessDenied of the execution role).
func (d *Diagnoser) explainStart(ctx context.Context, c *awsclient.Clients, n Network, t TaskStop, reason string, out *collector) error {
	if err := d.checkExecutionRole(ctx, c, n, t.TaskArn, t.Containers, out); err != nil {
		return err
	}
	d.quotedDenial(ctx, c, n, reason, out)
	if len(n.Subnets) == 0 {
		return nil
	}
	st, err := d.vpc(ctx, c, n)
	if err != nil {
		return err
	}
	p := &pathEval{ctx: ctx, r: &reader{ec2: c.EC2}, n: n, st: st, out: out}
	services := startServices(t.Containers)
	if strings.Contains(strings.ToLower(reason), "kms") {
		services = append(services, "kms")
	}
	for _, subnet := range n.evalSubnets() {
		for _, svc := range services {
			if err := p.reachService(subnet, svc, v1alpha1.FindingMissingVPCEndpoint, "Starting "+shortTask(t.TaskArn)); err != nil {
				return err
			}
		}
		p.checkLayerPolicy(subnet, t.Containers)
		if ext := externalImages(t.Containers); len(ext) > 0 {
			p.checkInternetForImages(subnet, ext)
		}
		if addr, port, host, ok := quotedDial(reason); ok {
			svc, _ := ServiceFromHost(host)
			label := addr.String()
			if host != "" {
				label += " (" + host + ")"
			}
			if err := p.check(subnet, dest{prefix: hostPrefix(addr), port: port, service: svc, label: label}); err != nil {
				return err
			}
		}
	}
	return nil
}

// eniFailure: the task's network interface could not be set up
// ("ResourceInitializationError: failed to configure ENI: failed to setup
// regular eni: netplugin failed ...", "Timeout waiting for network
// interface provisioning to complete"; ECS developer guide, "Amazon ECS
// stopped tasks error messages"). That happens before any image, secret
// or log group is touched, so none of those explains it.
func eniFailure(reason string) bool {
	r := strings.ToLower(reason)
	for _, s := range []string{"failed to configure eni", "netplugin", "network interface provisioning", "eni attachment", "failed to setup regular eni", "failed to set up eni"} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// explainENI reports an ENI failure and the subnets that cannot give the
// task an address.
func (d *Diagnoser) explainENI(ctx context.Context, c *awsclient.Clients, n Network, t TaskStop, reason string, out *collector) ([]v1alpha1.Finding, error) {
	causes := newCollector()
	var err error
	if len(n.Subnets) > 0 {
		var st *vpcState
		if st, err = d.vpc(ctx, c, n); err == nil {
			for _, id := range n.evalSubnets() {
				if sn, ok := st.subnets[id]; ok && sn.AvailableIpAddressCount != nil && *sn.AvailableIpAddressCount == 0 {
					causes.add("", v1alpha1.FindingSubnetNoFreeAddresses, id,
						"Subnet %s (%s) has no free IP address, so ECS cannot create the task's network interface. Add subnets with free addresses to the service's network configuration, or free addresses in %s.",
						id, aws.ToString(sn.CidrBlock), id)
				}
			}
		}
	}
	next := " Check that the subnets have free IP addresses and that the account's network interface quota is not reached; the subnets and security groups must exist in the task's VPC."
	if len(causes.result()) > 0 {
		next = " The findings that follow name the cause."
	}
	out.add("", v1alpha1.FindingResourceInitialization, t.TaskArn,
		"Task %s stopped: %s. ECS could not set up the task's network interface (ENI) in %s; this happens before images, secrets or log groups are used, so none of them is the cause.%s",
		t.TaskArn, reason, joinList(n.evalSubnets()), next)
	out.merge(causes.result())
	return out.result(), err
}

var (
	// dialRe finds the address a stop reason says it dialled: IPv4, or
	// IPv6 in brackets as Go prints it ("dial tcp [2600:1f18::1]:443").
	dialRe = regexp.MustCompile(`dial tcp (?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9A-Fa-f:.]+)\]):(\d+)`)
	hostRe = regexp.MustCompile(`https?://([a-z0-9.-]+\.amazonaws\.com)`)
)

// quotedDial is the address a stop reason says timed out ("dial tcp
// 52.119.x.x:443: i/o timeout"), with the AWS host it quotes if any.
func quotedDial(reason string) (a netip.Addr, port int32, host string, ok bool) {
	m := dialRe.FindStringSubmatch(reason)
	if m == nil {
		return a, 0, "", false
	}
	addr, err := netip.ParseAddr(firstNonEmpty(m[1], m[2]))
	if err != nil {
		return a, 0, "", false
	}
	var p int32
	_, _ = fmt.Sscan(m[3], &p) // the pattern matched digits
	if h := hostRe.FindStringSubmatch(reason); h != nil {
		host = h[1]
	}
	return addr, p, host, true
}

// quotedDenial turns an AccessDenied quoted in a stop reason into a
// finding: AWS has already named the action, the resource and the policy
// type.
func (d *Diagnoser) quotedDenial(ctx context.Context, c *awsclient.Clients, n Network, reason string, out *collector) {
	den, ok := parseDenial(reason)
	if !ok {
		return
	}
	if den.code == v1alpha1.FindingAccessDeniedVPCEndpointPolicy {
		svc, _, _ := strings.Cut(den.action, ":")
		if fs, err := d.endpointPolicyDenial(ctx, c, n, APIDenial{Service: svc, Message: reason}, den, roleArn(n.ExecutionRoleArn, n.Account)); err == nil {
			out.merge(fs)
		}
		return
	}
	role := roleArn(firstNonEmpty(n.ExecutionRoleArn, den.principal), n.Account)
	if den.keyPolicy {
		// The role's own policies may allow kms:Decrypt and the key still
		// refuse it: this is about the key, whatever the role says.
		out.add(strings.ToLower(den.action), v1alpha1.FindingAccessDeniedResourcePolicy, firstNonEmpty(den.resource, role),
			"%s", keyPolicyMessage("ECS was refused "+den.action+" with the execution role "+roleName(role), den, role))
		return
	}
	if d.roleAllows(ctx, c, role, den.action, den.resource) {
		return // fixed since the task stopped
	}
	out.add(strings.ToLower(den.action), v1alpha1.FindingExecutionRoleMissingPermission, role,
		"ECS was refused %s on %s with the execution role %s (%s). Allow %s on %s in the execution role's policies.",
		den.action, orAny(den.resource), roleName(role), firstNonEmpty(den.clause, "AccessDenied"), den.action, orAny(den.resource))
}

func images(cs []Container) []string {
	var out []string
	for _, c := range cs {
		if c.Image != "" {
			out = append(out, c.Image)
		}
	}
	return out
}

func externalImages(cs []Container) []string {
	var out []string
	for _, c := range cs {
		if _, _, _, ok := ecrRepo(c.Image); !ok && c.Image != "" {
			out = append(out, c.Image)
		}
	}
	return out
}

func exits(cs []Container) string {
	var out []string
	for _, c := range cs {
		if c.ExitCode != nil && c.Essential {
			s := fmt.Sprintf("container %s exited with code %d", c.Name, *c.ExitCode)
			if c.Reason != "" {
				s += " (" + c.Reason + ")"
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + joinList(out) + ")"
}

func logHint(cs []Container) string {
	for _, c := range cs {
		if g := c.LogOptions["awslogs-group"]; c.LogDriver == "awslogs" && g != "" {
			return " (aws logs tail " + g + ")"
		}
	}
	return ""
}

func shortTask(arn string) string {
	if arn == "" {
		return "the task"
	}
	return "task " + arn[strings.LastIndex(arn, "/")+1:]
}
