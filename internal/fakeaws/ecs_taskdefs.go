package fakeaws

import (
	"encoding/json"
	"strings"
)

func ecsDescribeTaskDefinition(s *Server, rq *request) (any, error) {
	var in struct {
		TaskDefinition string   `json:"taskDefinition"`
		Include        []string `json:"include"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	td := rq.acct.taskDefinition(rq.region, in.TaskDefinition)
	// A bare family resolves to an ACTIVE revision only; an explicit
	// revision is found even when INACTIVE, as in ECS.
	if td == nil {
		return nil, clientErr("Unable to describe task definition.")
	}
	out := obj{"taskDefinition": renderTaskDefinition(rq.region, rq.acct.ID, td)}
	if includes(in.Include, "TAGS") {
		out["tags"] = ecsTags(td.Tags)
	}
	return out, nil
}

func ecsRegisterTaskDefinition(s *Server, rq *request) (any, error) {
	var in struct {
		Family                  string            `json:"family"`
		TaskRoleArn             string            `json:"taskRoleArn"`
		ExecutionRoleArn        string            `json:"executionRoleArn"`
		NetworkMode             string            `json:"networkMode"`
		ContainerDefinitions    []json.RawMessage `json:"containerDefinitions"`
		RequiresCompatibilities []string          `json:"requiresCompatibilities"`
		CPU                     string            `json:"cpu"`
		Memory                  string            `json:"memory"`
		RuntimePlatform         json.RawMessage   `json:"runtimePlatform"`
		Volumes                 json.RawMessage   `json:"volumes"`
		Tags                    []ecsTag          `json:"tags"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	if in.Family == "" {
		return nil, clientErr("Family is required.")
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, clientErr("Container list cannot be empty.")
	}
	for _, raw := range in.ContainerDefinitions {
		var c containerDef
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, clientErr("Container definition is invalid: %v", err)
		}
		if c.Name == "" {
			return nil, clientErr("Container.name should not be null or empty.")
		}
		if c.Image == "" {
			return nil, clientErr("Container.image should not be null or empty.")
		}
	}
	if includes(in.RequiresCompatibilities, "FARGATE") {
		if in.NetworkMode != "awsvpc" {
			return nil, clientErr("Fargate only supports network mode ‘awsvpc’.")
		}
		if in.CPU == "" {
			return nil, clientErr("Fargate requires that 'cpu' be defined at the task level.")
		}
		if in.Memory == "" {
			return nil, clientErr("Fargate requires that 'memory' be defined at the task level.")
		}
	}
	if in.NetworkMode == "" {
		in.NetworkMode = "bridge"
	}
	rev := 0
	for _, td := range rq.acct.TaskDefinitions {
		if td.Region == rq.region && td.Family == in.Family && td.Revision > rev {
			rev = td.Revision
		}
	}
	td := &TaskDefinition{
		Family: in.Family, Revision: rev + 1, Region: rq.region,
		TaskRoleARN: in.TaskRoleArn, ExecutionRoleARN: in.ExecutionRoleArn, NetworkMode: in.NetworkMode,
		RequiresCompatibilities: in.RequiresCompatibilities, CPU: in.CPU, Memory: in.Memory,
		ContainerDefinitions: in.ContainerDefinitions, RuntimePlatform: in.RuntimePlatform,
		Volumes: in.Volumes, Status: "ACTIVE", Tags: tagsFrom(in.Tags), RegisteredAt: s.now().UTC(),
	}
	rq.acct.TaskDefinitions = append(rq.acct.TaskDefinitions, td)
	return obj{"taskDefinition": renderTaskDefinition(rq.region, rq.acct.ID, td), "tags": ecsTags(td.Tags)}, nil
}

func ecsDeregisterTaskDefinition(s *Server, rq *request) (any, error) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	ref := in.TaskDefinition
	if strings.HasPrefix(ref, "arn:") {
		ref = ref[strings.LastIndex(ref, "/")+1:]
	}
	// Deregistering needs an explicit revision.
	if !strings.Contains(ref, ":") {
		return nil, clientErr("Invalid revision number. Number: %s", in.TaskDefinition)
	}
	td := rq.acct.taskDefinition(rq.region, ref)
	if td == nil {
		return nil, clientErr("The specified task definition does not exist.")
	}
	if td.Status == "ACTIVE" {
		now := s.now().UTC()
		td.Status, td.DeregisteredAt = "INACTIVE", &now
	}
	return obj{"taskDefinition": renderTaskDefinition(rq.region, rq.acct.ID, td)}, nil
}
