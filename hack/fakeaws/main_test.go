package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// TestRunPrintsExports starts the command on the demo scenario, reads the
// lines it prints and uses them as a sandbox user would.
func TestRunPrintsExports(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-scenario", "demo.yaml", "-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()

	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() && len(env) < 5 {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok && strings.HasPrefix(sc.Text(), "export ") {
			env[k] = v
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	if !strings.HasPrefix(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:") || env["AWS_ACCESS_KEY_ID"] != "AKIDECSCHECKDEMO" || env["AWS_REGION"] != "ap-northeast-1" {
		t.Fatalf("exports %v", env)
	}
	c := ecs.NewFromConfig(aws.Config{Region: env["AWS_REGION"], BaseEndpoint: aws.String(env["AWS_ENDPOINT_URL"]),
		Credentials: credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "")})
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	out, err := c.DescribeServices(rctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"orders-api"}})
	if err != nil || len(out.Services) != 1 || !out.Services[0].EnableExecuteCommand {
		t.Fatalf("demo service: %v %+v", err, out)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestRunRejectsBadScenario(t *testing.T) {
	err := run(context.Background(), []string{"-scenario", "no-such-file.yaml"}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("missing scenario accepted")
	}
}
