package fakeaws

import (
	"encoding/json"
	"strconv"
	"time"
)

// obj is an ECS JSON object; put skips unset values, as ECS omits them.
type obj map[string]any

func (o obj) put(k string, v any) obj {
	switch x := v.(type) {
	case nil:
		return o
	case string:
		if x == "" {
			return o
		}
	case *time.Time:
		if x == nil || x.IsZero() {
			return o
		}
		v = epoch(*x)
	case time.Time:
		if x.IsZero() {
			return o
		}
		v = epoch(x)
	case json.RawMessage:
		if len(x) == 0 {
			return o
		}
	case *int:
		if x == nil {
			return o
		}
		v = *x
	}
	o[k] = v
	return o
}

// epoch is the awsJson timestamp form: seconds since the epoch, fractional.
func epoch(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
}

// ecsTags renders tags as ECS lists them: [{key, value}], sorted.
func ecsTags(t Tags) []obj {
	out := []obj{}
	for _, k := range sortedKeys(t) {
		out = append(out, obj{"key": k, "value": t[k]})
	}
	return out
}

type ecsTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagsFrom(in []ecsTag) Tags {
	if len(in) == 0 {
		return nil
	}
	t := Tags{}
	for _, x := range in {
		t[x.Key] = x.Value
	}
	return t
}

func includes(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func networkConfig(n *Network) obj {
	if n == nil {
		return nil
	}
	pub := n.AssignPublicIP
	if pub == "" {
		pub = "DISABLED"
	}
	sgs := n.SecurityGroups
	if sgs == nil {
		sgs = []string{}
	}
	return obj{"awsvpcConfiguration": obj{"subnets": n.Subnets, "securityGroups": sgs, "assignPublicIp": pub}}
}

// containerDefs returns a task definition's containers with the defaults
// ECS fills in when describing them.
func containerDefs(td *TaskDefinition) []map[string]any {
	out := make([]map[string]any, 0, len(td.ContainerDefinitions))
	for _, raw := range td.ContainerDefinitions {
		m := map[string]any{}
		json.Unmarshal(raw, &m) //nolint:errcheck // validated at registration
		for k, v := range map[string]any{
			"cpu": 0, "essential": true, "environment": []any{}, "mountPoints": []any{},
			"portMappings": []any{}, "volumesFrom": []any{}, "systemControls": []any{},
		} {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
		out = append(out, m)
	}
	return out
}

func parseContainers(td *TaskDefinition) []containerDef {
	out := make([]containerDef, 0, len(td.ContainerDefinitions))
	for _, raw := range td.ContainerDefinitions {
		var c containerDef
		json.Unmarshal(raw, &c) //nolint:errcheck // validated at registration
		out = append(out, c)
	}
	return out
}

func renderTaskDefinition(region, acct string, td *TaskDefinition) obj {
	compat := []string{"EC2"}
	if td.NetworkMode == "awsvpc" {
		compat = []string{"EC2", "FARGATE"}
	}
	o := obj{
		"taskDefinitionArn":    taskDefARN(region, acct, td),
		"containerDefinitions": containerDefs(td),
		"family":               td.Family,
		"revision":             td.Revision,
		"status":               td.Status,
		"compatibilities":      compat,
		"requiresAttributes":   []any{},
		"placementConstraints": []any{},
	}
	o.put("taskRoleArn", td.TaskRoleARN).put("executionRoleArn", td.ExecutionRoleARN).
		put("networkMode", td.NetworkMode).put("cpu", td.CPU).put("memory", td.Memory).
		put("registeredAt", td.RegisteredAt).put("deregisteredAt", td.DeregisteredAt).
		put("runtimePlatform", td.RuntimePlatform).
		put("registeredBy", "arn:aws:iam::"+acct+":root")
	if len(td.RequiresCompatibilities) > 0 {
		o["requiresCompatibilities"] = td.RequiresCompatibilities
	}
	if len(td.Volumes) > 0 {
		o["volumes"] = td.Volumes
	} else {
		o["volumes"] = []any{}
	}
	return o
}
