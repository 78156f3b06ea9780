package diagnose

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The controller holds ECS's own types; these turn them into the inputs
// of the package so that the diagnosis stays testable with plain values.

// ContainersFromECS merges a task definition's containers with the
// runtime state of a task's containers (reason, exit code), by name.
func ContainersFromECS(defs []ecstypes.ContainerDefinition, running []ecstypes.Container) []Container {
	state := map[string]ecstypes.Container{}
	for _, c := range running {
		state[aws.ToString(c.Name)] = c
	}
	out := make([]Container, 0, len(defs))
	for _, d := range defs {
		c := Container{
			Name: aws.ToString(d.Name), Image: aws.ToString(d.Image),
			Essential:              d.Essential == nil || *d.Essential, // ECS's default is essential
			ReadonlyRootFilesystem: aws.ToBool(d.ReadonlyRootFilesystem),
		}
		if lp := d.LinuxParameters; lp != nil {
			c.InitProcessEnabled = aws.ToBool(lp.InitProcessEnabled)
		}
		if lc := d.LogConfiguration; lc != nil {
			c.LogDriver, c.LogOptions = string(lc.LogDriver), lc.Options
		}
		for _, s := range d.Secrets {
			c.Secrets = append(c.Secrets, Secret{Name: aws.ToString(s.Name), ValueFrom: aws.ToString(s.ValueFrom)})
		}
		if rc := d.RepositoryCredentials; rc != nil {
			c.RepositoryCredentials = aws.ToString(rc.CredentialsParameter)
		}
		if s, ok := state[c.Name]; ok {
			c.Reason, c.ExitCode = aws.ToString(s.Reason), s.ExitCode
		}
		out = append(out, c)
	}
	return out
}

// ExecStateFromECS is the ExecState of a task; container is the one
// exec'd into ("" for the first essential one). The caller sets Subject
// and ExecuteCommandError.
func ExecStateFromECS(t ecstypes.Task, td *ecstypes.TaskDefinition, container string) ExecState {
	e := ExecState{
		TaskArn: aws.ToString(t.TaskArn), Cluster: aws.ToString(t.ClusterArn),
		EnableExecuteCommand: t.EnableExecuteCommand, Container: container,
		LaunchType: string(t.LaunchType), PlatformVersion: aws.ToString(t.PlatformVersion),
	}
	if td != nil {
		e.Containers = ContainersFromECS(td.ContainerDefinitions, t.Containers)
		if rp := td.RuntimePlatform; rp != nil {
			e.OSFamily = string(rp.OperatingSystemFamily)
		}
	}
	for _, c := range t.Containers {
		if container != "" && aws.ToString(c.Name) != container {
			continue
		}
		for _, a := range c.ManagedAgents {
			if a.Name == ecstypes.ManagedAgentNameExecuteCommandAgent {
				e.AgentStatus, e.AgentReason = aws.ToString(a.LastStatus), aws.ToString(a.Reason)
				return e
			}
		}
	}
	return e
}
