package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe/script"
)

// Network modes of the probe task.
const (
	NetworkAWSVPC = "awsvpc"
	NetworkBridge = "bridge"
	NetworkHost   = "host"
)

// Identity is everything that decides where and as whom a probe runs. Checks
// with the same PoolKey share a probe.
type Identity struct {
	Region  string
	Account string
	// Cluster is the cluster's ARN when known, else the spec's name.
	Cluster string

	ExecInto  v1alpha1.ExecInto
	Lifecycle v1alpha1.ProbeLifecycle

	LaunchType      v1alpha1.LaunchType
	NetworkMode     string
	Subnets         []string // sorted
	SecurityGroups  []string // sorted
	AssignPublicIP  v1alpha1.AssignPublicIP
	TaskRoleArn     string
	ExecRoleArn     string
	Image           string
	CPU             string
	Memory          string
	PlatformVersion string
	LogGroup        string

	// ServiceArn is the mirrored service, if any.
	ServiceArn string
	// Container is the container to exec into with ServiceTask.
	Container string

	// Owner is the only check of a PerRun pool.
	Owner types.NamespacedName

	// VPCID and VPCCIDRs are where the subnets live; empty when EC2 could
	// not be read. They decide viaVPCEndpoint and expectPrivateAddress.
	VPCID    string
	VPCCIDRs []netip.Prefix

	// Credentials is the scope of the AWS credentials the check is allowed
	// to use (awsclient.Clients.Scope): the controller's own identity, or
	// the assumed role with its ExternalId. Checks share a probe only
	// with the same credentials, so no check's targets or diagnosis ever
	// run with another's.
	Credentials string
	// perCheck keys the pool by its check (Options.PoolPerCheck).
	perCheck bool
	// Shard is the hash of the controller's shard (Options.Shard).
	Shard string

	// PoolKey is set by Resolve.
	PoolKey string
}

// poolKey hashes the fields that make two checks' probes interchangeable.
// A PerRun probe belongs to one check, a ServiceTask "pool" to one service
// and container.
func (id *Identity) poolKey() string {
	f := []string{
		"region=" + id.Region, "account=" + id.Account, "cluster=" + id.Cluster,
		"execInto=" + string(id.ExecInto), "script=" + script.Version,
		"credentials=" + id.Credentials, "shard=" + id.Shard,
	}
	if id.ExecInto == v1alpha1.ExecIntoServiceTask {
		f = append(f, "service="+id.ServiceArn, "container="+id.Container)
	} else {
		f = append(f,
			"lifecycle="+string(id.Lifecycle),
			"launchType="+string(id.LaunchType), "networkMode="+id.NetworkMode,
			"subnets="+strings.Join(id.Subnets, ","), "securityGroups="+strings.Join(id.SecurityGroups, ","),
			"publicIP="+string(id.AssignPublicIP),
			"taskRole="+id.TaskRoleArn, "executionRole="+id.ExecRoleArn,
			"image="+id.Image, "cpu="+id.CPU, "memory="+id.Memory,
			"platformVersion="+id.PlatformVersion, "logGroup="+id.LogGroup,
		)
		if id.Lifecycle == v1alpha1.LifecyclePerRun || id.perCheck {
			f = append(f, "owner="+id.Owner.String())
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(f, "\n")))
	return hex.EncodeToString(sum[:])[:12]
}

// Family is the task definition family of the identity's probe.
func (id *Identity) Family() string { return "ecscheck-probe-" + id.PoolKey }

func (id *Identity) String() string {
	return fmt.Sprintf("%s %s/%s in %s", id.ExecInto, id.LaunchType, id.NetworkMode, id.Cluster)
}

// ShardTag is the value of TagShard for a controller's label selector: a
// hash, since selectors hold characters tags do not allow.
func ShardTag(selector string) string {
	if selector == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(selector))
	return hex.EncodeToString(sum[:])[:12]
}
