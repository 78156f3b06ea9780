package diagnose

import (
	"context"
	"errors"
	"fmt"
	"github.com/ecscheck/ecscheck/internal/cache"
	"sync"
	"time"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// Options configure a Diagnoser.
type Options struct {
	// Clock is the time source of the caches; default time.Now.
	Clock func() time.Time
	// CacheTTL is how long a read of a VPC or a role is reused; default 30s,
	// about one probe run: a burst of failures reads each VPC once, and a
	// fix made in the console shows at the next run.
	CacheTTL time.Duration
	// MaxAddresses bounds the resolved addresses evaluated per target;
	// default 4. Each address inside the VPC may cost one ENI lookup.
	MaxAddresses int
}

// Diagnoser turns failures into findings. Build one per controller; it is
// safe for concurrent use.
type Diagnoser struct {
	now      func() time.Time
	ttl      time.Duration
	maxAddrs int

	// Every key starts with the credentials scope: a VPC or role read
	// with one tenant's credentials is never served to another.
	vpcs  *cache.Cache[vpcKey, *vpcState]
	roles *cache.Cache[string, *rolePolicies]

	// subnetVPC remembers the VPC of each subnet (a subnet never moves);
	// a cache so that a burst asks once.
	subnetVPC *cache.Cache[string, string]

	simMu  sync.Mutex
	simOff map[string]time.Time // account/region -> when to try SimulatePrincipalPolicy again
}

type vpcKey struct{ scope, vpc string }

// New builds a Diagnoser.
func New(opts Options) *Diagnoser {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = cache.DiagnosisTTL
	}
	if opts.MaxAddresses <= 0 {
		opts.MaxAddresses = 4
	}
	return &Diagnoser{
		now: opts.Clock, ttl: opts.CacheTTL, maxAddrs: opts.MaxAddresses,
		vpcs:      cache.New[vpcKey, *vpcState](funcClock(opts.Clock)),
		roles:     cache.New[string, *rolePolicies](funcClock(opts.Clock)),
		subnetVPC: cache.New[string, string](funcClock(opts.Clock)),
		simOff:    map[string]time.Time{},
	}
}

// ErrNoNetwork is returned when a network diagnosis has no subnets to look at.
var ErrNoNetwork = errors.New("diagnose: the network has no subnets")

// DiagnoseTarget explains why a target is not as expected. It returns no
// finding when nothing in the VPC or the policies explains the failure.
func (d *Diagnoser) DiagnoseTarget(ctx context.Context, c *awsclient.Clients, n Network, f Failure) ([]v1alpha1.Finding, error) {
	n = normalize(c, n)
	switch f := f.(type) {
	case ConnectionFailure:
		return d.diagnoseConnection(ctx, c, n, f)
	case APIDenial:
		return d.diagnoseDenial(ctx, c, n, f)
	case DNSFailure:
		return d.diagnoseDNS(ctx, c, n, f)
	default:
		return nil, fmt.Errorf("diagnose: unknown failure %T", f)
	}
}

func normalize(c *awsclient.Clients, n Network) Network {
	if n.Region == "" && c != nil {
		n.Region = c.Region
	}
	if n.Account == "" {
		n.Account = accountOf(n.TaskRoleArn, n.ExecutionRoleArn)
	}
	return n
}

// vpc returns the cached state of the task's VPC, reading it when stale.
func (d *Diagnoser) vpc(ctx context.Context, c *awsclient.Clients, n Network) (*vpcState, error) {
	if len(n.Subnets) == 0 && n.VPCID == "" {
		return nil, ErrNoNetwork
	}
	r := &reader{ec2: c.EC2}
	vpcID := n.VPCID
	if vpcID == "" {
		id, err := d.subnetVPC.GetOrLoad(ctx, c.Scope()+"|"+n.Subnets[0], cache.SubnetVPCTTL, func(ctx context.Context) (string, error) {
			return r.vpcOfSubnets(ctx, n.Subnets[:1])
		})
		if err != nil {
			return nil, err
		}
		vpcID = id
	}
	return d.vpcs.GetOrLoad(ctx, vpcKey{c.Scope(), vpcID}, d.ttl, func(ctx context.Context) (*vpcState, error) {
		return r.load(ctx, vpcID)
	})
}

// funcClock is the Options.Clock function as the clock the cache reads.
type funcClock func() time.Time

func (f funcClock) Now() time.Time                  { return f() }
func (f funcClock) Since(t time.Time) time.Duration { return f().Sub(t) }
