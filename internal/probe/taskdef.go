package probe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/cache"
	"github.com/ecscheck/ecscheck/internal/probe/script"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// Names inside the probe task definition.
const (
	ContainerName = "probe"
	// ScriptEnv carries the probe script into the container.
	ScriptEnv = "ECSCHECK_PROBE_SCRIPT"
)

// startCommand writes the script from its variable to the file the exec
// command runs, then idles. It is a constant: nothing from a spec is in it.
var startCommand = `printf '%s\n' "$` + ScriptEnv + `" > ` + wire.ScriptPath + ` && exec tail -f /dev/null`

// TaskDefinition is the probe task definition of an identity, without tags.
// The aws-cli image's entry point is the aws CLI, so it is replaced by sh.
func TaskDefinition(id *Identity) *ecs.RegisterTaskDefinitionInput {
	c := ecstypes.ContainerDefinition{
		Name:            aws.String(ContainerName),
		Image:           aws.String(id.Image),
		Essential:       aws.Bool(true),
		EntryPoint:      []string{"/bin/sh", "-c"},
		Command:         []string{startCommand},
		Environment:     []ecstypes.KeyValuePair{{Name: aws.String(ScriptEnv), Value: aws.String(string(script.Bytes))}},
		LinuxParameters: &ecstypes.LinuxParameters{InitProcessEnabled: aws.Bool(true)},
	}
	if id.LogGroup != "" {
		c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": id.LogGroup, "awslogs-region": id.Region, "awslogs-stream-prefix": "ecscheck",
		}}
	}
	in := &ecs.RegisterTaskDefinitionInput{
		Family:               aws.String(id.Family()),
		ContainerDefinitions: []ecstypes.ContainerDefinition{c},
		NetworkMode:          ecstypes.NetworkMode(id.NetworkMode),
		Cpu:                  aws.String(id.CPU),
		Memory:               aws.String(id.Memory),
		TaskRoleArn:          aws.String(id.TaskRoleArn),
	}
	if id.ExecRoleArn != "" {
		in.ExecutionRoleArn = aws.String(id.ExecRoleArn)
	}
	if id.LaunchType == v1alpha1.LaunchTypeEC2 {
		in.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
	} else {
		in.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityFargate}
	}
	return in
}

// contentHash identifies a task definition's content, so that it is
// registered once and a changed one (new script, image...) is registered anew.
func contentHash(in *ecs.RegisterTaskDefinitionInput) string {
	b, _ := json.Marshal(in) // SDK inputs are plain data; Marshal cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// ensureTaskDefinition returns the ARN of the identity's probe task
// definition, registering it only when no ACTIVE revision of the family has
// the same content hash.
func (m *Manager) ensureTaskDefinition(ctx context.Context, api awsclient.ECSAPI, id *Identity) (string, error) {
	in := TaskDefinition(id)
	hash := contentHash(in)
	cacheKey := "probetd/" + id.Region + "/" + id.Account + "/" + hash
	if v, ok := m.cache.Get(cacheKey); ok {
		return v.(string), nil
	}
	out, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: in.Family, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	switch {
	case err == nil && out.TaskDefinition != nil && out.TaskDefinition.Status == ecstypes.TaskDefinitionStatusActive &&
		tagValue(out.Tags, TagContentHash) == hash:
		arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
		m.cache.Set(cacheKey, arn, cache.TaskDefinitionTTL)
		return arn, nil
	case err != nil && awsclient.Classify(err) != awsclient.ClassInvalid:
		// ClientException is how ECS says the family does not exist yet.
		return "", awsError("ecs:DescribeTaskDefinition", err)
	}
	in.Tags = ecsTags(TagManagedBy, ManagedByValue, TagPool, id.PoolKey, TagContentHash, hash, TagScript, script.Version)
	reg, err := api.RegisterTaskDefinition(ctx, in)
	if err != nil {
		e := awsError("ecs:RegisterTaskDefinition", err)
		if awsclient.Classify(err) == awsclient.ClassInvalid {
			e.Reason = v1alpha1.ReasonInvalidConfiguration
			e.Message = "ECS rejected the probe task definition: " + describe(err)
		}
		return "", e
	}
	arn := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	m.log(ctx).Info("registered probe task definition", "taskDefinition", arn)
	m.cache.Set(cacheKey, arn, cache.TaskDefinitionTTL)
	return arn, nil
}
