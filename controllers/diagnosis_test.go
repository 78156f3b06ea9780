package controllers

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/probe"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// Issue 12 item 8: with execInto: ServiceTask the service's own settings
// are reported even while exec works, read from ECS through the real SDK:
// a read-only root (failing) and initProcessEnabled off (advisory).
func TestServiceExecFindingsWhileExecWorks(t *testing.T) {
	srv := testenv.DemoAWS(t, func(sc *fakeaws.Scenario) {
		for _, td := range sc.Accounts[0].TaskDefinitions {
			if td.Family == "orders-api" {
				td.ContainerDefinitions = []json.RawMessage{json.RawMessage(`{"name":"app","image":"nginx","essential":true,"readonlyRootFilesystem":true}`)}
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f, err := awsclient.NewFactory(ctx, awsclient.Options{ConfigOptions: []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDECSCHECKDEMO", "demo-secret", "")),
		config.WithBaseEndpoint(srv.URL()),
	}})
	if err != nil {
		t.Fatal(err)
	}
	clients, err := f.For(ctx, "ap-northeast-1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	id := &probe.Identity{ExecInto: v1alpha1.ExecIntoServiceTask, Region: "ap-northeast-1", ServiceArn: "arn:aws:ecs:ap-northeast-1:123456789012:service/prod/orders-worker"}
	task := &probe.TaskState{Cluster: "prod", TaskArn: "arn:aws:ecs:ap-northeast-1:123456789012:task/prod/3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8", ExecAgent: "RUNNING"}
	explain := &Explainer{TaskDefinitions: probe.New(probe.Options{})}
	fs := explain.ServiceExecFindings(ctx, clients, id, task)
	codes := map[v1alpha1.FindingCode]bool{}
	for _, f := range fs {
		codes[f.Code] = true
	}
	if len(fs) != 2 || !codes[v1alpha1.FindingReadonlyRootFilesystem] || !codes[v1alpha1.FindingInitProcessDisabled] || !diagnose.Advisory(v1alpha1.FindingInitProcessDisabled) {
		t.Fatalf("findings %+v", fs)
	}
	id.ExecInto = v1alpha1.ExecIntoProbeTask
	if fs := explain.ServiceExecFindings(ctx, clients, id, task); len(fs) != 0 {
		t.Fatalf("a probe task of ecscheck's own got %+v", fs)
	}
}
