package fakeaws

import (
	"fmt"
	"strings"
)

func init() {
	register("ecs", map[string]handler{
		"DescribeClusters":         ecsDescribeClusters,
		"DescribeServices":         ecsDescribeServices,
		"DescribeTaskDefinition":   ecsDescribeTaskDefinition,
		"RegisterTaskDefinition":   ecsRegisterTaskDefinition,
		"DeregisterTaskDefinition": ecsDeregisterTaskDefinition,
		"RunTask":                  ecsRunTask,
		"DescribeTasks":            ecsDescribeTasks,
		"ListTasks":                ecsListTasks,
		"StopTask":                 ecsStopTask,
		"ExecuteCommand":           ecsExecuteCommand,
		"TagResource":              ecsTagResource,
		"UntagResource":            ecsUntagResource,
		"ListTagsForResource":      ecsListTagsForResource,
	})
}

func ecsDescribeClusters(s *Server, rq *request) (any, error) {
	var in struct {
		Clusters []string `json:"clusters"`
		Include  []string `json:"include"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Clusters) == 0 {
		in.Clusters = []string{"default"}
	}
	out := []obj{}
	failures := []obj{}
	for _, ref := range in.Clusters {
		c := rq.acct.cluster(rq.region, ref)
		if c == nil {
			failures = append(failures, obj{"arn": clusterARN(rq.region, rq.acct.ID, clusterName(ref)), "reason": "MISSING"})
			continue
		}
		out = append(out, s.renderCluster(rq, c, in.Include))
	}
	return obj{"clusters": out, "failures": failures}, nil
}

func (s *Server) renderCluster(rq *request, c *Cluster, include []string) obj {
	running, pending, services := 0, 0, 0
	for _, t := range rq.acct.Tasks {
		if t.Region == c.Region && clusterName(t.Cluster) == c.Name {
			switch t.LastStatus {
			case "RUNNING":
				running++
			case "PROVISIONING", "PENDING", "ACTIVATING":
				pending++
			}
		}
	}
	for _, sv := range rq.acct.Services {
		if sv.Region == c.Region && clusterName(sv.Cluster) == c.Name && sv.Status == "ACTIVE" {
			services++
		}
	}
	o := obj{
		"clusterArn":                        clusterARN(c.Region, rq.acct.ID, c.Name),
		"clusterName":                       c.Name,
		"status":                            c.Status,
		"registeredContainerInstancesCount": 0,
		"runningTasksCount":                 running,
		"pendingTasksCount":                 pending,
		"activeServicesCount":               services,
		"statistics":                        []any{},
		"capacityProviders":                 []any{},
		"defaultCapacityProviderStrategy":   []any{},
	}
	// ECS returns the cluster's configuration only when asked for it.
	if includes(include, "CONFIGURATIONS") && c.ExecuteCommand != nil {
		ec := obj{}
		ec.put("kmsKeyId", c.ExecuteCommand.KMSKeyID).put("logging", c.ExecuteCommand.Logging).
			put("logConfiguration", c.ExecuteCommand.LogConfiguration)
		o["configuration"] = obj{"executeCommandConfiguration": ec}
	}
	if includes(include, "SETTINGS") {
		o["settings"] = []obj{{"name": "containerInsights", "value": "disabled"}}
	}
	if includes(include, "TAGS") {
		o["tags"] = ecsTags(c.Tags)
	}
	return o
}

func ecsDescribeServices(s *Server, rq *request) (any, error) {
	var in struct {
		Cluster  string   `json:"cluster"`
		Services []string `json:"services"`
		Include  []string `json:"include"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	c := rq.acct.cluster(rq.region, in.Cluster)
	if c == nil {
		return nil, clusterNotFound()
	}
	if len(in.Services) == 0 {
		return nil, invalidParam("Services cannot be empty.")
	}
	out, failures := []obj{}, []obj{}
	for _, ref := range in.Services {
		sv := rq.acct.service(rq.region, c.Name, ref)
		if sv == nil {
			n := ref[strings.LastIndex(ref, "/")+1:]
			failures = append(failures, obj{"arn": serviceARN(rq.region, rq.acct.ID, c.Name, n), "reason": "MISSING"})
			continue
		}
		out = append(out, s.renderService(rq, sv, includes(in.Include, "TAGS")))
	}
	return obj{"services": out, "failures": failures}, nil
}

// serviceCounts counts the service's tasks (group service:<name>) unless
// the scenario pins the counts.
func serviceCounts(a *Account, sv *Service) (running, pending int) {
	for _, t := range a.Tasks {
		if t.Region != sv.Region || clusterName(t.Cluster) != clusterName(sv.Cluster) || t.Group != "service:"+sv.Name {
			continue
		}
		switch t.LastStatus {
		case "RUNNING":
			running++
		case "PROVISIONING", "PENDING", "ACTIVATING":
			pending++
		}
	}
	if sv.RunningCount != nil {
		running = *sv.RunningCount
	}
	if sv.PendingCount != nil {
		pending = *sv.PendingCount
	}
	return running, pending
}

func (s *Server) renderService(rq *request, sv *Service, tags bool) obj {
	running, pending := serviceCounts(rq.acct, sv)
	cl := clusterName(sv.Cluster)
	tdARN := sv.TaskDefinition
	if td := rq.acct.taskDefinition(sv.Region, sv.TaskDefinition); td != nil {
		tdARN = taskDefARN(sv.Region, rq.acct.ID, td)
	}
	depID := "ecs-svc/" + fmt.Sprintf("%019d", 1000000000000000000+int64(len(sv.Name))*7919+int64(len(cl)))
	dep := obj{
		"id": depID, "status": "PRIMARY", "taskDefinition": tdARN,
		"desiredCount": sv.DesiredCount, "pendingCount": pending, "runningCount": running,
		"failedTasks": 0, "rolloutState": "COMPLETED",
		"rolloutStateReason": "ECS deployment " + depID + " completed.",
	}
	dep.put("createdAt", sv.CreatedAt).put("updatedAt", sv.CreatedAt).put("launchType", sv.LaunchType).
		put("platformVersion", sv.PlatformVersion)
	if nc := networkConfig(sv.Network); nc != nil {
		dep["networkConfiguration"] = nc
	}
	events := []obj{}
	// ECS lists events newest first.
	for i := len(sv.Events) - 1; i >= 0; i-- {
		e := sv.Events[i]
		events = append(events, obj{"id": e.ID, "createdAt": epoch(e.CreatedAt), "message": e.Message})
	}
	o := obj{
		"serviceArn":           serviceARN(sv.Region, rq.acct.ID, cl, sv.Name),
		"serviceName":          sv.Name,
		"clusterArn":           clusterARN(sv.Region, rq.acct.ID, cl),
		"loadBalancers":        []any{},
		"serviceRegistries":    []any{},
		"status":               sv.Status,
		"desiredCount":         sv.DesiredCount,
		"runningCount":         running,
		"pendingCount":         pending,
		"taskDefinition":       tdARN,
		"deployments":          []obj{dep},
		"events":               events,
		"placementConstraints": []any{},
		"placementStrategy":    []any{},
		"schedulingStrategy":   "REPLICA",
		"deploymentController": obj{"type": "ECS"},
		"enableECSManagedTags": false,
		"propagateTags":        "NONE",
		"enableExecuteCommand": sv.EnableExecuteCommand,
		"deploymentConfiguration": obj{
			"maximumPercent": 200, "minimumHealthyPercent": 100,
			"deploymentCircuitBreaker": obj{"enable": false, "rollback": false},
		},
	}
	o.put("launchType", sv.LaunchType).put("platformVersion", sv.PlatformVersion).put("createdAt", sv.CreatedAt)
	if sv.LaunchType == "FARGATE" {
		o["platformFamily"] = "Linux"
	}
	if nc := networkConfig(sv.Network); nc != nil {
		o["networkConfiguration"] = nc
	}
	if tags {
		o["tags"] = ecsTags(sv.Tags)
	}
	return o
}

// resourceTags finds the tags of an ECS resource by ARN.
func (a *Account) resourceTags(region, arn string) *Tags {
	for _, c := range a.Clusters {
		if clusterARN(c.Region, a.ID, c.Name) == arn {
			return &c.Tags
		}
	}
	for _, sv := range a.Services {
		if serviceARN(sv.Region, a.ID, clusterName(sv.Cluster), sv.Name) == arn {
			return &sv.Tags
		}
	}
	for _, t := range a.Tasks {
		if taskARN(t.Region, a.ID, clusterName(t.Cluster), t.ID) == arn {
			return &t.Tags
		}
	}
	for _, td := range a.TaskDefinitions {
		if taskDefARN(td.Region, a.ID, td) == arn {
			return &td.Tags
		}
	}
	return nil
}

func ecsTagResource(s *Server, rq *request) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []ecsTag `json:"tags"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	t := rq.acct.resourceTags(rq.region, in.ResourceArn)
	if t == nil {
		return nil, errf(400, "ResourceNotFoundException", "The specified resource could not be found.")
	}
	if *t == nil {
		*t = Tags{}
	}
	for _, x := range in.Tags {
		(*t)[x.Key] = x.Value
	}
	return obj{}, nil
}

func ecsUntagResource(s *Server, rq *request) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	t := rq.acct.resourceTags(rq.region, in.ResourceArn)
	if t == nil {
		return nil, errf(400, "ResourceNotFoundException", "The specified resource could not be found.")
	}
	for _, k := range in.TagKeys {
		delete(*t, k)
	}
	return obj{}, nil
}

func ecsListTagsForResource(s *Server, rq *request) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	t := rq.acct.resourceTags(rq.region, in.ResourceArn)
	if t == nil {
		return nil, errf(400, "ResourceNotFoundException", "The specified resource could not be found.")
	}
	return obj{"tags": ecsTags(*t)}, nil
}
