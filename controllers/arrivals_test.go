package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// Checks that would resolve to the same pool share a placement; what the
// pool key depends on before any AWS read tells them apart, and so does
// the namespace of a check that assumes a role (its ExternalId).
func TestPlacement(t *testing.T) {
	base := func(ns string) *v1alpha1.ECSConnectivityCheck {
		return &v1alpha1.ECSConnectivityCheck{
			ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: ns},
			Spec: v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: "api",
				Targets: []v1alpha1.Target{{Name: "db", TCP: &v1alpha1.TCPTarget{Host: "db", Port: 5432}}}},
		}
	}
	same := []func(*v1alpha1.ECSConnectivityCheck){
		func(c *v1alpha1.ECSConnectivityCheck) { c.Name = "b" },
		func(c *v1alpha1.ECSConnectivityCheck) { c.Namespace = "team-b" }, // the controller's own credentials
		func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Targets = nil },
		func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Interval = &metav1.Duration{Duration: 300e9} },
	}
	differ := map[string]func(*v1alpha1.ECSConnectivityCheck){
		"service":   func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Service = "worker" },
		"cluster":   func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Cluster = "staging" },
		"region":    func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Region = "us-east-1" },
		"task role": func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.TaskRoleArn = "arn:aws:iam::123456789012:role/x" },
		"image":     func(c *v1alpha1.ECSConnectivityCheck) { c.Spec.Probe.Image = "example.com/probe:1" },
		"network": func(c *v1alpha1.ECSConnectivityCheck) {
			c.Spec.Network = &v1alpha1.NetworkSpec{Subnets: []string{"subnet-1"}}
		},
	}
	want := Placement(base("team-a"))
	for i, edit := range same {
		c := base("team-a")
		edit(c)
		if got := Placement(c); got != want {
			t.Errorf("same placement %d: %s != %s", i, got, want)
		}
	}
	for name, edit := range differ {
		c := base("team-a")
		edit(c)
		if Placement(c) == want {
			t.Errorf("%s: the placement did not change", name)
		}
	}
	assumeA, assumeB := base("team-a"), base("team-b")
	assumeA.Spec.RoleArn = "arn:aws:iam::123456789012:role/probe"
	assumeB.Spec.RoleArn = assumeA.Spec.RoleArn
	if Placement(assumeA) == Placement(assumeB) {
		t.Error("one role assumed from two namespaces shares a placement")
	}
}
