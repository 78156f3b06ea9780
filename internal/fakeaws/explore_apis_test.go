package fakeaws

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Issue 12, the fake: what people exploring the sandbox with the aws CLI
// (and third-party checkers) call exists and answers as AWS does.
func TestExplorersCallsAnswerAsAWS(t *testing.T) {
	srv := loadDemo(t)
	const akid = "AKIDECSCHECKDEMO"
	out, errOut, code := awsCLI(t, srv, akid, "ecs", "list-clusters")
	if code != 0 || !strings.Contains(out, "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod") {
		t.Errorf("list-clusters: %d %s %s", code, out, errOut)
	}
	out, errOut, code = awsCLI(t, srv, akid, "iam", "list-roles", "--query", "Roles[].RoleName", "--output", "text")
	if code != 0 || !strings.Contains(out, "NoExecTaskRole") || !strings.Contains(out, "TaskRole") {
		t.Errorf("list-roles: %d %s %s", code, out, errOut)
	}
	mustUpdate(t, srv, func(s *Scenario) {
		s.Accounts[0].KMSKeys = append(s.Accounts[0].KMSKeys, &KMSKey{ID: "1234abcd-12ab-34cd-56ef-1234567890ab", Aliases: []string{"alias/ecs-exec"}})
	})
	out, errOut, code = awsCLI(t, srv, akid, "kms", "describe-key", "--key-id", "alias/ecs-exec")
	var dk struct {
		KeyMetadata struct{ Arn, KeyState string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &dk) != nil || dk.KeyMetadata.Arn != "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" || dk.KeyMetadata.KeyState != "Enabled" {
		t.Errorf("describe-key: %d %s %s", code, out, errOut)
	}
	_, errOut, code = awsCLI(t, srv, akid, "kms", "describe-key", "--key-id", "alias/nope")
	if code == 0 || !strings.Contains(errOut, "NotFoundException") {
		t.Errorf("describe-key of an unknown alias: %d %s", code, errOut)
	}

	// A malformed task ID: ECS checks its length first.
	// (the CLI wants the session plugin before it calls, so the SDK asks)
	_, err := clientsFor(srv, akid).ecs.ExecuteCommand(ctxT(t), &ecs.ExecuteCommandInput{Cluster: aws.String("prod"), Task: aws.String("abc"),
		Command: aws.String("ls"), Interactive: true})
	if err == nil || !strings.Contains(err.Error(), "InvalidParameterException") || !strings.Contains(err.Error(), "task length should be one of [32,36]") {
		t.Errorf("ExecuteCommand with a malformed task ID: %v", err)
	}
}

// sts:GetCallerIdentity needs no permission and cannot be denied.
func TestGetCallerIdentityIsNeverDenied(t *testing.T) {
	srv := loadDemo(t)
	mustUpdate(t, srv, func(s *Scenario) {
		s.Outcomes = append([]*Outcome{{API: "*", Result: "Denied"}}, s.Outcomes...)
	})
	c := clientsFor(srv, "AKIDECSCHECKDEMO")
	if _, err := c.sts.GetCallerIdentity(ctxT(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity under a deny-all outcome: %v", err)
	}
	if _, err := c.ecs.ListClusters(ctxT(t), &ecs.ListClustersInput{}); err == nil {
		t.Fatal("the deny-all outcome did not apply to other calls")
	}
}

// Scenario tasks carry their ENI as real awsvpc tasks do.
func TestScenarioTasksHaveENIAttachments(t *testing.T) {
	srv := loadDemo(t)
	c := clientsFor(srv, "AKIDECSCHECKDEMO")
	out, err := c.ecs.DescribeTasks(ctxT(t), &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{"3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8"}})
	if err != nil || len(out.Tasks) != 1 || len(out.Tasks[0].Attachments) != 1 {
		t.Fatalf("DescribeTasks: %v %+v", err, out)
	}
	att := out.Tasks[0].Attachments[0]
	details := map[string]string{}
	for _, d := range att.Details {
		details[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	if aws.ToString(att.Type) != "ElasticNetworkInterface" || details["subnetId"] != "subnet-0priv1a" || details["privateIPv4Address"] != "10.0.1.51" ||
		!strings.HasPrefix(details["networkInterfaceId"], "eni-") {
		t.Errorf("attachment %+v %v", att, details)
	}
}

// Denials name the IAM action the operation is authorized as (S3 API
// reference, "Permissions"), and a HEAD denial has no body.
func TestDenialsNameTheIAMAction(t *testing.T) {
	who := &principal{ARN: "arn:aws:sts::123456789012:assumed-role/TaskRole/t", Account: "123456789012"}
	o := &Outcome{Result: "Denied"}
	for op, want := range map[string]string{"ListObjectsV2": "s3:ListBucket", "HeadBucket": "s3:ListBucket", "HeadObject": "s3:GetObject", "ListBuckets": "s3:ListAllMyBuckets", "GetObject": "s3:GetObject"} {
		if e := denial(o, "s3", op, who, "ap-northeast-1", ""); !strings.Contains(e.Message, "perform: "+want+" ") {
			t.Errorf("%s: %s", op, e.Message)
		}
	}
	if text, ok := headError("HeadObject", 403); !ok || !strings.Contains(text, "An error occurred (403) when calling the HeadObject operation: Forbidden") {
		t.Errorf("HEAD denial %q", text)
	}
}
