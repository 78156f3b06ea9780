package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// suggestion is a check with a comment above each target saying where it
// came from, and notes for the head of the file.
type suggestion struct {
	check *v1alpha1.ECSConnectivityCheck
	why   map[string]string
	notes []string
}

func (s *suggestion) add(t v1alpha1.Target, why string) {
	base, n := t.Name, 2
	for slices.ContainsFunc(s.check.Spec.Targets, func(x v1alpha1.Target) bool { return x.Name == t.Name }) {
		t.Name = fmt.Sprintf("%s-%d", base, n)
		n++
	}
	s.check.Spec.Targets = append(s.check.Spec.Targets, t)
	s.why[t.Name] = why
}

func suggestCommand(ctx context.Context, args []string, s *streams) int {
	fs := flag.NewFlagSet("ecscheck suggest", flag.ContinueOnError)
	var a awsFlags
	a.bind(fs)
	cluster := fs.String("cluster", "", "ECS cluster (name or ARN)")
	service := fs.String("service", "", "ECS service")
	namespace := fs.String("namespace", "default", "Namespace of the suggested check")
	if err := parse(fs, s, args); err != nil {
		return flagExit(err)
	}
	if *cluster == "" || *service == "" {
		return usageError(s, "suggest", fmt.Errorf("--cluster and --service are required"))
	}
	e, err := newEngine(ctx, s, &a, time.Nanosecond)
	if err != nil {
		return usageError(s, "suggest", err)
	}
	sg, err := e.suggest(ctx, *cluster, *service, *namespace)
	if err != nil {
		return usageError(s, "suggest", err)
	}
	if err := writeSuggestion(s.out, sg); err != nil {
		return usageError(s, "suggest", err)
	}
	return exitOK
}

// suggest reads what the service uses (nothing is started or changed).
func (e *engine) suggest(ctx context.Context, cluster, service, namespace string) (*suggestion, error) {
	check := &v1alpha1.ECSConnectivityCheck{}
	check.APIVersion, check.Kind = v1alpha1.GroupVersion.String(), "ECSConnectivityCheck"
	check.Name, check.Namespace = targetName(service), namespace
	check.Spec.Cluster, check.Spec.Service = cluster, service
	if e.aws != nil {
		if r, err := e.aws.Region(""); err == nil {
			check.Spec.Region = r
		}
	}
	resolve := check.DeepCopy()
	resolve.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	clients, err := e.clients(ctx, resolve)
	if err != nil {
		return nil, err
	}
	id, svc, err := e.probes.Resolve(ctx, clients, resolve)
	if err != nil {
		pe := probe.AsError(err)
		return nil, fmt.Errorf("%s: %s", pe.Reason, pe.Message)
	}
	sg := &suggestion{check: check, why: map[string]string{}}
	if err := e.suggestAPIs(ctx, clients, id, sg); err != nil {
		return nil, err
	}
	tables, err := subnetRouteTables(ctx, clients, id)
	if err != nil {
		return nil, err
	}
	if err := e.suggestEndpoints(ctx, clients, id, tables, sg); err != nil {
		return nil, err
	}
	if err := e.suggestEnvironment(ctx, clients, svc.TaskDefinitionArn, sg); err != nil {
		return nil, err
	}
	suggestInternet(id, tables, sg)
	if len(sg.check.Spec.Targets) == 0 {
		return nil, fmt.Errorf("found nothing to check for service %s: write the targets by hand", service)
	}
	return sg, nil
}

// suggestAPIs: one awsAPI target per AWS service the task role's policies
// name, with a read-only call that needs no parameters; IAM's policy
// simulator on the role decides whether it is expected Allowed or Denied.
func (e *engine) suggestAPIs(ctx context.Context, c *awsclient.Clients, id *probe.Identity, sg *suggestion) error {
	if id.TaskRoleArn == "" {
		sg.notes = append(sg.notes, "The service's task definition has no task role: no awsAPI targets.")
		return nil
	}
	prefixes, err := rolePrefixes(ctx, c.IAM, id.TaskRoleArn)
	if err != nil {
		return fmt.Errorf("reading the policies of %s: %w", id.TaskRoleArn, err)
	}
	for _, p := range prefixes {
		if p == "ssmmessages" {
			continue // ECS Exec's own; the probe itself proves it
		}
		call, ok := readOnlyProbe[p]
		if !ok {
			sg.notes = append(sg.notes, fmt.Sprintf("The task role names %s actions; ecscheck knows no parameterless read-only call of %s: add an awsAPI target by hand.", p, p))
			continue
		}
		out, err := c.IAM.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(id.TaskRoleArn), ActionNames: []string{call.iamAction}})
		if err != nil {
			return fmt.Errorf("iam:SimulatePrincipalPolicy on %s: %w", id.TaskRoleArn, err)
		}
		decision := ""
		if len(out.EvaluationResults) > 0 {
			decision = string(out.EvaluationResults[0].EvalDecision)
		}
		t := v1alpha1.Target{Name: targetName(call.cli + "-" + probe.KebabCase(call.action)), AWSAPI: &v1alpha1.AWSAPITarget{Service: call.cli, Action: call.action}}
		switch decision {
		case "allowed":
			t.Expect = v1alpha1.ExpectAllowed
			sg.add(t, fmt.Sprintf("The task role's policies name %s actions and allow %s.", p, call.iamAction))
		case "explicitDeny":
			t.Expect = v1alpha1.ExpectDenied
			sg.add(t, fmt.Sprintf("The task role's policies explicitly deny %s: keep it denied.", call.iamAction))
		default:
			sg.notes = append(sg.notes, fmt.Sprintf("The task role names %s actions but does not allow %s: add an awsAPI target for a read-only action it allows.", p, call.iamAction))
		}
	}
	return nil
}

// rolePrefixes are the IAM action prefixes (sns, s3...) of the Allow and
// Deny statements of a role's inline and attached policies, sorted.
func rolePrefixes(ctx context.Context, api awsclient.IAMAPI, roleArn string) ([]string, error) {
	role := roleArn[strings.LastIndex(roleArn, "/")+1:]
	var docs []string
	inline, err := api.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return nil, err
	}
	for _, name := range inline.PolicyNames {
		p, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
		if err != nil {
			return nil, err
		}
		docs = append(docs, aws.ToString(p.PolicyDocument))
	}
	attached, err := api.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return nil, err
	}
	for _, ap := range attached.AttachedPolicies {
		pol, err := api.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: ap.PolicyArn})
		if err != nil {
			return nil, err
		}
		v, err := api.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: ap.PolicyArn, VersionId: pol.Policy.DefaultVersionId})
		if err != nil {
			return nil, err
		}
		docs = append(docs, aws.ToString(v.PolicyVersion.Document))
	}
	seen := map[string]bool{}
	for _, raw := range docs {
		// IAM returns documents URL-encoded (RFC 3986), as its API
		// reference says of PolicyDocument.
		if d, err := url.QueryUnescape(raw); err == nil {
			raw = d
		}
		for _, a := range policyActions(raw) {
			if p, _, ok := strings.Cut(a, ":"); ok && p != "" && p != "*" {
				seen[strings.ToLower(p)] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// policyActions lists the Action entries of a policy document (a string
// or a list, in one statement or a list of them).
func policyActions(doc string) []string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	type stmt struct{ Action json.RawMessage }
	var stmts []stmt
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one stmt
		if json.Unmarshal(d.Statement, &one) != nil {
			return nil
		}
		stmts = []stmt{one}
	}
	var out []string
	for _, s := range stmts {
		var list []string
		if json.Unmarshal(s.Action, &list) != nil {
			var one string
			if json.Unmarshal(s.Action, &one) == nil {
				list = []string{one}
			}
		}
		out = append(out, list...)
	}
	return out
}

// suggestEndpoints: the VPC's interface endpoints resolve privately and
// accept 443; its gateway endpoints (S3, DynamoDB) carry 443.
func (e *engine) suggestEndpoints(ctx context.Context, c *awsclient.Clients, id *probe.Identity, tables map[string]*ec2types.RouteTable, sg *suggestion) error {
	if id.VPCID == "" {
		return nil
	}
	out, err := c.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{id.VPCID}}}})
	if err != nil {
		return fmt.Errorf("ec2:DescribeVpcEndpoints: %w", err)
	}
	eps := out.VpcEndpoints
	sort.Slice(eps, func(i, j int) bool { return aws.ToString(eps[i].ServiceName) < aws.ToString(eps[j].ServiceName) })
	prefix := "com.amazonaws." + id.Region + "."
	for _, ep := range eps {
		name := aws.ToString(ep.ServiceName)
		svc, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue // a PrivateLink service of someone else: its names are not ours to guess
		}
		host := diagnose.ServiceEndpointHost(svc, id.Region)
		if svc == "ecr.dkr" && id.Account != "" {
			host = id.Account + ".dkr.ecr." + id.Region + ".amazonaws.com" // the registry's own name
		}
		base := targetName(svc)
		epID := aws.ToString(ep.VpcEndpointId)
		switch ep.VpcEndpointType {
		case ec2types.VpcEndpointTypeGateway:
			if !onRouteTables(ep.RouteTableIds, tables) {
				sg.notes = append(sg.notes, fmt.Sprintf("Gateway endpoint %s (%s) is not on the route tables of the service's subnets: no target suggested for it.", epID, name))
				continue
			}
			sg.add(v1alpha1.Target{Name: base + "-https", TCP: &v1alpha1.TCPTarget{Host: host, Port: 443}},
				fmt.Sprintf("Gateway endpoint %s (%s) carries %s over the route table.", epID, name, host))
		case ec2types.VpcEndpointTypeInterface:
			if aws.ToBool(ep.PrivateDnsEnabled) {
				sg.add(v1alpha1.Target{Name: base + "-dns", DNS: &v1alpha1.DNSTarget{Name: host, ExpectPrivateAddress: true}},
					fmt.Sprintf("Interface endpoint %s (%s) has private DNS: %s resolves inside the VPC.", epID, name, host))
			}
			sg.add(v1alpha1.Target{Name: base + "-https", TCP: &v1alpha1.TCPTarget{Host: host, Port: 443}},
				fmt.Sprintf("Interface endpoint %s (%s): its security groups must admit 443 from the task.", epID, name))
		}
	}
	return nil
}

var hostPortRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+):([0-9]{1,5})$`)

// suggestEnvironment: URLs and host:port values in the containers'
// environment are what the service talks to.
func (e *engine) suggestEnvironment(ctx context.Context, c *awsclient.Clients, taskDef string, sg *suggestion) error {
	if taskDef == "" {
		return nil
	}
	out, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDef)})
	if err != nil {
		return fmt.Errorf("ecs:DescribeTaskDefinition: %w", err)
	}
	for _, cd := range out.TaskDefinition.ContainerDefinitions {
		for _, kv := range cd.Environment {
			k, v := aws.ToString(kv.Name), strings.TrimSpace(aws.ToString(kv.Value))
			why := fmt.Sprintf("Container %s's environment: %s=%s.", aws.ToString(cd.Name), k, v)
			name := targetName("env-" + k)
			if u, err := url.Parse(v); err == nil && u.User != nil {
				// Credentials in a URL stay out of the check (and of Git).
				sg.notes = append(sg.notes, fmt.Sprintf("Container %s's %s is a URL with credentials: not copied.", aws.ToString(cd.Name), k))
			} else if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				t := v1alpha1.Target{Name: name, HTTP: &v1alpha1.HTTPTarget{URL: v}}
				if _, err := probe.WireTarget("0", t); err == nil {
					sg.add(t, why)
				}
			} else if m := hostPortRE.FindStringSubmatch(v); m != nil {
				var port int32
				if _, err := fmt.Sscan(m[5], &port); err == nil && port >= 1 && port <= 65535 {
					sg.add(v1alpha1.Target{Name: name, TCP: &v1alpha1.TCPTarget{Host: m[1], Port: port}}, why)
				}
			}
		}
	}
	return nil
}

// subnetRouteTables is the route table of each of the service's subnets.
func subnetRouteTables(ctx context.Context, c *awsclient.Clients, id *probe.Identity) (map[string]*ec2types.RouteTable, error) {
	out := map[string]*ec2types.RouteTable{}
	if id.VPCID == "" || len(id.Subnets) == 0 {
		return out, nil
	}
	rts, err := c.EC2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{id.VPCID}}}})
	if err != nil {
		return nil, fmt.Errorf("ec2:DescribeRouteTables: %w", err)
	}
	for _, subnet := range id.Subnets {
		if rt := subnetRouteTable(rts.RouteTables, subnet); rt != nil {
			out[subnet] = rt
		}
	}
	return out, nil
}

// onRouteTables: a gateway endpoint serves the service only through the
// route tables of its subnets.
func onRouteTables(ids []string, tables map[string]*ec2types.RouteTable) bool {
	for _, rt := range tables {
		if slices.Contains(ids, aws.ToString(rt.RouteTableId)) {
			return true
		}
	}
	return false
}

// suggestInternet: subnets whose route tables have no default route to a
// NAT gateway (or to an internet gateway, with a public IP) have no way
// out, and a check should keep it so.
func suggestInternet(id *probe.Identity, tables map[string]*ec2types.RouteTable, sg *suggestion) {
	if len(tables) == 0 {
		return
	}
	publicIP := id.AssignPublicIP == v1alpha1.AssignPublicIPEnabled
	for _, subnet := range id.Subnets {
		rt := tables[subnet]
		if rt == nil {
			continue
		}
		for _, r := range rt.Routes {
			if aws.ToString(r.DestinationCidrBlock) != "0.0.0.0/0" || r.State == ec2types.RouteStateBlackhole {
				continue
			}
			if aws.ToString(r.NatGatewayId) != "" || publicIP && strings.HasPrefix(aws.ToString(r.GatewayId), "igw-") {
				sg.notes = append(sg.notes, fmt.Sprintf("Subnet %s routes 0.0.0.0/0 through %s: the internet is reachable, so no Unreachable target is suggested.",
					subnet, aws.ToString(r.NatGatewayId)+aws.ToString(r.GatewayId)))
				return
			}
		}
	}
	sg.add(v1alpha1.Target{Name: "no-internet", TCP: &v1alpha1.TCPTarget{Host: "example.com", Port: 443}, Expect: v1alpha1.ExpectUnreachable},
		fmt.Sprintf("No route table of subnets %s has a default route out (NAT gateway, or internet gateway with a public IP): keep it that way.", strings.Join(id.Subnets, ", ")))
}

// subnetRouteTable is the table associated with the subnet, else the
// VPC's main table (VPC User Guide, "Route tables": a subnet without an
// explicit association uses the main route table).
func subnetRouteTable(tables []ec2types.RouteTable, subnet string) *ec2types.RouteTable {
	var main *ec2types.RouteTable
	for i := range tables {
		for _, a := range tables[i].Associations {
			if aws.ToString(a.SubnetId) == subnet {
				return &tables[i]
			}
			if aws.ToBool(a.Main) {
				main = &tables[i]
			}
		}
	}
	return main
}

var notName = regexp.MustCompile(`[^a-z0-9-]+`)

// targetName turns s into a valid target name (lower case, digits, '-').
func targetName(s string) string {
	n := strings.Trim(notName.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(n) > 55 {
		n = strings.Trim(n[:55], "-")
	}
	if n == "" {
		n = "target"
	}
	return n
}

// writeSuggestion prints the check as YAML, each target under a comment
// that says where it came from, for a person to edit before committing it.
func writeSuggestion(w io.Writer, sg *suggestion) error {
	c := sg.check
	fmt.Fprintf(w, "# Suggested by `ecscheck suggest --cluster %s --service %s` from what the service\n", oneLine(c.Spec.Cluster), oneLine(c.Spec.Service))
	fmt.Fprintln(w, "# uses today: its task role's policies, its VPC's endpoints, its containers'")
	fmt.Fprintln(w, "# environment and its subnets' routes. Review it before committing it to Git.")
	for _, n := range sg.notes {
		fmt.Fprintf(w, "# - %s\n", oneLine(n))
	}
	fmt.Fprintf(w, "apiVersion: %s\nkind: ECSConnectivityCheck\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n", c.APIVersion, c.Name, c.Namespace)
	if c.Spec.Region != "" {
		fmt.Fprintf(w, "  region: %s\n", c.Spec.Region)
	}
	fmt.Fprintf(w, "  cluster: %s\n  # The probe runs in this service's subnets and security groups, with its task role.\n  service: %s\n  targets:\n", c.Spec.Cluster, c.Spec.Service)
	for _, t := range c.Spec.Targets {
		b, err := yaml.Marshal(t)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  # %s\n", oneLine(sg.why[t.Name]))
		for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			lead := "    "
			if i == 0 {
				lead = "  - "
			}
			fmt.Fprintf(w, "%s%s\n", lead, line)
		}
	}
	return nil
}
