package awsclient

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// ErrNoRegion is returned when neither the check, the controller flags nor the
// AWS configuration name a region.
var ErrNoRegion = errors.New("no AWS region: set spec.region, the controller's --default-region, or AWS_REGION")

// Clients are the AWS clients for one region and identity.
type Clients struct {
	Region string
	// RoleArn is the role assumed for these clients, empty for the
	// controller's own identity.
	RoleArn string
	// ExternalID is the ExternalId of the assumed role (the check's
	// namespace), empty for the controller's own identity.
	ExternalID string
	ECS        ECSAPI
	EC2        EC2API
	IAM        IAMAPI
	STS        STSAPI
	KMS        KMSAPI
}

// Provider hands out clients; the reconciler depends on this, tests may
// replace it.
type Provider interface {
	For(ctx context.Context, region, roleArn, externalID string) (*Clients, error)
}

// Options configure a Factory.
type Options struct {
	// DefaultRegion is used when a check names none; empty means the AWS
	// configuration's region.
	DefaultRegion string
	// APIOptions are added to every client's middleware stack (metrics).
	APIOptions []func(*middleware.Stack) error
	// ConfigOptions are passed to config.LoadDefaultConfig (tests use them
	// for static credentials).
	ConfigOptions []func(*config.LoadOptions) error
}

// Factory builds clients once per (region, role, external ID) and caches
// them, so credentials and connection pools are shared across reconciles.
type Factory struct {
	base          aws.Config
	defaultRegion string

	mu      sync.Mutex
	clients map[clientKey]*Clients
}

type clientKey struct{ region, roleArn, externalID string }

var _ Provider = (*Factory)(nil)

// NewFactory loads the default AWS configuration: the environment
// (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> included), shared files,
// IRSA or EKS Pod Identity.
func NewFactory(ctx context.Context, opts Options) (*Factory, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts.ConfigOptions...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	cfg.APIOptions = append(cfg.APIOptions, opts.APIOptions...)
	return &Factory{base: cfg, defaultRegion: opts.DefaultRegion, clients: map[clientKey]*Clients{}}, nil
}

// Region resolves the region for a check's spec.region.
func (f *Factory) Region(specRegion string) (string, error) {
	for _, r := range []string{specRegion, f.defaultRegion, f.base.Region} {
		if r != "" {
			return r, nil
		}
	}
	return "", ErrNoRegion
}

// For returns the clients for a region, assuming roleArn with externalID
// when roleArn is set.
func (f *Factory) For(_ context.Context, region, roleArn, externalID string) (*Clients, error) {
	region, err := f.Region(region)
	if err != nil {
		return nil, err
	}
	key := clientKey{region, roleArn, externalID}

	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[key]; ok {
		return c, nil
	}

	cfg := f.base.Copy()
	cfg.Region = region
	if roleArn != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleArn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "ecscheck"
			if externalID != "" {
				o.ExternalID = aws.String(externalID)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	c := &Clients{
		Region:     region,
		RoleArn:    roleArn,
		ExternalID: externalID,
		ECS:        ecs.NewFromConfig(cfg),
		EC2:        ec2.NewFromConfig(cfg),
		IAM:        iam.NewFromConfig(cfg),
		STS:        sts.NewFromConfig(cfg),
		KMS:        kms.NewFromConfig(cfg),
	}
	f.clients[key] = c
	return c, nil
}

// Scope names the credentials and region of these clients: what is read
// with them may be served only to callers with the same scope, and two
// checks share a probe only within one scope.
func (c *Clients) Scope() string {
	if c.RoleArn == "" {
		return c.Region + "|controller"
	}
	return c.Region + "|" + c.RoleArn + "|" + c.ExternalID
}
