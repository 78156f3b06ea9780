package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// The controller at its most verbose log level, with the seed scenarios,
// an assumed role and ECS Exec sessions: no exec token, session token or
// secret key the fake AWS issued appears in its logs, in events or in any
// check's status.
func TestNoSecretReachesLogsEventsOrStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the controller binary")
	}
	root := testenv.RepoRoot()
	ctx := context.Background()
	var log bytes.Buffer
	sb := startDemo(t, &log, "--zap-log-level=10", "--zap-devel")

	// A role the demo namespace may assume, so role sessions are issued too.
	role := "arn:aws:iam::123456789012:role/DemoAudit"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ecscheck-controller"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"demo"}}}]}`
	if err := sb.AWS.Update(func(sc *fakeaws.Scenario) {
		sc.Accounts[0].Roles = append(sc.Accounts[0].Roles, &fakeaws.Role{Name: "DemoAudit", TrustPolicy: fakeaws.PolicyDocument(trust)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Apply(ctx, filepath.Join(root, "hack", "sandbox", "checks.yaml")); err != nil {
		t.Fatal(err)
	}
	c := sb.Client()
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: "demo"}, ns); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(ns.DeepCopy())
	ns.Annotations[v1alpha1.AllowedRoleARNsAnnotation] = role
	if err := c.Patch(ctx, ns, patch); err != nil {
		t.Fatal(err)
	}
	assumed := &v1alpha1.ECSConnectivityCheck{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "assumed-role"},
		Spec: v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: "orders-worker", RoleArn: role,
			Targets: []v1alpha1.Target{{Name: "sns-https", TCP: &v1alpha1.TCPTarget{Host: "sns.ap-northeast-1.amazonaws.com", Port: 443}}}},
	}
	if err := c.Create(ctx, assumed); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Settle(ctx, "demo", 2*time.Minute); err != nil {
		t.Fatalf("%v\ncontroller log:\n%s", err, log.String())
	}

	secrets := sb.AWS.IssuedSecrets()
	var sessions, roles int
	for _, s := range secrets {
		switch {
		case strings.HasPrefix(s, "AAEAA"):
			sessions++
		case strings.HasPrefix(s, "FQoGZXIvYXdzE"):
			roles++
		}
	}
	if sessions == 0 || roles == 0 {
		t.Fatalf("the fake issued %d exec tokens and %d role session tokens; the test needs both", sessions, roles)
	}
	if !strings.Contains(log.String(), `"level":"debug"`) && !strings.Contains(log.String(), "DEBUG") {
		t.Fatalf("the controller did not log at debug level:\n%.2000s", log.String())
	}
	events, err := sb.Kubectl("get", "events", "-A", "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	status, err := sb.Kubectl("get", "ecschecks", "-A", "-o", "yaml")
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"the controller's log": log.String(), "events": events, "status": status} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s holds a secret the fake issued (%.12s…)", where, s)
			}
		}
	}
	t.Logf("%d secrets issued; %s of logs, %d bytes of events and %d of status searched", len(secrets), fmt.Sprint(log.Len()), len(events), len(status))
}
