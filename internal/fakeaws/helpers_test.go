package fakeaws

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// startScenario parses yaml, starts a fake on a free loopback port and
// closes it when the test ends.
func startScenario(t *testing.T, yaml string) *Server {
	t.Helper()
	sc, err := ParseScenario([]byte(yaml))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return startServer(t, sc)
}

func startServer(t *testing.T, sc *Scenario) *Server {
	t.Helper()
	srv, err := New(sc, WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// sdkConfig is what the controller builds: the real SDK, static
// credentials, one base endpoint, the standard retryer. Backoff is capped
// low so fault tests that go through retries stay fast; attempts and
// retryable codes are the SDK's defaults.
func sdkConfig(url, akid, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(akid, "secret", "")),
		BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 50 * time.Millisecond })
		},
	}
}

type clients struct {
	ecs *ecs.Client
	ec2 *ec2.Client
	iam *iam.Client
	sts *sts.Client
	kms *kms.Client
}

func sdkClients(cfg aws.Config) clients {
	return clients{ecs.NewFromConfig(cfg), ec2.NewFromConfig(cfg), iam.NewFromConfig(cfg), sts.NewFromConfig(cfg), kms.NewFromConfig(cfg)}
}

// clientsFor builds clients for srv as a caller with this access key.
func clientsFor(srv *Server, akid string) clients {
	return sdkClients(sdkConfig(srv.URL(), akid, srv.State().Region))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mustUpdate changes the live scenario or fails the test.
func mustUpdate(t testing.TB, s *Server, fn func(*Scenario)) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatal(err)
	}
}
