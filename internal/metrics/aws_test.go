package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/metrics"
)

// awsStub answers as ECS (awsJson1_1) and STS (awsQuery) do, with the
// failures a controller meets: throttling that clears, AccessDenied, a
// service that keeps failing, a connection that drops.
type awsStub struct {
	mu    sync.Mutex
	calls map[string]int
}

func (s *awsStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.")
	if op == "" && strings.Contains(string(body), "Action=GetCallerIdentity") {
		op = "GetCallerIdentity"
	}
	s.mu.Lock()
	s.calls[op]++
	n := s.calls[op]
	s.mu.Unlock()

	jsonError := func(status int, code string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":"stub"}`, code)
	}
	switch {
	case op == "DescribeClusters" && n <= 2:
		jsonError(400, "ThrottlingException")
	case op == "DescribeClusters":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"clusters":[],"failures":[]}`)
	case op == "DescribeServices":
		jsonError(400, "AccessDeniedException")
	case op == "ListTasks":
		jsonError(500, "ServerException")
	case op == "StopTask":
		// The connection drops before any answer.
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	case op == "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::123456789012:user/ecscheck</Arn><UserId>AIDA</UserId><Account>123456789012</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	default:
		jsonError(400, "UnknownOperationException")
	}
}

// The middleware is wired the way main wires it, through the client
// factory's APIOptions, and sees the real SDK's retryer at work.
func TestAWSMiddlewareCountsCallsErrorsAndRetries(t *testing.T) {
	rec, reg, _ := newRecorder(t)
	srv := httptest.NewServer(&awsStub{calls: map[string]int{}})
	defer srv.Close()

	f, err := awsclient.NewFactory(context.Background(), awsclient.Options{
		APIOptions: []func(*middleware.Stack) error{rec.AWSMiddleware()},
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
			config.WithBaseEndpoint(srv.URL),
			config.WithRetryer(func() aws.Retryer {
				// The standard retryer (3 attempts) without its back-off sleeps.
				return retry.NewStandard(func(o *retry.StandardOptions) {
					o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				})
			}),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.For(context.Background(), "ap-northeast-1", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{}); err != nil {
		t.Fatalf("throttling twice then success: %v", err)
	}
	if _, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"orders-api"}}); err == nil {
		t.Fatal("DescribeServices: want AccessDenied")
	}
	if _, err := c.ECS.ListTasks(ctx, &ecs.ListTasksInput{}); err == nil {
		t.Fatal("ListTasks: want ServerException")
	}
	if _, err := c.ECS.StopTask(ctx, &ecs.StopTaskInput{Task: aws.String("abc")}); err == nil {
		t.Fatal("StopTask: want a connection error")
	}
	if _, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}

	assertSeries(t, series(t, reg, "ecscheck_aws_"), []string{
		`ecscheck_aws_api_calls_total{operation="DescribeClusters",service="ECS"} 1`,
		`ecscheck_aws_api_calls_total{operation="DescribeServices",service="ECS"} 1`,
		`ecscheck_aws_api_calls_total{operation="GetCallerIdentity",service="STS"} 1`,
		`ecscheck_aws_api_calls_total{operation="ListTasks",service="ECS"} 1`,
		`ecscheck_aws_api_calls_total{operation="StopTask",service="ECS"} 1`,
		`ecscheck_aws_api_errors_total{code="AccessDeniedException",operation="DescribeServices",service="ECS"} 1`,
		`ecscheck_aws_api_errors_total{code="NetworkError",operation="StopTask",service="ECS"} 1`,
		`ecscheck_aws_api_errors_total{code="ServerException",operation="ListTasks",service="ECS"} 1`,
		`ecscheck_aws_api_retries_total{code="NetworkError",operation="StopTask",service="ECS"} 2`,
		`ecscheck_aws_api_retries_total{code="ServerException",operation="ListTasks",service="ECS"} 2`,
		`ecscheck_aws_api_retries_total{code="ThrottlingException",operation="DescribeClusters",service="ECS"} 2`,
	})
}

func TestErrorCodeOfTransportFailures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for err, want := range map[error]string{
		context.DeadlineExceeded:                 "Timeout",
		fmt.Errorf("op: %w", ctx.Err()):          "Canceled",
		errors.New("something else entirely"):    metrics.Other,
		&apiError{code: "InvalidGroup.NotFound"}: "InvalidGroup.NotFound",
		&apiError{code: "<html>oops</html>"}:     metrics.Other,
	} {
		if got := metrics.ErrorCode(err); got != want {
			t.Errorf("ErrorCode(%v) = %q, want %q", err, got, want)
		}
	}
}

type apiError struct{ code string }

func (e *apiError) Error() string                 { return e.code }
func (e *apiError) ErrorCode() string             { return e.code }
func (e *apiError) ErrorMessage() string          { return "" }
func (e *apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }
