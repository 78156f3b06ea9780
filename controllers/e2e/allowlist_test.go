package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
)

// Roles and images of the demo world (hack/fakeaws/demo.yaml).
const (
	demoTaskRole = "arn:aws:iam::123456789012:role/TaskRole"
	demoExecRole = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
	teamImage    = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team-a/probe:1.2"
	sharedImage  = "registry.example/shared/aws-cli:2"
)

// An editor of one namespace cannot make the controller pass a role or run an
// image the cluster admins did not grant: such a check stalls before any AWS
// call, so nothing is registered or started. Granting it through the
// namespace annotations (or --allowed-probe-images) lets it run; revoking the
// grant stalls it at the next reconcile.
func TestProbeOverridesNeedTheNamespacesGrant(t *testing.T) {
	w := newWorld(t, nil)
	w.configure = func(c *controllers.Config) { c.AllowedProbeImages = []string{sharedImage} }
	w.restart()

	overrides := []struct {
		name   string
		edit   func(*v1alpha1.ECSConnectivityCheckSpec)
		reason string
		// annotation and value that grant it
		annotation, value string
	}{
		{"task-role", func(s *v1alpha1.ECSConnectivityCheckSpec) { s.TaskRoleArn = demoTaskRole },
			v1alpha1.ReasonRoleNotAllowed, v1alpha1.AllowedProbeRoleARNsAnnotation, demoTaskRole},
		{"execution-role", func(s *v1alpha1.ECSConnectivityCheckSpec) { s.ExecutionRoleArn = demoExecRole },
			v1alpha1.ReasonRoleNotAllowed, v1alpha1.AllowedProbeRoleARNsAnnotation, demoExecRole},
		{"image", func(s *v1alpha1.ECSConnectivityCheckSpec) { s.Probe.Image = teamImage },
			v1alpha1.ReasonImageNotAllowed, v1alpha1.AllowedProbeImagesAnnotation, teamImage},
	}
	for _, o := range overrides {
		c := workerCheck(o.name)
		o.edit(&c.Spec)
		w.create(c)
	}
	for _, o := range overrides {
		c := w.waitFor(o.name, "Stalled "+o.reason, stalled(o.reason))
		msg := condition(c, v1alpha1.ConditionStalled).Message
		if !strings.Contains(msg, o.annotation) || !strings.Contains(msg, o.value) || !strings.Contains(msg, w.ns) {
			t.Errorf("%s: the message does not say which annotation to set to what: %s", o.name, msg)
		}
		if c.Status.Probe != nil {
			t.Errorf("%s: a probe in status: %+v", o.name, c.Status.Probe)
		}
	}
	// The flag grants its image in every namespace, with no annotation.
	w.create(withImage(workerCheck("shared-image"), sharedImage))
	w.waitFor("shared-image", "Ready=True", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
	for _, o := range overrides {
		if c := w.get(o.name); condition(c, v1alpha1.ConditionStalled).Reason != o.reason {
			t.Fatalf("%s is no longer stalled while nothing grants it:\n%s", o.name, describe(c))
		}
	}
	for _, op := range []string{"ecs:RegisterTaskDefinition", "ecs:RunTask"} {
		if n := w.aws.Calls()[op]; n != 1 {
			t.Fatalf("%s called %d times, want once, for the flag-granted check only", op, n)
		}
	}

	// A cluster admin grants the roles and the image: each check runs.
	w.annotateNamespace(map[string]string{
		v1alpha1.AllowedProbeRoleARNsAnnotation: demoTaskRole + ", " + demoExecRole,
		v1alpha1.AllowedProbeImagesAnnotation:   teamImage,
	})
	for _, o := range overrides {
		c := w.waitFor(o.name, "Ready=True once granted", ready(metav1.ConditionTrue, v1alpha1.ReasonAllTargetsAsExpected))
		if s := condition(c, v1alpha1.ConditionStalled); s.Status != "" {
			t.Errorf("%s: Stalled still set: %+v", o.name, s)
		}
	}

	// The admin revokes the grants: the namespace change alone stalls the
	// checks again, with the generation they describe.
	w.annotateNamespace(map[string]string{
		v1alpha1.AllowedProbeRoleARNsAnnotation: "",
		v1alpha1.AllowedProbeImagesAnnotation:   "",
	})
	for _, o := range overrides {
		w.waitFor(o.name, "Stalled "+o.reason+" once revoked", stalled(o.reason))
	}
	// Their probes stop with them: only the flag-granted check's task runs.
	for i := 0; len(runningProbeTasks(t, w)) != 1; i++ {
		if i > 100 {
			t.Fatalf("%d probe tasks run after the grants were revoked, want 1", len(runningProbeTasks(t, w)))
		}
		sleep(100)
	}
}

func stalled(reason string) func(*v1alpha1.ECSConnectivityCheck) bool {
	return func(c *v1alpha1.ECSConnectivityCheck) bool {
		s := condition(c, v1alpha1.ConditionStalled)
		r := condition(c, v1alpha1.ConditionReady)
		return s.Status == metav1.ConditionTrue && s.Reason == reason && s.ObservedGeneration == c.Generation &&
			r.Status == metav1.ConditionFalse && r.Reason == reason && c.Status.ObservedGeneration == c.Generation
	}
}

func withImage(c *v1alpha1.ECSConnectivityCheck, image string) *v1alpha1.ECSConnectivityCheck {
	c.Spec.Probe.Image = image
	return c
}

// annotateNamespace sets (or, with "", removes) annotations on the world's
// namespace, as a cluster admin would with kubectl annotate.
func (w *world) annotateNamespace(annotations map[string]string) {
	w.t.Helper()
	ns := &corev1.Namespace{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: w.ns}, ns); err != nil {
		w.t.Fatal(err)
	}
	patch := client.MergeFrom(ns.DeepCopy())
	if ns.Annotations == nil {
		ns.Annotations = map[string]string{}
	}
	for k, v := range annotations {
		if v == "" {
			delete(ns.Annotations, k)
		} else {
			ns.Annotations[k] = v
		}
	}
	if err := env.Client.Patch(context.Background(), ns, patch); err != nil {
		w.t.Fatal(err)
	}
}
