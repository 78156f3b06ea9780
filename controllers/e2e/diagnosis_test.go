package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// These tests hold diagnosis to what real AWS does (issue 12): each edits
// the demo world into a situation the fake now renders as AWS does, and
// asserts what a user reads in the status.

// role returns the demo role with this name.
func role(sc *fakeaws.Scenario, name string) *fakeaws.Role {
	for _, r := range sc.Accounts[0].Roles {
		if r.Name == name {
			return r
		}
	}
	panic("no role " + name)
}

// findingCodes lists the codes of findings, for failure messages and checks.
func findingCodes(fs []v1alpha1.Finding) map[v1alpha1.FindingCode]int {
	out := map[v1alpha1.FindingCode]int{}
	for _, f := range fs {
		out[f.Code]++
	}
	return out
}

func reportsCheck(name string, targets ...v1alpha1.Target) *v1alpha1.ECSConnectivityCheck {
	c := &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.ECSConnectivityCheckSpec{
			Cluster: "prod", Service: "orders-worker",
			TaskRoleArn: "arn:aws:iam::123456789012:role/ReportsTaskRole",
			Targets:     targets,
		},
	}
	return c
}

// allowReportsRole lets the namespace's checks override their task role
// with ReportsTaskRole, as a cluster admin would (issue 11's allow-list).
func (w *world) allowReportsRole() {
	w.annotateNamespace(map[string]string{v1alpha1.AllowedProbeRoleARNsAnnotation: "arn:aws:iam::123456789012:role/ReportsTaskRole"})
}

// Issue 12 item 1: the reports role may list topics only through the SNS
// endpoint (aws:SourceVpce), and the endpoint's policy denies it. AWS's
// older message names no policy type, so diagnosis asks IAM's simulation;
// without the endpoint in the request context the simulation answers
// implicitDeny with MissingContextValues, which is no verdict on the role.
func TestDenialBehindSourceVpceConditionIsBlamedOnTheEndpointPolicy(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		role(sc, "ReportsTaskRole").Inline = map[string]fakeaws.PolicyDocument{"sns": `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ssmmessages:*","Resource":"*"},
			{"Effect":"Allow","Action":"sns:ListTopics","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0sns"}}}]}`}
		for _, o := range sc.Outcomes {
			if o.API == "sns:ListTopics" && strings.HasSuffix(o.Principal, "/ReportsTaskRole") {
				o.Deny = ""
				o.Message = "User: ${caller} is not authorized to perform: SNS:ListTopics on resource: arn:aws:sns:${region}:${account}:*"
			}
		}
	})
	w.allowReportsRole()
	w.create(reportsCheck("reports", v1alpha1.Target{Name: "sns-list-topics", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}}))
	c := w.waitFor("reports", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	fs := target(c, "sns-list-topics").Findings
	codes := findingCodes(fs)
	if codes[v1alpha1.FindingAccessDeniedNoIdentityPolicy] > 0 || codes[v1alpha1.FindingAccessDeniedVPCEndpointPolicy] != 1 {
		t.Fatalf("findings = %+v, want the endpoint policy of vpce-0sns and nothing about the role's policies\n%s", fs, describe(c))
	}
}

// Issue 12 item 2: a Fargate quota refusal is free text in failures[].
// It is reported at once with its cause, not retried as if it passed.
func TestFargateQuotaFailureIsReportedNotRetriedAsTransient(t *testing.T) {
	const reason = "The requested CPU configuration is above your limit"
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Faults = map[string]*fakeaws.Fault{"ecs:RunTask": {Kind: "RunTaskFailure", Reason: reason}}
	})
	w.create(workerCheck("worker"))
	c := w.waitFor("worker", "ProbeReady=False/RunTaskFailed", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionProbeReady).Reason == v1alpha1.ReasonRunTaskFailed
	})
	if n := w.aws.Calls()["ecs:RunTask"]; n != 1 {
		t.Fatalf("RunTask called %d times before the quota was reported, want 1\n%s", n, describe(c))
	}
	var found bool
	for _, f := range c.Status.Findings {
		found = found || f.Code == v1alpha1.FindingRunTaskQuotaExceeded && strings.Contains(f.Message, reason)
	}
	if !found {
		t.Fatalf("no RunTaskQuotaExceeded finding quoting %q:\n%s", reason, describe(c))
	}
}

// Issue 12 item 3: S3 answers a denied HEAD with a bare 403 (no body): the
// target is Denied, and diagnosis names the action S3 authorizes HeadObject
// as (s3:GetObject), not "s3:HeadObject".
func TestS3HeadObjectDenialIsDeniedAndNamesGetObject(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Outcomes = append([]*fakeaws.Outcome{
			{TCP: "s3.ap-northeast-1.amazonaws.com:443", Result: "OK"}, // the bucket's endpoint answers
			{API: "s3:HeadObject", Principal: "arn:aws:iam::123456789012:role/TaskRole", Result: "Denied"},
		}, sc.Outcomes...)
	})
	c := workerCheck("worker")
	c.Spec.Targets = []v1alpha1.Target{{Name: "report", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "HeadObject",
		Args: map[string]intstr.IntOrString{"Bucket": intstr.FromString("reports"), "Key": intstr.FromString("daily.csv")}}}}
	w.create(c)
	c = w.waitFor("worker", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	ts := target(c, "report")
	if ts.Result != v1alpha1.ResultDenied || !strings.Contains(ts.Message, "Forbidden") {
		t.Fatalf("report = %+v, want Denied from S3's bare 403", ts)
	}
	var found bool
	for _, f := range ts.Findings {
		found = found || f.Code == v1alpha1.FindingAccessDeniedNoIdentityPolicy && strings.Contains(f.Message, "s3:GetObject") && !strings.Contains(f.Message, "s3:HeadObject")
	}
	if !found {
		t.Fatalf("no AccessDeniedNoIdentityPolicy naming s3:GetObject:\n%s", describe(c))
	}
}

// hasFinding: fs holds a finding with this code on this resource.
func hasFinding(fs []v1alpha1.Finding, code v1alpha1.FindingCode, resource string) bool {
	for _, f := range fs {
		if f.Code == code && (resource == "" || f.Resource == resource) {
			return true
		}
	}
	return false
}

// Issue 12 item 12: an AWS API call that times out prints no address, yet
// the path to the service's endpoint explains it as it does for a TCP
// target to the same place: seed 000's endpoint security group for SNS,
// and the missing S3 gateway endpoint of seed 001.
func TestAPICallTimeoutsAreExplainedByTheEndpointPath(t *testing.T) {
	w := newWorld(t, nil)
	c := workerCheck("api")
	c.Spec.Service = "orders-api"
	c.Spec.Targets = []v1alpha1.Target{
		{Name: "sns-tcp", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}},
		{Name: "sns-api", AWSAPI: &v1alpha1.AWSAPITarget{Service: "sns", Action: "ListTopics"}},
		{Name: "s3-api", AWSAPI: &v1alpha1.AWSAPITarget{Service: "s3api", Action: "ListBuckets"}},
	}
	w.create(c)
	c = w.waitFor("api", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	for _, name := range []string{"sns-tcp", "sns-api"} {
		if ts := target(c, name); !hasFinding(ts.Findings, v1alpha1.FindingInterfaceEndpointSecurityGroupDenied, "sg-0vpce-sns") {
			t.Errorf("%s: no InterfaceEndpointSecurityGroupDenied on sg-0vpce-sns: %+v", name, ts)
		}
	}
	if ts := target(c, "s3-api"); ts.Reason != v1alpha1.ReasonAPICallTimedOut || !hasFinding(ts.Findings, v1alpha1.FindingMissingVPCEndpoint, "") {
		t.Errorf("s3-api: want APICallTimedOut explained by MissingVPCEndpoint: %+v", ts)
	}
}

// Issue 12 item 5: KMS's current wording blames the key. The execution
// role's own policy allows kms:Decrypt, so "the role may do it now" says
// nothing: the key policy is still the cause, and the finding stays.
func TestKMSDenialInAStopReasonBlamesTheKeyPolicy(t *testing.T) {
	const reason = "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-AbCdEf from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9d is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		role(sc, "ecsTaskExecutionRole").Inline = map[string]fakeaws.PolicyDocument{"kms": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","logs:CreateLogGroup"],"Resource":"*"}]}`}
		for _, t := range sc.Accounts[0].Tasks {
			if t.ID == "6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9d" {
				t.StoppedReason = reason
			}
		}
	})
	c := workerCheck("reports")
	c.Spec.Service = "reports-api"
	c.Spec.Targets = c.Spec.Targets[:1]
	w.create(c)
	c = w.waitFor("reports", "ServiceHealthy=False", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionServiceHealthy).Status == metav1.ConditionFalse && len(c.Status.Findings) > 0
	})
	if !hasFinding(c.Status.Findings, v1alpha1.FindingAccessDeniedResourcePolicy, "") {
		t.Fatalf("no AccessDeniedResourcePolicy for the KMS key:\n%s", describe(c))
	}
	for _, f := range c.Status.Findings {
		if f.Code == v1alpha1.FindingAccessDeniedResourcePolicy && !strings.Contains(f.Message, "key policy") {
			t.Errorf("the finding does not send the user to the key policy: %s", f.Message)
		}
	}
}

// Issue 12 item 4: across accounts AWS says "because no resource-based
// policy allows" even when the caller's own policy is what is missing.
// The role's side comes first, so the user fixes what they own.
func TestCrossAccountDenialChecksTheRoleFirst(t *testing.T) {
	const secret = "arn:aws:secretsmanager:ap-northeast-1:999999999999:secret:shared-AbCdEf"
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Outcomes = append([]*fakeaws.Outcome{
			{TCP: "secretsmanager.ap-northeast-1.amazonaws.com:443", Result: "OK"},
			{API: "secretsmanager:GetSecretValue", Principal: "arn:aws:iam::123456789012:role/TaskRole", Result: "Denied", Code: "AccessDeniedException",
				Message: "User: ${caller} is not authorized to perform: secretsmanager:GetSecretValue on resource: " + secret + " because no resource-based policy allows the secretsmanager:GetSecretValue action"},
		}, sc.Outcomes...)
	})
	c := workerCheck("shared")
	c.Spec.Targets = []v1alpha1.Target{{Name: "shared-secret", AWSAPI: &v1alpha1.AWSAPITarget{Service: "secretsmanager", Action: "GetSecretValue",
		Args: map[string]intstr.IntOrString{"SecretId": intstr.FromString(secret)}}}}
	w.create(c)
	c = w.waitFor("shared", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	fs := target(c, "shared-secret").Findings
	if len(fs) != 2 || fs[0].Code != v1alpha1.FindingAccessDeniedNoIdentityPolicy || fs[0].Resource != "arn:aws:iam::123456789012:role/TaskRole" ||
		fs[1].Code != v1alpha1.FindingAccessDeniedResourcePolicy || fs[1].Resource != secret || !strings.Contains(fs[1].Message, "own policies do not allow") {
		t.Fatalf("findings = %+v, want the role's missing Allow first, then the secret's policy", fs)
	}
}

// Issue 12 item 13: a service in a public subnet without a public IP
// cannot pull its image. One cause, one finding naming the fix (and the
// endpoints that would do instead), no repeats, and no service name
// where an address is meant.
func TestPublicSubnetWithoutPublicIPIsOneFinding(t *testing.T) {
	const reason = `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/payments-batch:latest: failed to do request: Head "https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/v2/payments-batch/manifests/latest": dial tcp 52.219.16.10:443: i/o timeout`
	public := &fakeaws.Network{Subnets: []string{"subnet-0pub1a"}, SecurityGroups: []string{"sg-0worker"}}
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		for _, s := range sc.Accounts[0].Services {
			if s.Name == "payments-batch" {
				s.Network = public
			}
		}
		for _, tk := range sc.Accounts[0].Tasks {
			if tk.ID == "5f3c0d6a8b7e4c1d9a2b3c4d5e6f7a8b" {
				tk.StoppedReason, tk.Network = reason, public
			}
		}
	})
	c := workerCheck("batch")
	c.Spec.Service = "payments-batch"
	c.Spec.Targets = c.Spec.Targets[:1]
	w.create(c)
	c = w.waitFor("batch", "ServiceHealthy=False with findings", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionServiceHealthy).Status == metav1.ConditionFalse && len(c.Status.Findings) > 0
	})
	codes := findingCodes(c.Status.Findings)
	for code, n := range codes {
		if n > 1 {
			t.Errorf("%s reported %d times", code, n)
		}
	}
	if codes[v1alpha1.FindingPublicIPRequired] != 1 || codes[v1alpha1.FindingMissingVPCEndpoint] != 0 {
		t.Fatalf("want PublicIPRequired alone for the one cause:\n%s", describe(c))
	}
	for _, f := range c.Status.Findings {
		if f.Code == v1alpha1.FindingPublicIPRequired && (strings.Contains(f.Message, "sends com.amazonaws") || !strings.Contains(f.Message, "com.amazonaws.ap-northeast-1.s3 (gateway endpoint)")) {
			t.Errorf("PublicIPRequired: %s", f.Message)
		}
	}
}

// Issue 12 item 7: the cluster encrypts ECS Exec with a KMS key the task
// role may not decrypt. The agent's kms:Decrypt is refused inside the
// session; that is the task role's gap, not the controller's
// ecs:ExecuteCommand.
func TestExecKMSDenialIsTheTaskRolesNotTheControllers(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		a := sc.Accounts[0]
		a.KMSKeys = append(a.KMSKeys, &fakeaws.KMSKey{ID: "1234abcd-12ab-34cd-56ef-1234567890ab", Aliases: []string{"alias/ecs-exec"}})
		for _, c := range a.Clusters {
			if c.Name == "prod" {
				c.ExecuteCommand = &fakeaws.ExecCommandCfg{KMSKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", Logging: "NONE"}
			}
		}
	})
	w.create(workerCheck("worker"))
	c := w.waitFor("worker", "exec findings", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return hasFinding(c.Status.Findings, v1alpha1.FindingTaskRoleMissingExecKMS, "")
	})
	if hasFinding(c.Status.Findings, v1alpha1.FindingControllerExecuteCommandDenied, "") {
		t.Fatalf("the agent's kms:Decrypt was blamed on the controller:\n%s", describe(c))
	}
	for _, f := range c.Status.Findings {
		if f.Code == v1alpha1.FindingTaskRoleMissingExecKMS && (f.Resource != "arn:aws:iam::123456789012:role/TaskRole" || !strings.Contains(f.Message, "kms:Decrypt")) {
			t.Errorf("finding %+v", f)
		}
	}
}

// Issue 12 item 8: with execInto ServiceTask, the service's task was
// started without exec and its container has a read-only root. Diagnosis
// reads both from ECS: ExecNotEnabled and ReadonlyRootFilesystem, and no
// ExecAgentNotRunning beside them (an agent that was never started).
func TestServiceTaskExecPrerequisitesComeFromItsDefinition(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		a := sc.Accounts[0]
		for _, td := range a.TaskDefinitions {
			if td.Family == "orders-api" {
				td.ContainerDefinitions = []json.RawMessage{json.RawMessage(`{"name":"app","image":"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders-api:latest","essential":true,"readonlyRootFilesystem":true,"linuxParameters":{"initProcessEnabled":true}}`)}
			}
		}
		for _, tk := range a.Tasks {
			if tk.ID == "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8" {
				tk.EnableExecuteCommand = false
			}
		}
	})
	c := workerCheck("worker")
	c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	w.create(c)
	c = w.waitFor("worker", "exec findings", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return hasFinding(c.Status.Findings, v1alpha1.FindingExecNotEnabled, "")
	})
	if !hasFinding(c.Status.Findings, v1alpha1.FindingReadonlyRootFilesystem, "") || hasFinding(c.Status.Findings, v1alpha1.FindingExecAgentNotRunning, "") {
		t.Fatalf("want ExecNotEnabled and ReadonlyRootFilesystem, no ExecAgentNotRunning:\n%s", describe(c))
	}
}

// Issue 12 item 10: a Windows service task on Fargate 1.0.0 is new enough
// for ECS Exec; only the exec setting is reported.
func TestWindowsFargateOneZeroZeroIsNotTooOld(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		a := sc.Accounts[0]
		for _, td := range a.TaskDefinitions {
			if td.Family == "orders-api" {
				td.RuntimePlatform = json.RawMessage(`{"operatingSystemFamily":"WINDOWS_SERVER_2022_CORE","cpuArchitecture":"X86_64"}`)
			}
		}
		for _, tk := range a.Tasks {
			if tk.ID == "3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8" {
				tk.EnableExecuteCommand, tk.PlatformVersion = false, "1.0.0"
			}
		}
	})
	c := workerCheck("worker")
	c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	w.create(c)
	c = w.waitFor("worker", "exec findings", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return hasFinding(c.Status.Findings, v1alpha1.FindingExecNotEnabled, "")
	})
	if hasFinding(c.Status.Findings, v1alpha1.FindingPlatformVersionTooOld, "") {
		t.Fatalf("Windows on Fargate 1.0.0 called too old:\n%s", describe(c))
	}
}

// stopService edits the stopped task of a demo service and returns a
// check of that service with one harmless target.
func stopService(t *testing.T, service, taskID, reason string) (*world, *v1alpha1.ECSConnectivityCheck) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		for _, tk := range sc.Accounts[0].Tasks {
			if tk.ID == taskID {
				tk.StoppedReason = reason
			}
		}
	})
	c := workerCheck("svc")
	c.Spec.Service = service
	c.Spec.Targets = c.Spec.Targets[:1]
	w.create(c)
	return w, w.waitFor("svc", "ServiceHealthy=False with findings", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionServiceHealthy).Status == metav1.ConditionFalse && len(c.Status.Findings) > 0
	})
}

// Issue 12 item 9: an ENI that could not be set up is not a registry,
// secret or log group problem.
func TestENIFailureIsNotBlamedOnTheStartPath(t *testing.T) {
	_, c := stopService(t, "reports-api", "6a7b8c9d0e1f4a2b8c3d4e5f6a7b8c9d",
		"ResourceInitializationError: failed to configure ENI: failed to setup regular eni: netplugin failed with no error message: signal: killed")
	if len(c.Status.Findings) != 1 || c.Status.Findings[0].Code != v1alpha1.FindingResourceInitialization ||
		!strings.Contains(c.Status.Findings[0].Message, "network interface") || strings.Contains(c.Status.Findings[0].Message, "registry authentication") {
		t.Fatalf("want the ENI failure alone:\n%s", describe(c))
	}
}

// Issue 12 item 11: a stop reason that dialled an IPv6 address is
// followed to the network path like an IPv4 one.
func TestIPv6AddressInAStopReasonIsFollowed(t *testing.T) {
	_, c := stopService(t, "payments-batch", "5f3c0d6a8b7e4c1d9a2b3c4d5e6f7a8b",
		`CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/payments-batch:latest: failed to do request: Head "https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/v2/payments-batch/manifests/latest": dial tcp [2600:1f18:4b2:5a00::1]:443: i/o timeout`)
	var found bool
	for _, f := range c.Status.Findings {
		found = found || f.Code == v1alpha1.FindingNoRouteToDestination && f.Resource == "rtb-0private" && strings.Contains(f.Message, "2600:1f18:4b2:5a00::1")
	}
	if !found {
		t.Fatalf("no NoRouteToDestination for the IPv6 address:\n%s", describe(c))
	}
}

// Issue 12 item 6: an S3 interface endpoint with private DNS only for
// inbound resolver endpoints leaves S3 names public inside the VPC on
// purpose (traffic takes the gateway endpoint): no "private hosted zone or
// custom DNS" finding, and the path is the gateway endpoint's.
func TestS3InboundResolverOnlyEndpointIsNotBlamed(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		a := sc.Accounts[0]
		a.VPCEndpoints = append(a.VPCEndpoints,
			&fakeaws.VPCEndpoint{ID: "vpce-0s3gw", VPC: "vpc-0demo", ServiceName: "com.amazonaws.ap-northeast-1.s3", Type: "Gateway", RouteTables: []string{"rtb-0private"}},
			&fakeaws.VPCEndpoint{ID: "vpce-0s3if", VPC: "vpc-0demo", ServiceName: "com.amazonaws.ap-northeast-1.s3", Subnets: []string{"subnet-0priv1a"},
				SecurityGroups: []string{"sg-0vpce"}, ENIs: []*fakeaws.EndpointENI{{Subnet: "subnet-0priv1a", IP: "10.0.1.30"}}, InboundResolverOnly: true})
		sc.Outcomes = append([]*fakeaws.Outcome{{DNS: "s3.ap-northeast-1.amazonaws.com", Result: "OK", Addresses: []string{"52.219.16.10"}}}, sc.Outcomes...)
	})
	c := workerCheck("s3")
	c.Spec.Targets = []v1alpha1.Target{{Name: "s3-dns", DNS: &v1alpha1.DNSTarget{Name: "s3.ap-northeast-1.amazonaws.com", ExpectPrivateAddress: true}}}
	w.create(c)
	c = w.waitFor("s3", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	if fs := target(c, "s3-dns").Findings; len(fs) != 0 {
		t.Fatalf("findings for a name public by design: %+v", fs)
	}
}

// Issue 12 item 7 (logging): the cluster logs sessions to an encrypted log
// group and the task role may not describe it. The agent refuses the
// session as amazon-ssm-agent does; diagnosis names the task role's
// logging permissions, not the controller.
func TestExecLoggingDenialIsTheTaskRoles(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		for _, c := range sc.Accounts[0].Clusters {
			if c.Name == "prod" {
				c.ExecuteCommand = &fakeaws.ExecCommandCfg{Logging: "OVERRIDE",
					LogConfiguration: json.RawMessage(`{"cloudWatchLogGroupName":"/ecs/exec","cloudWatchEncryptionEnabled":true}`)}
			}
		}
	})
	w.create(workerCheck("worker"))
	c := w.waitFor("worker", "exec logging finding", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return hasFinding(c.Status.Findings, v1alpha1.FindingTaskRoleMissingExecLogging, "arn:aws:iam::123456789012:role/TaskRole")
	})
	if hasFinding(c.Status.Findings, v1alpha1.FindingControllerExecuteCommandDenied, "") {
		t.Fatalf("the agent's logging refusal was blamed on the controller:\n%s", describe(c))
	}
	if pr := condition(c, v1alpha1.ConditionProbeReady); !strings.Contains(pr.Message, "unable to validate encryption on CloudWatch Logs log group") {
		t.Errorf("ProbeReady does not quote the agent: %+v", pr)
	}
}

// Issue 12 item 12: an HTTP target that times out gets the same network
// finding as a TCP target to the same place: the probe resolves the URL's
// host before curl and reports its addresses with the timeout.
func TestHTTPTimeoutIsFollowedToTheNetworkPath(t *testing.T) {
	w := newWorld(t, nil)
	host := "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com"
	c := workerCheck("batch")
	c.Spec.Service = "payments-batch"
	c.Spec.Targets = []v1alpha1.Target{
		{Name: "s3-tcp", TCP: &v1alpha1.TCPTarget{Host: host, Port: 443}},
		{Name: "s3-http", HTTP: &v1alpha1.HTTPTarget{URL: "https://" + host + "/"}},
	}
	w.create(c)
	c = w.waitFor("batch", "Ready=False", ready(metav1.ConditionFalse, v1alpha1.ReasonTargetsNotAsExpected))
	codes := func(name string) string {
		var out []string
		for _, f := range target(c, name).Findings {
			out = append(out, string(f.Code)+" "+f.Resource)
		}
		return strings.Join(out, ", ")
	}
	tcp, http := codes("s3-tcp"), codes("s3-http")
	if tcp == "" || http != tcp {
		t.Fatalf("tcp findings %q, http findings %q; want the same network path finding\n%s", tcp, http, describe(c))
	}
	if ts := target(c, "s3-http"); len(ts.Addresses) == 0 || ts.Reason != v1alpha1.ReasonConnectionTimedOut {
		t.Fatalf("s3-http = %+v", ts)
	}
}

// Issue 12 item 8: with execInto ServiceTask and exec working, the
// service's definition still reports what ECS Exec advises: the init
// process off is shown, and Ready stays True (advisory, not failing).
func TestServiceTaskAdvisoryFindingsWhileExecWorks(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		for _, td := range sc.Accounts[0].TaskDefinitions {
			if td.Family == "orders-api" {
				td.ContainerDefinitions = []json.RawMessage{json.RawMessage(`{"name":"app","image":"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders-api:latest","essential":true,"linuxParameters":{"initProcessEnabled":false}}`)}
			}
		}
	})
	c := workerCheck("worker")
	c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask
	w.create(c)
	w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	c = w.waitFor("worker", "the advisory finding", func(c *v1alpha1.ECSConnectivityCheck) bool {
		return hasFinding(c.Status.Findings, v1alpha1.FindingInitProcessDisabled, "")
	})
	if r := condition(c, v1alpha1.ConditionReady); r.Status != metav1.ConditionTrue {
		t.Fatalf("an advisory finding failed Ready:\n%s", describe(c))
	}
}

// Issue 12 item 13: a denied ECS ExecuteCommand is one cause, reported
// once: ControllerExecuteCommandDenied on the probe task.
func TestDeniedExecuteCommandIsReportedOnce(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Outcomes = append([]*fakeaws.Outcome{{API: "ecs:ExecuteCommand", Principal: controllerRole, Result: "Denied"}}, sc.Outcomes...)
	})
	w.create(workerCheck("worker"))
	c := w.waitFor("worker", "Ready=False ExecuteCommandDenied", ready(metav1.ConditionFalse, v1alpha1.ReasonExecuteCommandDenied))
	n := 0
	for _, f := range c.Status.Findings {
		if f.Code == v1alpha1.FindingControllerExecuteCommandDenied {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("ControllerExecuteCommandDenied reported %d times:\n%s", n, describe(c))
	}
}

// Issue 10: a failing service is explained on every reconcile of each of
// its checks, and its task definition, immutable per revision, is read
// once, not once per check per reconcile.
func TestAFailingServicesTaskDefinitionIsReadOnce(t *testing.T) {
	w := newWorld(t, nil)
	names := []string{"reports-a", "reports-b", "reports-c"}
	for _, n := range names {
		c := workerCheck(n)
		c.Spec.Service = "reports-api"
		c.Spec.Targets = c.Spec.Targets[:1]
		w.create(c)
	}
	explained := func(c *v1alpha1.ECSConnectivityCheck) bool {
		return condition(c, v1alpha1.ConditionServiceHealthy).Reason == v1alpha1.ReasonServiceTaskStartFailed && len(c.Status.Findings) > 0 &&
			c.Status.LastProbeTime != nil
	}
	for _, n := range names {
		w.waitFor(n, "ServiceHealthy=False, explained", explained)
	}
	before := w.aws.Calls()["ecs:DescribeTaskDefinition"]
	for _, n := range names {
		w.probeNow(n)
		w.waitFor(n, "a probe-now run, explained again", func(c *v1alpha1.ECSConnectivityCheck) bool {
			return explained(c) && c.Status.LastHandledProbeNow == c.Annotations[v1alpha1.ProbeNowAnnotation]
		})
	}
	if after := w.aws.Calls()["ecs:DescribeTaskDefinition"]; after != before {
		t.Fatalf("ecs:DescribeTaskDefinition called %d more times for three more reconciles of a failing service", after-before)
	}
}
