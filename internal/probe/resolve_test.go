package probe

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awstext"
)

func TestResolveMirrorsTheService(t *testing.T) {
	e := newEnv(t)
	// Seed 001: a task that could not pull its image ten minutes ago, and
	// one that stopped long before the window.
	for _, s := range []struct {
		ago    time.Duration
		reason string
	}{{10 * time.Minute, "CannotPullContainerError: pull image manifest has been retried 5 time(s)"}, {3 * time.Hour, "Scaling activity initiated by (deployment ecs-svc/1)"}} {
		tk := e.ecs.addTaskLocked("ecs-svc/1", nil, "STOPPED", "")
		at := epoch.Add(-s.ago)
		tk.Group, tk.DesiredStatus, tk.StoppedReason, tk.StoppedAt, tk.StopCode = aws.String("service:"+serviceName), aws.String("STOPPED"), aws.String(s.reason), &at, ecstypes.TaskStopCodeTaskFailedToStart
	}
	id, svc, err := e.m.Resolve(e.ctx, e.clients, check("a"))
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Region: region, Account: acct, Cluster: clusterArn, ExecInto: v1alpha1.ExecIntoProbeTask,
		Lifecycle: v1alpha1.LifecyclePersistent, LaunchType: v1alpha1.LaunchTypeFargate, NetworkMode: NetworkAWSVPC,
		Subnets: []string{"subnet-0a000000000000001", "subnet-0b000000000000002"}, SecurityGroups: []string{"sg-0a1b2c3d4e5f60001"},
		AssignPublicIP: v1alpha1.AssignPublicIPDisabled, TaskRoleArn: taskRole, ExecRoleArn: execRole, Image: DefaultImage,
		CPU: "256", Memory: "512", PlatformVersion: "1.4.0", ServiceArn: serviceArn, Container: ContainerName,
		VPCID: "vpc-0abc", VPCCIDRs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}, Credentials: region + "|controller"}
	want.Owner, want.PoolKey = id.Owner, id.PoolKey
	if !reflect.DeepEqual(*id, want) {
		t.Errorf("identity\n got %+v\nwant %+v", *id, want)
	}
	if len(id.PoolKey) != 12 || len(StartedBy(id.PoolKey)) > 36 {
		t.Errorf("pool key %q", id.PoolKey)
	}
	st := svc.Status()
	if st.DesiredCount != 3 || st.RunningCount != 2 || len(st.RecentStopReasons) != 1 ||
		st.RecentStopReasons[0].Code != "CannotPullContainer" || !awstext.IsStartFailure(st.RecentStopReasons[0].Code) {
		t.Errorf("service status %+v", st)
	}
}

func TestResolveOverridesFieldByField(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	c.Spec.Network = &v1alpha1.NetworkSpec{SecurityGroups: []string{"sg-0ffffffffffffff01"}}
	c.Spec.TaskRoleArn = otherRole
	c.Spec.Probe = v1alpha1.ProbeSpec{Image: "public.ecr.aws/my/probe:1", PlatformVersion: "LATEST"}
	id := e.resolve(c)
	if id.Subnets[0] != "subnet-0a000000000000001" || id.SecurityGroups[0] != "sg-0ffffffffffffff01" ||
		id.TaskRoleArn != otherRole || id.ExecRoleArn != execRole || id.Image != "public.ecr.aws/my/probe:1" || id.PlatformVersion != "LATEST" {
		t.Errorf("%+v", id)
	}
}

func TestPoolKey(t *testing.T) {
	e := newEnv(t)
	a, b := e.resolve(check("a")), e.resolve(check("b"))
	if a.PoolKey != b.PoolKey {
		t.Error("two checks of one service have different pool keys")
	}
	for name, change := range map[string]func(*v1alpha1.ECSConnectivityCheck){
		"security group": func(c *v1alpha1.ECSConnectivityCheck) {
			c.Spec.Network = &v1alpha1.NetworkSpec{SecurityGroups: []string{"sg-0ffffffffffffff01"}}
		},
		"public IP": func(c *v1alpha1.ECSConnectivityCheck) {
			c.Spec.Network = &v1alpha1.NetworkSpec{AssignPublicIP: "ENABLED"}
		},
		"task role":  func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.TaskRoleArn = otherRole },
		"image":      func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.Image = "public.ecr.aws/my/probe:1" },
		"memory":     func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.Memory = "1024" },
		"per run":    func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.Lifecycle = v1alpha1.LifecyclePerRun },
		"exec into":  func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.ExecInto = v1alpha1.ExecIntoServiceTask },
		"launchType": func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.LaunchType = v1alpha1.LaunchTypeEC2 },
	} {
		c := check("c")
		change(c)
		if e.resolve(c).PoolKey == a.PoolKey {
			t.Errorf("changing the %s keeps the pool key", name)
		}
	}
	// Subnet order does not matter.
	c := check("c")
	c.Spec.Network = &v1alpha1.NetworkSpec{Subnets: []string{"subnet-0b000000000000002", "subnet-0a000000000000001"}}
	if e.resolve(c).PoolKey != a.PoolKey {
		t.Error("reordered subnets change the pool key")
	}
	// PerRun probes are per check.
	p1, p2 := check("p1"), check("p2")
	p1.Spec.Probe.Lifecycle, p2.Spec.Probe.Lifecycle = v1alpha1.LifecyclePerRun, v1alpha1.LifecyclePerRun
	if e.resolve(p1).PoolKey == e.resolve(p2).PoolKey {
		t.Error("two PerRun checks share a pool")
	}
}

func TestResolveNotFound(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		cluster, service, reason string
	}{
		"service":              {"prod", "nope", v1alpha1.ReasonServiceNotFound},
		"cluster with service": {"nope", serviceName, v1alpha1.ReasonClusterNotFound},
		"cluster":              {"nope", "", v1alpha1.ReasonClusterNotFound},
	} {
		c := check("a")
		c.Spec.Cluster, c.Spec.Service = tc.cluster, tc.service
		c.Spec.Network = &v1alpha1.NetworkSpec{Subnets: []string{"subnet-0a000000000000001"}}
		_, _, err := e.m.Resolve(e.ctx, e.clients, c)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != tc.reason || !pe.Stalled() {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestResolveNeedsSubnetsAndATaskRole(t *testing.T) {
	e := newEnv(t)
	c := check("a")
	c.Spec.Service = ""
	c.Spec.Network = &v1alpha1.NetworkSpec{Subnets: []string{"subnet-0a000000000000001"}}
	if _, _, err := e.m.Resolve(e.ctx, e.clients, c); AsError(err) == nil || AsError(err).Reason != v1alpha1.ReasonInvalidConfiguration {
		t.Errorf("no task role: %v", err)
	}
	c.Spec.TaskRoleArn = otherRole
	id, svc, err := e.m.Resolve(e.ctx, e.clients, c)
	if err != nil || svc != nil || id.Cluster != clusterArn || id.Account != acct || id.NetworkMode != NetworkAWSVPC {
		t.Errorf("%+v %+v %v", id, svc, err)
	}
	c.Spec.Network = nil
	if _, _, err := e.m.Resolve(e.ctx, e.clients, c); AsError(err) == nil || AsError(err).Reason != v1alpha1.ReasonInvalidConfiguration {
		t.Errorf("no subnets: %v", err)
	}
}

func TestResolveEC2BridgeService(t *testing.T) {
	e := newEnv(t)
	svc := e.ecs.services[serviceName]
	svc.LaunchType, svc.NetworkConfiguration = ecstypes.LaunchTypeEc2, nil
	e.ecs.services[serviceName] = svc
	e.ecs.taskDefs[serviceTD].NetworkMode = ecstypes.NetworkModeBridge
	id := e.resolve(check("a"))
	if id.LaunchType != v1alpha1.LaunchTypeEC2 || id.NetworkMode != NetworkBridge || id.PlatformVersion != "" || len(id.Subnets) != 0 {
		t.Errorf("%+v", id)
	}
	in := runTaskInput(id, "td", "tok")
	if in.NetworkConfiguration != nil || in.PlatformVersion != nil || in.LaunchType != ecstypes.LaunchTypeEc2 {
		t.Errorf("RunTask input %+v", in)
	}
	if td := TaskDefinition(id); td.NetworkMode != ecstypes.NetworkModeBridge || td.RequiresCompatibilities[0] != ecstypes.CompatibilityEc2 {
		t.Errorf("task definition %+v", td)
	}
}
