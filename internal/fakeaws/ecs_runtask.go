package fakeaws

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

type runTaskInput struct {
	Cluster              string `json:"cluster"`
	TaskDefinition       string `json:"taskDefinition"`
	Count                int    `json:"count"`
	LaunchType           string `json:"launchType"`
	PlatformVersion      string `json:"platformVersion"`
	NetworkConfiguration *struct {
		AwsvpcConfiguration *Network `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
	EnableExecuteCommand bool            `json:"enableExecuteCommand"`
	StartedBy            string          `json:"startedBy"`
	Group                string          `json:"group"`
	Tags                 []ecsTag        `json:"tags"`
	ClientToken          string          `json:"clientToken"`
	Overrides            json.RawMessage `json:"overrides"`
	PropagateTags        string          `json:"propagateTags"`
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func ecsRunTask(s *Server, rq *request) (any, error) {
	var in runTaskInput
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	if in.Count == 0 {
		in.Count = 1
	}
	if in.Count < 1 || in.Count > 10 {
		return nil, invalidParam("Count must be between 1 and 10.")
	}
	td := rq.acct.taskDefinition(rq.region, in.TaskDefinition)
	if td == nil {
		return nil, clientErr("TaskDefinition not found.")
	}
	if td.Status != "ACTIVE" {
		return nil, clientErr("TaskDefinition is inactive")
	}
	if in.LaunchType == "" {
		in.LaunchType = "FARGATE"
	}
	var net *Network
	if in.NetworkConfiguration != nil {
		net = in.NetworkConfiguration.AwsvpcConfiguration
	}
	if td.NetworkMode == "awsvpc" {
		if net == nil || len(net.Subnets) == 0 {
			return nil, invalidParam("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
		}
		if err := rq.acct.checkNetwork(rq.region, net); err != nil {
			return nil, err
		}
	}
	// Idempotency: the same client token returns the tasks it started.
	if in.ClientToken != "" {
		var prior []*Task
		for _, t := range rq.acct.Tasks {
			if t.clientToken == in.ClientToken && t.Region == rq.region && clusterName(t.Cluster) == c.Name {
				prior = append(prior, t)
			}
		}
		if len(prior) > 0 {
			out := []obj{}
			for _, t := range prior {
				out = append(out, s.renderTask(rq.acct, t, true))
			}
			return obj{"tasks": out, "failures": []obj{}}, nil
		}
	}
	// A RunTaskFailure fault answers as ECS does when it cannot place the
	// task. On EC2 the reasons are about container instances (AGENT when
	// the chosen instance's agent is disconnected, seed 003) and the ARN is
	// the instance's. Fargate has no container instances: its reasons are
	// free text ("Capacity is unavailable at this time. Please try again
	// later or in a different availability zone", AWS re:Post knowledge
	// center ecs-fargate-runtask-capacity; "Amazon ECS API failure reasons"
	// lists AGENT/RESOURCE/ATTRIBUTE for container instances only), so a
	// container-instance reason asked of a Fargate task is answered with
	// the capacity text, and no instance ARN.
	if rq.runTaskFailure != "" {
		failures := []obj{}
		for i := 0; i < in.Count; i++ {
			if in.LaunchType == "FARGATE" {
				failures = append(failures, obj{"reason": fargateFailureReason(rq.runTaskFailure)})
				continue
			}
			failures = append(failures, obj{
				"arn":    "arn:aws:ecs:" + rq.region + ":" + rq.acct.ID + ":container-instance/" + c.Name + "/" + randHex(32),
				"reason": rq.runTaskFailure,
			})
		}
		return obj{"tasks": []obj{}, "failures": failures}, nil
	}
	tags := tagsFrom(in.Tags)
	if in.PropagateTags == "TASK_DEFINITION" && len(td.Tags) > 0 {
		if tags == nil {
			tags = Tags{}
		}
		for k, v := range td.Tags {
			if _, ok := tags[k]; !ok {
				tags[k] = v
			}
		}
	}
	group := in.Group
	if group == "" {
		group = "family:" + td.Family
	}
	platform := in.PlatformVersion
	if in.LaunchType == "FARGATE" && (platform == "" || platform == "LATEST") {
		platform = "1.4.0"
	}
	out := []obj{}
	for i := 0; i < in.Count; i++ {
		now := s.now().UTC()
		t := &Task{
			ID: randHex(32), Cluster: c.Name, Region: rq.region,
			TaskDefinition: taskDefARN(rq.region, rq.acct.ID, td),
			LastStatus:     "PROVISIONING", DesiredStatus: "RUNNING",
			LaunchType: in.LaunchType, PlatformVersion: platform,
			StartedBy: in.StartedBy, Group: group, Network: net,
			EnableExecuteCommand: in.EnableExecuteCommand, Overrides: in.Overrides,
			Tags: tags, CreatedAt: now, Shell: s.state.Exec.Shell,
			clientToken: in.ClientToken,
		}
		if t.EnableExecuteCommand {
			t.ExecAgentStatus = "PENDING"
		}
		t.TaskRoleARN = taskRoleOverride(in.Overrides)
		t.plan = s.newPlan(now, s.takeTaskFault(td.Family))
		if net != nil {
			rq.acct.attachENI(rq.region, t)
		}
		if t.EnableExecuteCommand && t.plan.agentPin == "" && execAgentCannotStart(s, td, t) {
			t.plan.agentPin = "PENDING"
		}
		rq.acct.Tasks = append(rq.acct.Tasks, t)
		if t.Shell {
			if err := s.startShell(rq.acct, t, td); err != nil {
				s.log.Error(err, "shell mode: container did not start", "task", t.ID)
				code := 127
				s.requestStop(t, "EssentialContainerExited", "Essential container in task exited", &code)
			}
		}
		out = append(out, s.renderTask(rq.acct, t, true))
	}
	return obj{"tasks": out, "failures": []obj{}}, nil
}

// taskRoleOverride reads overrides.taskRoleArn.
func taskRoleOverride(raw json.RawMessage) string {
	var o struct {
		TaskRoleArn string `json:"taskRoleArn"`
	}
	if len(raw) > 0 {
		json.Unmarshal(raw, &o) //nolint:errcheck // overrides are optional
	}
	return o.TaskRoleArn
}

// takeTaskFault picks the first task fault for this family with uses left.
func (s *Server) takeTaskFault(family string) *TaskFault {
	for _, f := range s.state.TaskFaults {
		if f.Family != "" && f.Family != family {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		return f
	}
	return nil
}

// checkNetwork fails as ECS does when a subnet or security group does not
// exist. Accounts that declare no subnets at all are not checked, so small
// scenarios need not model EC2.
func (a *Account) checkNetwork(region string, n *Network) error {
	if len(a.Subnets) == 0 {
		return nil
	}
	for _, id := range n.Subnets {
		if a.subnet(region, id) == nil {
			return invalidParam("Error retrieving subnet information for [%s]: The subnet ID '%s' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: %s)", id, id, randUUID())
		}
	}
	for _, id := range n.SecurityGroups {
		if a.securityGroup(region, id) == nil {
			return invalidParam("Error retrieving security group information for [%s]: The security group '%s' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound; Request ID: %s)", id, id, randUUID())
		}
	}
	return nil
}

func randUUID() string {
	h := randHex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:]
}

// attachENI gives an awsvpc task its network interface in the first subnet,
// registered in EC2 so DescribeNetworkInterfaces finds it.
func (a *Account) attachENI(region string, t *Task) {
	subnet := t.Network.Subnets[0]
	t.ENI = "eni-" + randHex(17)
	t.PrivateIP = a.freeIP(region, subnet)
	a.NetworkInterfaces = append(a.NetworkInterfaces, &NetworkInterface{
		ID: t.ENI, Region: region, Subnet: subnet, PrivateIP: t.PrivateIP,
		Groups:           append([]string(nil), t.Network.SecurityGroups...),
		Description:      "arn:aws:ecs:" + region + ":" + a.ID + ":attachment/" + randUUID(),
		InterfaceType:    "interface",
		RequesterManaged: true,
		Status:           "in-use",
		MAC:              macFor(t.ENI),
	})
}

func macFor(id string) string {
	h := strings.ToLower(idFrom(id, 10))
	return fmt.Sprintf("0a:%s:%s:%s:%s:%s", h[0:2], h[2:4], h[4:6], h[6:8], h[8:10])
}

// fargateCapacityUnavailable is Fargate's RunTask failure when it has no
// capacity in the subnets' zones (AWS re:Post, ecs-fargate-runtask-capacity).
const fargateCapacityUnavailable = "Capacity is unavailable at this time. Please try again later or in a different availability zone"

// fargateFailureReason is the free-text reason Fargate gives for a fault's
// reason: the scenario's own text, or the capacity text in place of the
// container-instance reasons Fargate never gives.
func fargateFailureReason(reason string) string {
	switch {
	case reason == "AGENT", reason == "ATTRIBUTE", reason == "MISSING", strings.HasPrefix(reason, "RESOURCE"):
		return fargateCapacityUnavailable
	}
	return reason
}

// execAgentCannotStart: the ECS Exec agent of t never reaches RUNNING (ECS
// developer guide, ECS Exec considerations: the SSM agent needs a writable
// root filesystem, Fargate platform 1.4.0 or later on Linux, and a path to
// ssmmessages; ECS then refuses ExecuteCommand with "...the execute
// command agent isn't running"). A scenario's tcp outcome for
// ssmmessages.<region>.amazonaws.com:443 that is not OK from the task's
// subnet and groups is "no path". Called with s.mu held.
func execAgentCannotStart(s *Server, td *TaskDefinition, t *Task) bool {
	cs := parseContainers(td)
	if len(cs) > 0 && cs[0].ReadonlyRootFS != nil && *cs[0].ReadonlyRootFS {
		return true
	}
	if t.LaunchType == "FARGATE" && !windowsTaskDef(td) && versionBefore(t.PlatformVersion, "1.4.0") {
		return true
	}
	if t.Network == nil || len(t.Network.Subnets) == 0 {
		return false
	}
	pt := probeTask{subnet: t.Network.Subnets[0], groups: t.Network.SecurityGroups, region: t.Region}
	o := s.netOutcome("tcp", "ssmmessages."+t.Region+".amazonaws.com:443", pt)
	return o != nil && !strings.EqualFold(o.Result, "OK")
}

func windowsTaskDef(td *TaskDefinition) bool {
	return strings.Contains(strings.ToUpper(string(td.RuntimePlatform)), "WINDOWS")
}

// versionBefore compares dotted versions numerically; "" and LATEST are new.
func versionBefore(v, floor string) bool {
	if v == "" || strings.EqualFold(v, "LATEST") {
		return false
	}
	a, b := strings.Split(v, "."), strings.Split(floor, ".")
	for i := 0; i < len(b); i++ {
		x, y := 0, 0
		if i < len(a) {
			_, _ = fmt.Sscan(a[i], &x) // not a number: 0, as ECS orders them
		}
		_, _ = fmt.Sscan(b[i], &y)
		if x != y {
			return x < y
		}
	}
	return false
}
