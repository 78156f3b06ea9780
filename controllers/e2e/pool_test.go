package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

const controllerRole = "arn:aws:iam::123456789012:role/ecscheck-controller"

// tenantRole is a role the controller may assume only with the tenant's
// namespace as ExternalId, allowed to run probes like the controller.
func tenantRole(name, namespace string) *fakeaws.Role {
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":%q}}}]}`,
		controllerRole, namespace)
	return &fakeaws.Role{Name: name, TrustPolicy: fakeaws.PolicyDocument(trust)}
}

// Two namespaces, each allowed its own role into the same account and
// network: two pools, and every AWS call for a check is made with that
// check's role, never the other tenant's nor the controller's own.
func TestTenantsOnOneNetworkUseOnlyTheirOwnCredentials(t *testing.T) {
	roleA := "arn:aws:iam::123456789012:role/TeamA"
	roleB := "arn:aws:iam::123456789012:role/TeamB"
	w := newTenantWorld(t, nil, []map[string]string{
		{v1alpha1.AllowedRoleARNsAnnotation: roleA},
		{v1alpha1.AllowedRoleARNsAnnotation: roleB},
	})
	nsA, nsB := w.tenants[0], w.tenants[1]
	if err := w.aws.Update(func(sc *fakeaws.Scenario) {
		sc.Accounts[0].Roles = append(sc.Accounts[0].Roles, tenantRole("TeamA", nsA), tenantRole("TeamB", nsB))
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for ns, role := range map[string]string{nsA: roleA, nsB: roleB} {
		c := workerCheck("worker")
		c.Namespace, c.Spec.RoleArn = ns, role
		if err := env.Client.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	pools := map[string]bool{}
	for _, ns := range []string{nsA, nsB} {
		c := waitForIn(t, ns, "worker", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
		pools[c.Status.Probe.PoolKey] = true
	}
	if len(pools) != 2 {
		t.Fatalf("two tenants share a pool: %v", pools)
	}
	by := w.aws.CallsBy()
	for _, role := range []string{roleA, roleB} {
		if by[role]["ecs:RunTask"] != 1 || by[role]["ecs:ExecuteCommand"] < 1 || by[role]["ecs:DescribeServices"] < 1 {
			t.Errorf("%s made %v", role, by[role])
		}
	}
	for op, n := range by[controllerRole] {
		if op != "sts:AssumeRole" {
			t.Errorf("the controller's own identity called %s %d times for checks that assume roles", op, n)
		}
	}
}

func waitForIn(t *testing.T, ns, name string, cond func(*v1alpha1.ECSConnectivityCheck) bool) *v1alpha1.ECSConnectivityCheck {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	c := &v1alpha1.ECSConnectivityCheck{}
	for time.Now().Before(deadline) {
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, c); err == nil && cond(c) {
			return c
		}
		sleep(100)
	}
	t.Fatalf("%s/%s: timed out; status:\n%s", ns, name, describe(c))
	return nil
}

// The controller dies after RunTask, before it writes the task to status;
// the check is deleted while it is down. The restarted controller stops the
// task: the pool key was recorded before RunTask.
func TestCheckDeletedWhileTheControllerIsDownLeavesNoTask(t *testing.T) {
	w := newWorld(t, func(sc *fakeaws.Scenario) {
		sc.Lifecycle.Provisioning = fakeaws.Duration{Duration: 3 * time.Second}
	})
	w.create(workerCheck("worker"))
	for i := 0; w.aws.Calls()["ecs:RunTask"] == 0; i++ {
		if i > 300 {
			t.Fatal("no RunTask")
		}
		sleep(20)
	}
	w.stop()
	c := w.get("worker")
	if c.Status.Probe == nil || c.Status.Probe.PoolKey == "" {
		t.Fatalf("no pool key recorded before RunTask: %+v", c.Status.Probe)
	}
	// The status write after RunTask is what the crash lost.
	patch := client.MergeFrom(c.DeepCopy())
	c.Status.Probe = &v1alpha1.ProbeStatus{PoolKey: c.Status.Probe.PoolKey}
	if err := env.Client.Status().Patch(context.Background(), c, patch); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Delete(context.Background(), w.get("worker")); err != nil {
		t.Fatal(err)
	}
	w.start()
	waitGone(t, w, "worker")
	if n := len(runningProbeTasks(t, w)); n != 0 {
		t.Fatalf("%d probe tasks left running", n)
	}
}

// Deleting the last check of a cluster stops its probe task.
func TestLastCheckOfAClusterDeletedStopsItsTask(t *testing.T) {
	w := newWorld(t, nil)
	w.create(workerCheck("worker"))
	w.waitFor("worker", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	if n := len(runningProbeTasks(t, w)); n != 1 {
		t.Fatalf("%d probe tasks running", n)
	}
	if err := env.Client.Delete(context.Background(), w.get("worker")); err != nil {
		t.Fatal(err)
	}
	waitGone(t, w, "worker")
	if n := len(runningProbeTasks(t, w)); n != 0 {
		t.Fatalf("%d probe tasks left running", n)
	}
}

// After a restart, the reaper sweeps only with roles a namespace allows at
// that moment: a role whose allowance was withdrawn while the controller
// was down is never assumed again.
func TestReaperAssumesNoRoleThatIsNoLongerAllowed(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/TeamA"
	w := newTenantWorld(t, nil, []map[string]string{{v1alpha1.AllowedRoleARNsAnnotation: role}})
	ns := w.tenants[0]
	if err := w.aws.Update(func(sc *fakeaws.Scenario) {
		sc.Accounts[0].Roles = append(sc.Accounts[0].Roles, tenantRole("TeamA", ns))
	}); err != nil {
		t.Fatal(err)
	}
	c := workerCheck("worker")
	c.Namespace, c.Spec.RoleArn = ns, role
	if err := env.Client.Create(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	waitForIn(t, ns, "worker", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	w.stop()
	n := &corev1.Namespace{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, n); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(n.DeepCopy())
	delete(n.Annotations, v1alpha1.AllowedRoleARNsAnnotation)
	if err := env.Client.Patch(context.Background(), n, patch); err != nil {
		t.Fatal(err)
	}
	w.aws.ResetCalls()
	w.start()
	waitForIn(t, ns, "worker", func(c *v1alpha1.ECSConnectivityCheck) bool {
		s := condition(c, v1alpha1.ConditionStalled)
		return s.Status == metav1.ConditionTrue && s.Reason == v1alpha1.ReasonRoleNotAllowed
	})
	sleep(500)
	if calls := w.aws.CallsBy()[role]; len(calls) != 0 {
		t.Fatalf("after the role was withdrawn the controller still called %v with it", calls)
	}
	if calls := w.aws.CallsBy()[controllerRole]; calls["sts:AssumeRole"] != 0 {
		t.Fatalf("assumed a withdrawn role: %v", calls)
	}
}
