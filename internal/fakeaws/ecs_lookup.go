package fakeaws

import (
	"strconv"
	"strings"
)

// ARNs and names of ECS resources. ECS accepts a name or an ARN almost
// everywhere, so lookups strip ARNs down to names first.

func clusterName(s string) string {
	if s == "" {
		return "default"
	}
	if strings.HasPrefix(s, "arn:") {
		return s[strings.LastIndex(s, "/")+1:]
	}
	return s
}

func clusterARN(region, acct, name string) string {
	return "arn:aws:ecs:" + region + ":" + acct + ":cluster/" + name
}

func serviceARN(region, acct, cluster, name string) string {
	return "arn:aws:ecs:" + region + ":" + acct + ":service/" + cluster + "/" + name
}

func taskARN(region, acct, cluster, id string) string {
	return "arn:aws:ecs:" + region + ":" + acct + ":task/" + cluster + "/" + id
}

func taskDefARN(region, acct string, td *TaskDefinition) string {
	return "arn:aws:ecs:" + region + ":" + acct + ":task-definition/" + td.Family + ":" + strconv.Itoa(td.Revision)
}

func (a *Account) cluster(region, nameOrARN string) *Cluster {
	n := clusterName(nameOrARN)
	for _, c := range a.Clusters {
		if c.Region == region && c.Name == n {
			return c
		}
	}
	return nil
}

// taskDefinition resolves "family", "family:rev" or an ARN. A bare family
// means its latest ACTIVE revision, as in ECS.
func (a *Account) taskDefinition(region, ref string) *TaskDefinition {
	if strings.HasPrefix(ref, "arn:") {
		ref = ref[strings.LastIndex(ref, "/")+1:]
	}
	fam, rev := ref, 0
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		n, err := strconv.Atoi(ref[i+1:])
		if err != nil {
			return nil
		}
		fam, rev = ref[:i], n
	}
	var best *TaskDefinition
	for _, td := range a.TaskDefinitions {
		if td.Region != region || td.Family != fam {
			continue
		}
		if rev != 0 {
			if td.Revision == rev {
				return td
			}
			continue
		}
		if td.Status == "ACTIVE" && (best == nil || td.Revision > best.Revision) {
			best = td
		}
	}
	return best
}

func (a *Account) service(region, cluster, nameOrARN string) *Service {
	n := nameOrARN
	if strings.HasPrefix(n, "arn:") {
		n = n[strings.LastIndex(n, "/")+1:]
	}
	for _, sv := range a.Services {
		if sv.Region == region && clusterName(sv.Cluster) == cluster && sv.Name == n {
			return sv
		}
	}
	return nil
}

// task finds a task by ID or ARN in a cluster.
func (a *Account) task(region, cluster, idOrARN string) *Task {
	id := idOrARN[strings.LastIndex(idOrARN, "/")+1:]
	for _, t := range a.Tasks {
		if t.Region == region && clusterName(t.Cluster) == cluster && t.ID == id {
			return t
		}
	}
	return nil
}

// containerDef is the part of an ECS container definition the fake uses.
type containerDef struct {
	Name            string                              `json:"name"`
	Image           string                              `json:"image"`
	Essential       *bool                               `json:"essential"`
	Command         []string                            `json:"command"`
	EntryPoint      []string                            `json:"entryPoint"`
	Environment     []kv                                `json:"environment"`
	LinuxParameters *struct{ InitProcessEnabled *bool } `json:"linuxParameters"`
	ReadonlyRootFS  *bool                               `json:"readonlyRootFilesystem"`
}

type kv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
