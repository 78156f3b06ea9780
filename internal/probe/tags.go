package probe

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Tags on probe tasks and task definitions. The controller's IAM policy
// limits RunTask, StopTask and ExecuteCommand to resources carrying them.
const (
	TagManagedBy   = "ecscheck.dev/managed-by"
	TagPool        = "ecscheck.dev/pool"
	TagLifecycle   = "ecscheck.dev/lifecycle"
	TagContentHash = "ecscheck.dev/content-hash"
	TagScript      = "ecscheck.dev/script-version"
	// TagShard names the controller shard that owns a probe task.
	TagShard = "ecscheck.dev/shard"
	// ManagedByValue is the value of TagManagedBy.
	ManagedByValue = "ecscheck"
)

// stopReasonPrefix starts the reason of every StopTask the controller makes,
// so that a task it stopped is not reported as a failure.
const stopReasonPrefix = "ecscheck: "

// StartedBy is the startedBy of a pool's probe tasks (at most 36 characters).
func StartedBy(poolKey string) string { return "ecscheck-" + poolKey }

func ecsTags(kv ...string) []ecstypes.Tag {
	tags := make([]ecstypes.Tag, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, ecstypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

func tagValue(tags []ecstypes.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// ours reports whether a task carries the probe tags of pool (any pool when
// pool is empty).
func ours(t ecstypes.Task, pool string) bool {
	if tagValue(t.Tags, TagManagedBy) != ManagedByValue {
		return false
	}
	return pool == "" || tagValue(t.Tags, TagPool) == pool
}
