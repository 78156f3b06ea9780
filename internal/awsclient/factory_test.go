package awsclient_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

func TestFactoryBuildsClientsOncePerRegionAndRole(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	f, err := awsclient.NewFactory(context.Background(), awsclient.Options{
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.For(context.Background(), "", "", ""); !errors.Is(err, awsclient.ErrNoRegion) {
		t.Fatalf("no region anywhere: err = %v, want ErrNoRegion", err)
	}
	a, _ := f.For(context.Background(), "ap-northeast-1", "", "")
	b, _ := f.For(context.Background(), "ap-northeast-1", "", "")
	c, _ := f.For(context.Background(), "ap-northeast-1", "arn:aws:iam::210987654321:role/ecscheck-x", "payments")
	d, _ := f.For(context.Background(), "us-east-1", "", "")
	if a != b || a == c || a == d || c.RoleArn == "" || d.Region != "us-east-1" {
		t.Fatalf("clients are not cached per (region, role): %p %p %p %p", a, b, c, d)
	}
}
