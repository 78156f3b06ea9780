package fakeaws

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
)

func ecsDescribeTasks(s *Server, rq *request) (any, error) {
	var in struct {
		Cluster string   `json:"cluster"`
		Tasks   []string `json:"tasks"`
		Include []string `json:"include"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	if len(in.Tasks) == 0 {
		return nil, invalidParam("Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, invalidParam("Tasks can have at most 100 items.")
	}
	out, failures := []obj{}, []obj{}
	for _, ref := range in.Tasks {
		// Real transcript, sil-org/ecs-deploy issue 43: "A client error
		// (InvalidParameterException) occurred when calling the
		// DescribeTasks operation: taskId longer than 36."
		if len(ref[strings.LastIndex(ref, "/")+1:]) > 36 {
			return nil, invalidParam("taskId longer than 36.")
		}
		t := rq.acct.task(rq.region, c.Name, ref)
		if t == nil {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = taskARN(rq.region, rq.acct.ID, c.Name, ref)
			}
			failures = append(failures, obj{"arn": arn, "reason": "MISSING"})
			continue
		}
		out = append(out, s.renderTask(rq.acct, t, includes(in.Include, "TAGS")))
	}
	return obj{"tasks": out, "failures": failures}, nil
}

func ecsListTasks(s *Server, rq *request) (any, error) {
	var in struct {
		Cluster       string `json:"cluster"`
		Family        string `json:"family"`
		ServiceName   string `json:"serviceName"`
		StartedBy     string `json:"startedBy"`
		DesiredStatus string `json:"desiredStatus"`
		LaunchType    string `json:"launchType"`
		MaxResults    int    `json:"maxResults"`
		NextToken     string `json:"nextToken"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	if in.ServiceName != "" && rq.acct.service(rq.region, c.Name, in.ServiceName) == nil {
		return nil, errf(400, "ServiceNotFoundException", "Service not found.")
	}
	// ECS lists RUNNING-desired tasks unless asked for STOPPED ones.
	desired := in.DesiredStatus
	if desired == "" {
		desired = "RUNNING"
	}
	var arns []string
	tasks := append([]*Task(nil), rq.acct.Tasks...)
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].CreatedAt.Before(tasks[j].CreatedAt) })
	for _, t := range tasks {
		if t.Region != rq.region || clusterName(t.Cluster) != c.Name || t.DesiredStatus != desired {
			continue
		}
		if in.StartedBy != "" && t.StartedBy != in.StartedBy {
			continue
		}
		if in.LaunchType != "" && t.LaunchType != in.LaunchType {
			continue
		}
		if in.ServiceName != "" && t.Group != "service:"+serviceShortName(in.ServiceName) {
			continue
		}
		if in.Family != "" {
			td := rq.acct.taskDefinition(rq.region, t.TaskDefinition)
			if td == nil || td.Family != in.Family {
				continue
			}
		}
		arns = append(arns, taskARN(t.Region, rq.acct.ID, c.Name, t.ID))
	}
	page, next, err := paginate(arns, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := obj{"taskArns": page}
	out.put("nextToken", next)
	return out, nil
}

func serviceShortName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// paginate returns one page of items and the token of the next; tokens are
// opaque to clients (base64 of the offset).
func paginate[T any](items []T, maxResults int, token string, limit int) ([]T, string, error) {
	if maxResults <= 0 || maxResults > limit {
		maxResults = limit
	}
	start := 0
	if token != "" {
		b, err := base64.StdEncoding.DecodeString(token)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > len(items) {
			return nil, "", invalidParam("Invalid nextToken.")
		}
	}
	end := min(start+maxResults, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	next := ""
	if end < len(items) {
		next = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return page, next, nil
}

func ecsStopTask(s *Server, rq *request) (any, error) {
	var in struct {
		Cluster string `json:"cluster"`
		Task    string `json:"task"`
		Reason  string `json:"reason"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	t := rq.acct.task(rq.region, c.Name, in.Task)
	if t == nil {
		return nil, invalidParam("The referenced task was not found.")
	}
	reason := in.Reason
	if reason == "" {
		reason = "Task stopped by user"
	}
	s.requestStop(t, "UserInitiated", reason, nil)
	return obj{"task": s.renderTask(rq.acct, t, false)}, nil
}

// renderTask is DescribeTasks' view of a task.
func (s *Server) renderTask(a *Account, t *Task, tags bool) obj {
	cl := clusterName(t.Cluster)
	arn := taskARN(t.Region, a.ID, cl, t.ID)
	td := a.taskDefinition(t.Region, t.TaskDefinition)
	tdARN := t.TaskDefinition
	var containers []containerDef
	if td != nil {
		tdARN = taskDefARN(t.Region, a.ID, td)
		containers = parseContainers(td)
	}
	o := obj{
		"taskArn": arn, "clusterArn": clusterARN(t.Region, a.ID, cl), "taskDefinitionArn": tdARN,
		"lastStatus": t.LastStatus, "desiredStatus": t.DesiredStatus, "launchType": t.LaunchType,
		"enableExecuteCommand": t.EnableExecuteCommand, "version": 1,
		"attachments": []obj{}, "healthStatus": "UNKNOWN",
		"overrides": obj{"containerOverrides": []any{}, "inferenceAcceleratorOverrides": []any{}},
	}
	o.put("platformVersion", t.PlatformVersion).put("createdAt", t.CreatedAt).put("startedAt", t.StartedAt).
		put("stoppingAt", t.StoppingAt).put("stoppedAt", t.StoppedAt).put("executionStoppedAt", t.StoppedAt).
		put("stopCode", t.StopCode).put("stoppedReason", t.StoppedReason).put("startedBy", t.StartedBy).
		put("group", t.Group)
	if t.LaunchType == "FARGATE" {
		o["platformFamily"] = "Linux"
		o["ephemeralStorage"] = obj{"sizeInGiB": 20}
	}
	if len(t.Overrides) > 0 {
		o["overrides"] = t.Overrides
	}
	if t.LastStatus == "RUNNING" || t.StartedAt != nil {
		o["connectivity"] = "CONNECTED"
		o.put("connectivityAt", t.CreatedAt)
	}
	if td != nil {
		o.put("cpu", td.CPU).put("memory", td.Memory)
	}
	var subnet *Subnet
	if t.Network != nil && len(t.Network.Subnets) > 0 {
		subnet = a.subnet(t.Region, t.Network.Subnets[0])
		if subnet != nil {
			o["availabilityZone"] = subnet.AvailabilityZone
		}
	}
	attachID := ""
	if t.ENI != "" {
		attachID = uuidFrom(t.ID + "attachment")
		status := "ATTACHED"
		switch t.LastStatus {
		case "PROVISIONING":
			status = "PRECREATED"
		case "STOPPED":
			status = "DELETED"
		}
		details := []obj{
			{"name": "subnetId", "value": t.Network.Subnets[0]},
			{"name": "networkInterfaceId", "value": t.ENI},
			{"name": "macAddress", "value": macFor(t.ENI)},
			{"name": "privateDnsName", "value": privateDNSName(t.PrivateIP, t.Region)},
			{"name": "privateIPv4Address", "value": t.PrivateIP},
		}
		o["attachments"] = []obj{{"id": attachID, "type": "ElasticNetworkInterface", "status": status, "details": details}}
	}
	cs := []obj{}
	for i, cd := range containers {
		co := obj{
			"containerArn": "arn:aws:ecs:" + t.Region + ":" + a.ID + ":container/" + cl + "/" + t.ID + "/" + uuidFrom(t.ID+cd.Name),
			"taskArn":      arn, "name": cd.Name, "image": cd.Image,
			"lastStatus": containerStatus(t.LastStatus), "healthStatus": "UNKNOWN", "cpu": "0",
			"networkInterfaces": []obj{},
		}
		if t.LastStatus == "RUNNING" || t.StartedAt != nil {
			co["runtimeId"] = t.ID + "-" + strconv.Itoa(1000000000+i)
		}
		if attachID != "" && t.LastStatus != "PROVISIONING" {
			co["networkInterfaces"] = []obj{{"attachmentId": attachID, "privateIpv4Address": t.PrivateIP}}
		}
		if t.LastStatus == "STOPPED" {
			if t.ContainerReason != "" {
				co["reason"] = t.ContainerReason
			}
			if t.ExitCode != nil {
				co["exitCode"] = *t.ExitCode
			}
		}
		if t.EnableExecuteCommand {
			ma := obj{"name": "ExecuteCommandAgent", "lastStatus": t.ExecAgentStatus}
			if t.ExecAgentStatus == "RUNNING" && t.StartedAt != nil {
				ma.put("lastStartedAt", t.StartedAt)
			}
			co["managedAgents"] = []obj{ma}
		}
		cs = append(cs, co)
	}
	o["containers"] = cs
	if tags {
		o["tags"] = ecsTags(t.Tags)
	}
	return o
}

func containerStatus(task string) string {
	switch task {
	case "PROVISIONING", "PENDING", "ACTIVATING":
		return "PENDING"
	case "STOPPED", "DEPROVISIONING":
		return "STOPPED"
	}
	return "RUNNING"
}

func privateDNSName(ip, region string) string {
	if ip == "" {
		return ""
	}
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// uuidFrom is a stable UUID-shaped identifier derived from a seed.
func uuidFrom(seed string) string {
	h := strings.ToLower(idFrom(seed, 32))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
