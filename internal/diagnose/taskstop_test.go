package diagnose_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/diagnose/motoenv"
)

const (
	taskArn  = "arn:aws:ecs:" + region + ":" + motoenv.Account + ":task/prod/0123456789abcdef"
	ecrImage = motoenv.Account + ".dkr.ecr." + region + ".amazonaws.com/orders:1.4"
	// Seed 001's CannotPullContainer when the layers' S3 bucket is out of reach.
	pullTimeout = "CannotPullContainerError: ref pull has been retried 5 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://prod-" + region + "-starport-layer-bucket.s3." + region + ".amazonaws.com/0a1b-orders/sha256:9f86d081\": dial tcp 52.219.16.50:443: i/o timeout"
)

// app is the service's container: an ECR image, awslogs creating its group.
func app() diagnose.Container {
	return diagnose.Container{Name: "app", Image: ecrImage, Essential: true, InitProcessEnabled: true, LogDriver: "awslogs",
		LogOptions: map[string]string{"awslogs-group": "/ecs/orders", "awslogs-region": region, "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}}
}

func (f *fixture) stop(reason string, cs ...diagnose.Container) []v1alpha1.Finding {
	f.T.Helper()
	fs, err := f.d.DiagnoseTaskStop(context.Background(), f.clients, f.network(), diagnose.TaskStop{TaskArn: taskArn, StopCode: "TaskFailedToStart", StoppedReason: reason, Containers: cs})
	if err != nil {
		f.T.Fatalf("DiagnoseTaskStop: %v", err)
	}
	return fs
}

// Seed 001: CannotPullContainer behind a missing S3 gateway endpoint.
func TestCannotPullContainerMissingS3Gateway(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ecr.api", "ecr.dkr", "logs")
	f.DeleteEndpoint(f.S3Gateway)

	fs := f.stop(pullTimeout, app())
	requireFinding(t, fs, v1alpha1.FindingCannotPullContainer, taskArn, "Task "+taskArn+" stopped: CannotPullContainerError", ecrImage)
	requireFinding(t, fs, v1alpha1.FindingMissingVPCEndpoint, f.VPC,
		"Starting task 0123456789abcdef needs com.amazonaws."+region+".s3",
		"Create a gateway endpoint for com.amazonaws."+region+".s3 associated with route table "+f.TaskRT)
	requireFinding(t, fs, v1alpha1.FindingNoRouteToDestination, f.TaskRT, "52.219.16.50 (prod-"+region+"-starport-layer-bucket.s3."+region+".amazonaws.com)")

	f.GatewayEndpoint(f.VPC, "s3", []string{f.TaskRT}, "")
	f.fresh()
	fs = f.stop(pullTimeout, app())
	requireOnly(t, fs, v1alpha1.FindingCannotPullContainer)
	requireFinding(t, fs, v1alpha1.FindingCannotPullContainer, taskArn, "nothing in the VPC or the roles explains it now")
}

// Seed 001: the S3 endpoint's policy does not let ECR's layers through.
func TestEndpointPolicyBlocksECRLayers(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ecr.api", "ecr.dkr", "logs")
	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(f.S3Gateway), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::orders-artifacts","arn:aws:s3:::orders-artifacts/*"]}]}`)})
	reason := "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to fetch layer: 403 Forbidden"

	fs := f.stop(reason, app())
	requireFinding(t, fs, v1alpha1.FindingEndpointPolicyBlocksECRLayers, f.S3Gateway,
		"allows no s3:GetObject on arn:aws:s3:::prod-"+region+"-starport-layer-bucket/*",
		`"Resource":"arn:aws:s3:::prod-`+region+`-starport-layer-bucket/*"`, "--vpc-endpoint-id "+f.S3Gateway)

	f.ModifyEndpoint(&ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(f.S3Gateway), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::orders-artifacts","arn:aws:s3:::orders-artifacts/*"]},
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-` + region + `-starport-layer-bucket/*"}]}`)})
	f.fresh()
	requireOnly(t, f.stop(reason, app()), v1alpha1.FindingCannotPullContainer)
}

// Seed 001: ResourceInitializationError behind a missing logs:CreateLogGroup.
func TestResourceInitializationMissingCreateLogGroup(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ecr.api", "ecr.dkr", "logs")
	f.DeleteRolePolicy(f.ExecRole, "extras") // only AmazonECSTaskExecutionRolePolicy left
	reason := "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: User: arn:aws:sts::" + motoenv.Account + ":assumed-role/" + f.ExecRole + "/0123456789abcdef is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:" + region + ":" + motoenv.Account + ":log-group:/ecs/orders:log-stream: because no identity-based policy allows the logs:CreateLogGroup action\n\tstatus code: 400, request id: 5d2b7c1e : exit status 1"

	fs := f.stop(reason, app())
	requireFinding(t, fs, v1alpha1.FindingResourceInitialization, taskArn, "ResourceInitializationError: failed to validate logger args")
	requireFinding(t, fs, v1alpha1.FindingExecutionRoleMissingPermission, f.ExecRoleArn,
		"Execution role "+f.ExecRole+" has no policy allowing logs:CreateLogGroup on arn:aws:logs:"+region+":"+motoenv.Account+":log-group:/ecs/orders:*",
		"container app sets awslogs-create-group=true", "AmazonECSTaskExecutionRolePolicy does not include this action",
		"Add logs:CreateLogGroup on")
	requireOnly(t, fs, v1alpha1.FindingResourceInitialization, v1alpha1.FindingExecutionRoleMissingPermission)

	f.PutRolePolicy(f.ExecRole, "logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:*:*:log-group:/ecs/*"}]}`)
	f.fresh()
	requireOnly(t, f.stop(reason, app()), v1alpha1.FindingResourceInitialization)
}

// Seed 001 section 3: secrets from Secrets Manager and Parameter Store
// need the execution role's permissions and their endpoints.
func TestResourceInitializationSecrets(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ecr.api", "ecr.dkr", "logs", "secretsmanager")
	f.DeleteRolePolicy(f.ExecRole, "extras")
	f.PutRolePolicy(f.ExecRole, "logs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"*"}]}`)
	c := app()
	secret := "arn:aws:secretsmanager:" + region + ":" + motoenv.Account + ":secret:orders/db-AbCdEf"
	c.Secrets = []diagnose.Secret{{Name: "DB_PASSWORD", ValueFrom: secret + ":password::"}, {Name: "API_KEY", ValueFrom: "/orders/api-key"}}
	reason := "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): RequestError: send request failed"

	fs := f.stop(reason, c)
	requireFinding(t, fs, v1alpha1.FindingExecutionRoleMissingPermission, f.ExecRoleArn, "secretsmanager:GetSecretValue on "+secret+" ", "secret DB_PASSWORD of container app")
	requireFinding(t, fs, v1alpha1.FindingExecutionRoleMissingPermission, f.ExecRoleArn, "ssm:GetParameters on arn:aws:ssm:"+region+":"+motoenv.Account+":parameter/orders/api-key")
	requireFinding(t, fs, v1alpha1.FindingMissingVPCEndpoint, f.VPC, "com.amazonaws."+region+".ssm")
	requireNoCode(t, fs, v1alpha1.FindingNoRouteToDestination)

	f.PutRolePolicy(f.ExecRole, "secrets", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:orders/*"},
		{"Effect":"Allow","Action":"ssm:GetParameters","Resource":"arn:aws:ssm:*:*:parameter/orders/*"}]}`)
	f.InterfaceEndpoint(f.VPC, "ssm", []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	f.fresh()
	requireOnly(t, f.stop(reason, c), v1alpha1.FindingResourceInitialization)
}

// A KMS denial quoted in the reason names the key, and the task then needs
// the kms endpoint too.
func TestResourceInitializationKMSDecrypt(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "ecr.api", "ecr.dkr", "logs", "secretsmanager")
	c := app()
	c.Secrets = []diagnose.Secret{{Name: "DB_PASSWORD", ValueFrom: "arn:aws:secretsmanager:" + region + ":" + motoenv.Account + ":secret:orders/db-AbCdEf"}}
	key := "arn:aws:kms:" + region + ":" + motoenv.Account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	reason := "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:" + region + ":" + motoenv.Account + ":secret:orders/db-AbCdEf from secrets manager: AccessDeniedException: User: arn:aws:sts::" + motoenv.Account + ":assumed-role/" + f.ExecRole + "/0123 is not authorized to perform: kms:Decrypt on resource: " + key + " because no identity-based policy allows the kms:Decrypt action"

	fs := f.stop(reason, c)
	requireFinding(t, fs, v1alpha1.FindingExecutionRoleMissingPermission, f.ExecRoleArn, "kms:Decrypt on "+key, "Allow kms:Decrypt on "+key)
	requireFinding(t, fs, v1alpha1.FindingMissingVPCEndpoint, f.VPC, "com.amazonaws."+region+".kms")

	f.PutRolePolicy(f.ExecRole, "kms", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"`+key+`"}]}`)
	f.InterfaceEndpoint(f.VPC, "kms", []string{f.EndpointSubnet}, []string{f.EndpointSG}, true)
	f.fresh()
	requireOnly(t, f.stop(reason, c), v1alpha1.FindingResourceInitialization)
}

// Images outside ECR come from the internet, which no endpoint replaces.
func TestCannotPullPublicImageWithoutNAT(t *testing.T) {
	t.Parallel()
	f := privateVPC(t, "logs")
	c := app()
	c.Image = "public.ecr.aws/nginx/nginx:1.27"
	reason := "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/nginx/nginx:1.27: dial tcp 99.83.145.10:443: i/o timeout"

	fs := f.stop(reason, c)
	requireFinding(t, fs, v1alpha1.FindingNoRouteToDestination, f.TaskRT, "Image public.ecr.aws/nginx/nginx:1.27 is pulled from the internet", "Add a 0.0.0.0/0 route to a NAT gateway")

	pub, _, _ := publicSubnet(f)
	f.Route(f.TaskRT, "0.0.0.0/0", f.NATGateway(pub))
	f.fresh()
	requireOnly(t, f.stop(reason, c), v1alpha1.FindingCannotPullContainer)
}

// Seed 001: these stops are the application's, not the network's.
func TestApplicationStops(t *testing.T) {
	t.Parallel()
	d := diagnose.New(diagnose.Options{})
	exit := int32(137)
	c := app()
	c.ExitCode, c.Reason = &exit, "OutOfMemoryError: Container killed due to memory usage"
	fs, err := d.DiagnoseTaskStop(context.Background(), nil, diagnose.Network{Region: region}, diagnose.TaskStop{TaskArn: taskArn, StopCode: "EssentialContainerExited", StoppedReason: "Essential container in task exited", Containers: []diagnose.Container{c}})
	if err != nil {
		t.Fatal(err)
	}
	requireFinding(t, fs, v1alpha1.FindingEssentialContainerExited, taskArn, "container app exited with code 137", "aws logs tail /ecs/orders")
	requireOnly(t, fs, v1alpha1.FindingEssentialContainerExited)

	fs, err = d.DiagnoseTaskStop(context.Background(), nil, diagnose.Network{Region: region, SecurityGroups: []string{"sg-0a1b2c3d"}}, diagnose.TaskStop{TaskArn: taskArn, StopCode: "ServiceSchedulerInitiated",
		StoppedReason: "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:" + region + ":" + motoenv.Account + ":targetgroup/orders/73e2d6bc24d8a067)"})
	if err != nil {
		t.Fatal(err)
	}
	requireFinding(t, fs, v1alpha1.FindingELBHealthCheckFailed, taskArn, "health check path, port and grace period", "sg-0a1b2c3d")

	fs, err = d.DiagnoseTaskStop(context.Background(), nil, diagnose.Network{Region: region}, diagnose.TaskStop{TaskArn: taskArn, StopCode: "ServiceSchedulerInitiated", StoppedReason: "Scaling activity initiated by (deployment ecs-svc/1234)"})
	if err != nil || len(fs) != 0 {
		t.Fatalf("a scale-in is no failure: %v %s", err, dump(fs))
	}
}
