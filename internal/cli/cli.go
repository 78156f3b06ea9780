// Package cli is the ecscheck command line for an engineer whose service is
// failing now: `ecscheck run` runs checks once with the user's own AWS
// credentials, `ecscheck diagnose` explains a service without starting
// anything, and `ecscheck suggest` writes a check from what a service
// uses. It drives the controller's own engine (internal/probe,
// internal/diagnose through controllers.Explainer): no logic of its own
// about probes or findings.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/controllers"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/diagnose"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// commands are the subcommands; anything else runs the controller.
var commands = map[string]func(context.Context, []string, *streams) int{
	"run":      runCommand,
	"diagnose": diagnoseCommand,
	"suggest":  suggestCommand,
}

// IsCommand reports whether arg names a subcommand of this package.
func IsCommand(arg string) bool {
	_, ok := commands[arg]
	return ok
}

// Main runs the subcommand args[0] and returns the process exit code.
// SIGINT and SIGTERM cancel its context.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return commands[args[0]](ctx, args[1:], &streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
}

type streams struct {
	in       io.Reader
	out, err io.Writer
}

// awsFlags are the AWS options every subcommand takes.
type awsFlags struct {
	region, profile string
}

func (a *awsFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&a.region, "region", "", "AWS region of checks without spec.region; default the AWS configuration's (AWS_REGION, the profile)")
	fs.StringVar(&a.profile, "profile", "", "AWS shared config profile; default AWS_PROFILE or the default chain")
}

// factory loads the user's AWS configuration: the default credential
// chain, the profile, the region and AWS_ENDPOINT_URL, as the SDK does.
func (a *awsFlags) factory(ctx context.Context) (*awsclient.Factory, error) {
	// The SDK's own warnings (IMDS fallbacks) would break the one-line
	// error; what failed comes back in the error itself.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if a.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.profile))
	}
	return awsclient.NewFactory(ctx, awsclient.Options{DefaultRegion: a.region, ConfigOptions: opts})
}

// engine is the controller's machinery for one process of the CLI.
type engine struct {
	*streams
	aws     *awsclient.Factory
	probes  *probe.Manager
	explain *controllers.Explainer
	wait    time.Duration
	now     func() time.Time
	quiet   bool
}

func newEngine(ctx context.Context, s *streams, a *awsFlags, wait time.Duration) (*engine, error) {
	f, err := a.factory(ctx)
	if err != nil {
		return nil, err
	}
	clk := clock.RealClock{}
	probes := probe.New(probe.Options{
		// A shard of its own: this run's probe never shares a pool with
		// a controller's or another run's, and no controller reaps it.
		Shard:          "ecscheck-cli/" + uuid.NewString(),
		RunTaskBackoff: probe.Backoff{Initial: 2 * time.Second, Max: 10 * time.Second, Attempts: 3},
		ExecAgentGrace: wait,
		Clock:          clk,
		Log:            logr.Discard(),
	})
	return &engine{
		streams: s, aws: f, wait: wait, now: time.Now, probes: probes,
		explain: &controllers.Explainer{Diagnoser: diagnose.New(diagnose.Options{}), TaskDefinitions: probes, Clock: clk, Log: logr.Discard()},
	}, nil
}

// clients are the AWS clients of a check: its region, and its roleArn
// assumed with the namespace as ExternalId, as the controller does.
func (e *engine) clients(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) (*awsclient.Clients, error) {
	external := ""
	if check.Spec.RoleArn != "" {
		external = check.Namespace
	}
	return e.aws.For(ctx, check.Spec.Region, check.Spec.RoleArn, external)
}

// progress prints a line on stderr.
func (e *engine) progress(format string, args ...any) {
	if !e.quiet {
		fmt.Fprintf(e.err, "ecscheck: "+format+"\n", args...)
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// usageError prints a one-line error and returns the bad-input code.
func usageError(s *streams, cmd string, err error) int {
	fmt.Fprintf(s.err, "ecscheck %s: %v\n", cmd, err)
	return exitBadInput
}

// flagExit is the exit code after a flag error: 0 for -h, which printed
// the usage the user asked for.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitBadInput
}

// parse parses a subcommand's flags; -h prints its usage.
func parse(fs *flag.FlagSet, s *streams, args []string) error {
	fs.SetOutput(s.err)
	return fs.Parse(args)
}

func runCommand(ctx context.Context, args []string, s *streams) int {
	fs := flag.NewFlagSet("ecscheck run", flag.ContinueOnError)
	var files, targets listFlag
	var a awsFlags
	var o oneOff
	a.bind(fs)
	fs.Var(&files, "f", "File of ECSConnectivityCheck documents (- for stdin); repeatable. Other kinds are skipped.")
	only := fs.String("check", "", "Run only the check of this name from the files")
	fs.StringVar(&o.cluster, "cluster", "", "One-off check: the ECS cluster (name or ARN)")
	fs.StringVar(&o.service, "service", "", "One-off check: the service whose network and task role the probe mirrors")
	fs.Var(&targets, "target", "One-off check target: tcp:HOST:PORT, dns:NAME, http:URL or aws:SERVICE:Action, optionally =Unreachable or =Denied; repeatable")
	execInto := fs.String("exec-into", "probe", "probe: a PerRun probe task; service: a running task of the service (execInto: ServiceTask)")
	output := fs.String("o", "table", "Output: table, yaml or json (the status object)")
	wait := fs.Duration("wait", 3*time.Minute, "How long to wait for the probe task to start")
	quiet := fs.Bool("q", false, "No progress lines on stderr")
	if err := parse(fs, s, args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageError(s, "run", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if err := checkOutput(*output); err != nil {
		return usageError(s, "run", err)
	}
	o.targets, o.region = targets, a.region
	checks, err := loadChecks(ctx, files, *only, o, s.in)
	if err != nil {
		return usageError(s, "run", err)
	}
	switch *execInto {
	case "probe":
	case "service":
		for _, c := range checks {
			c.Spec.Probe.ExecInto, c.Spec.Probe.Lifecycle = v1alpha1.ExecIntoServiceTask, ""
		}
	default:
		return usageError(s, "run", fmt.Errorf("--exec-into must be probe or service, not %q", *execInto))
	}
	e, err := newEngine(ctx, s, &a, *wait)
	if err != nil {
		return usageError(s, "run", err)
	}
	e.quiet = *quiet
	code := exitOK
	for _, c := range checks {
		rc := e.runCheck(ctx, c)
		if rc == exitInterrupted {
			fmt.Fprintln(s.err, "ecscheck run: interrupted")
			return rc
		}
		code = max(code, rc)
	}
	if err := printChecks(s.out, *output, checks); err != nil {
		return usageError(s, "run", err)
	}
	if code == exitBadInput {
		// The one-line reason, also when the table went to a pipe.
		for _, c := range checks {
			if r := readyOf(c); r != nil && r.Reason != v1alpha1.ReasonAllTargetsAsExpected && r.Reason != v1alpha1.ReasonTargetsNotAsExpected {
				fmt.Fprintf(s.err, "ecscheck run: %s: %s: %s\n", c.Name, r.Reason, r.Message)
			}
		}
	}
	return code
}
