package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// withMorePolicies gives payments-batch's task role (ReportsTaskRole) SQS,
// an explicit deny of Secrets Manager, a DynamoDB write only, and a service
// ecscheck knows no read-only call of; and the VPC gateway endpoints for S3
// (on the private subnets' route table) and DynamoDB (on the public one's).
func withMorePolicies(sc *fakeaws.Scenario) {
	a := sc.Accounts[0]
	for _, r := range a.Roles {
		if r.Name == "ReportsTaskRole" {
			r.Inline["more"] = fakeaws.PolicyDocument(`{"Version": "2012-10-17", "Statement": [
				{"Effect": "Allow", "Action": ["sqs:*", "secretsmanager:*", "dynamodb:PutItem", "bedrock:InvokeModel"], "Resource": "*"},
				{"Effect": "Deny", "Action": "secretsmanager:ListSecrets", "Resource": "*"}]}`)
		}
	}
	a.VPCEndpoints = append(a.VPCEndpoints,
		&fakeaws.VPCEndpoint{ID: "vpce-0s3", VPC: "vpc-0demo", ServiceName: "com.amazonaws.ap-northeast-1.s3", Type: "Gateway", RouteTables: []string{"rtb-0private"}},
		&fakeaws.VPCEndpoint{ID: "vpce-0ddb", VPC: "vpc-0demo", ServiceName: "com.amazonaws.ap-northeast-1.dynamodb", Type: "Gateway", RouteTables: []string{"rtb-0public"}})
}

// withEnvironment gives orders-api's definition (orders-worker runs it)
// the environment a service typically has: a partner URL, a database
// host:port, and values that are neither.
func withEnvironment(sc *fakeaws.Scenario) {
	for _, td := range sc.Accounts[0].TaskDefinitions {
		if td.Family == "orders-api" {
			td.ContainerDefinitions[0] = []byte(`{"name": "app",
				"image": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orders-api:latest",
				"essential": true, "linuxParameters": {"initProcessEnabled": true},
				"environment": [
					{"name": "PARTNER_URL", "value": "https://api.partner.example/health"},
					{"name": "DB_ADDR", "value": "orders-db.cluster-abc.ap-northeast-1.rds.amazonaws.com:5432"},
					{"name": "LOG_LEVEL", "value": "debug"},
					{"name": "BAD_URL", "value": "https://x.example/$(reboot)"},
					{"name": "WITH_CREDS", "value": "https://user:secret@partner.example/"}
				]}`)
		}
	}
}

// suggest writes a check from what the demo's services use: the task
// role's SNS permission (payments-batch), the VPC's endpoints, and an
// internet target expected Unreachable (no NAT, no internet route). The
// real API server accepts each output (kubectl apply --dry-run=server),
// and so does ecscheck run's own admission.
func TestSuggestGoldenAndAcceptedByTheAPIServer(t *testing.T) {
	srv := demo(t, func(sc *fakeaws.Scenario) {
		withEnvironment(sc)
		withMorePolicies(sc)
	})
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	for _, service := range []string{"payments-batch", "orders-worker"} {
		t.Run(service, func(t *testing.T) {
			r := ecscheck(t, userEnv(srv), "suggest", "--cluster", "prod", "--service", service)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			golden(t, "suggest-"+service+".yaml", r.stdout)
			file := filepath.Join(t.TempDir(), "check.yaml")
			if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
				t.Fatal(err)
			}
			out := env.Kubectl(t, "apply", "--dry-run=server", "-f", file)
			if !strings.Contains(out, "ecsconnectivitycheck.connectivity.ecscheck.dev/"+service+" created (server dry run)") {
				t.Errorf("kubectl: %s", out)
			}
			// --check of a name that is not there fails only after the
			// file was admitted: exit 2 with "no ECSConnectivityCheck named".
			rr := ecscheck(t, userEnv(srv), "run", "-f", file, "--check", "absent")
			if rr.code != 2 || !strings.Contains(rr.stderr, `no ECSConnectivityCheck named "absent"`) {
				t.Errorf("ecscheck run's admission: exit %d, %s", rr.code, rr.stderr)
			}
		})
	}
	r := ecscheck(t, userEnv(srv), "suggest", "--cluster", "prod", "--service", "nope")
	if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "ServiceNotFound") {
		t.Errorf("unknown service: exit %d, stderr %q", r.code, r.stderr)
	}
}
