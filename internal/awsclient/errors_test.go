package awsclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Errors are classified as the real SDK surfaces them from each protocol's
// error shape.
func TestClassifyRealSDKErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		call   func(context.Context, *awsclient.Clients) error
		want   awsclient.Class
		code   string
	}{
		{"ecs cluster not found", 400, `{"__type":"ClusterNotFoundException","message":"Cluster not found."}`, describeServices, awsclient.ClassNotFound, "ClusterNotFoundException"},
		{"ecs access denied", 400, `{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/ecscheck/x is not authorized to perform: ecs:ExecuteCommand"}`, describeServices, awsclient.ClassAccessDenied, "AccessDeniedException"},
		{"ecs invalid parameter", 400, `{"__type":"InvalidParameterException","message":"The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running."}`, describeServices, awsclient.ClassInvalid, "InvalidParameterException"},
		{"ecs throttled", 400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`, describeServices, awsclient.ClassThrottled, "ThrottlingException"},
		{"ecs server error", 500, `{"__type":"ServerException","message":"Service unavailable"}`, describeServices, awsclient.ClassUnavailable, "ServerException"},
		{"ec2 subnet not found", 400, `<Response><Errors><Error><Code>InvalidSubnetID.NotFound</Code><Message>The subnet ID 'subnet-0a1b2c3d' does not exist</Message></Error></Errors><RequestID>1</RequestID></Response>`, describeSubnets, awsclient.ClassNotFound, "InvalidSubnetID.NotFound"},
		{"ec2 unauthorized", 403, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>1</RequestID></Response>`, describeSubnets, awsclient.ClassAccessDenied, "UnauthorizedOperation"},
		{"ec2 request limit", 503, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>1</RequestID></Response>`, describeSubnets, awsclient.ClassThrottled, "RequestLimitExceeded"},
		{"iam no such entity", 404, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name app cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`, getRole, awsclient.ClassNotFound, "NoSuchEntity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			clients := clientsFor(t, srv.URL)
			err := tc.call(context.Background(), clients)
			if got := awsclient.Classify(err); got != tc.want {
				t.Fatalf("Classify(%v) = %s, want %s", err, got, tc.want)
			}
			if got := awsclient.Code(err); got != tc.code {
				t.Fatalf("Code = %q, want %q", got, tc.code)
			}
		})
	}
}

func TestClassifyConnectionFailureIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := describeServices(context.Background(), clientsFor(t, url))
	if c := awsclient.Classify(err); c != awsclient.ClassUnavailable || !c.Retryable() {
		t.Fatalf("Classify(%v) = %s, want a retryable Unavailable", err, c)
	}
	if awsclient.Classify(nil) != awsclient.ClassNone {
		t.Fatal("nil error must classify as None")
	}
}

func clientsFor(t *testing.T, url string) *awsclient.Clients {
	t.Helper()
	f, err := awsclient.NewFactory(context.Background(), awsclient.Options{
		DefaultRegion: "ap-northeast-1",
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
			config.WithBaseEndpoint(url),
			config.WithRetryMaxAttempts(1),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.For(context.Background(), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func describeServices(ctx context.Context, c *awsclient.Clients) error {
	_, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api"}})
	return err
}

func describeSubnets(ctx context.Context, c *awsclient.Clients) error {
	_, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0a1b2c3d"}})
	return err
}

func getRole(ctx context.Context, c *awsclient.Clients) error {
	_, err := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	return err
}
