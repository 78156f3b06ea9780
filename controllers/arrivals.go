package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/pool"
)

// placementIndex indexes checks by Placement, so a pool finds the checks
// on their way to it in the informer cache.
const placementIndex = "spec.placement"

// Placement is what of a check's spec decides its pool before any AWS read:
// where it probes, with which roles and image, and as whom. Two checks with
// the same placement resolve to the same pool. A check that assumes a role
// does so with its namespace's ExternalId, so the namespace is part of it.
func Placement(c *v1alpha1.ECSConnectivityCheck) string {
	s := c.Spec
	p := struct {
		Namespace        string                `json:"ns,omitempty"`
		Region           string                `json:"region,omitempty"`
		Cluster          string                `json:"cluster"`
		Service          string                `json:"service,omitempty"`
		Network          *v1alpha1.NetworkSpec `json:"network,omitempty"`
		TaskRoleArn      string                `json:"taskRoleArn,omitempty"`
		ExecutionRoleArn string                `json:"executionRoleArn,omitempty"`
		RoleArn          string                `json:"roleArn,omitempty"`
		Probe            v1alpha1.ProbeSpec    `json:"probe"`
	}{"", s.Region, s.Cluster, s.Service, s.Network, s.TaskRoleArn, s.ExecutionRoleArn, s.RoleArn, s.Probe}
	if s.RoleArn != "" {
		p.Namespace = c.Namespace
	}
	b, _ := json.Marshal(p) // plain strings and slices: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

func placementOf(o client.Object) []string {
	c, ok := o.(*v1alpha1.ECSConnectivityCheck)
	if !ok {
		return nil
	}
	return []string{Placement(c)}
}

// PoolArriving tells a pool whether checks are on their way to it, from the
// informer cache's placement index (pool.Arriving).
func PoolArriving(c client.Reader) pool.Arriving {
	return func(ctx context.Context, key string, placements []string, member func(types.NamespacedName) bool) (bool, error) {
		for _, p := range placements {
			list := &v1alpha1.ECSConnectivityCheckList{}
			// Read-only: the cache's objects need no copy.
			if err := c.List(ctx, list, client.MatchingFields{placementIndex: p}, client.UnsafeDisableDeepCopy); err != nil {
				return false, err
			}
			for i := range list.Items {
				chk := &list.Items[i]
				if arriving(chk, key) && !member(client.ObjectKeyFromObject(chk)) {
					return true, nil
				}
			}
		}
		return false, nil
	}
}

// arriving: the check will join pool key on a coming reconcile: it
// probes, it has not settled its current generation (a check that failed or
// stalled has; one whose reconcile keeps failing holds a pool no longer
// than the hold's limit), and it is not known to resolve to another pool.
func arriving(c *v1alpha1.ECSConnectivityCheck, key string) bool {
	if !c.DeletionTimestamp.IsZero() || c.Spec.Suspend || c.Status.ObservedGeneration == c.Generation {
		return false
	}
	if s := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionStalled); s != nil &&
		s.Status == metav1.ConditionTrue && s.ObservedGeneration == c.Generation {
		return false
	}
	p := c.Status.Probe
	return p == nil || p.PoolKey == "" || p.PoolKey == key
}
