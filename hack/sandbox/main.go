// Command sandbox is `make demo`: a local kube-apiserver and etcd, the fake
// AWS with the seeds' situations (hack/fakeaws/demo.yaml), the controller
// binary against both, and a check per situation. It prints what a user
// would see and keeps running until interrupted (or exits with -exit).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

func main() {
	root := testenv.RepoRoot()
	controller := flag.String("controller", filepath.Join(root, "bin", "ecscheck"), "the controller binary (make build)")
	scenario := flag.String("scenario", filepath.Join(root, "hack", "fakeaws", "demo.yaml"), "the fake AWS world")
	checks := flag.String("checks", filepath.Join(root, "hack", "sandbox", "checks.yaml"), "the checks to apply")
	dir := flag.String("dir", filepath.Join(root, "bin", "sandbox"), "where the kubeconfig and logs go")
	exit := flag.Bool("exit", false, "exit once the checks have settled")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long the first runs may take")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *controller, *scenario, *checks, *dir, *exit, *timeout, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, controller, scenario, checks, dir string, exit bool, timeout time.Duration, out io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(dir, "controller.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()

	fmt.Fprintln(out, "Starting kube-apiserver, etcd, the fake AWS and the controller...")
	sb, err := Start(ctx, Options{Controller: controller, Scenario: scenario, Dir: dir, Log: logFile})
	if err != nil {
		return err
	}
	defer sb.Stop()
	if err := sb.Apply(ctx, checks); err != nil {
		return err
	}
	fmt.Fprintf(out, "Applied %s; waiting for the first runs...\n\n", checks)
	if _, err := sb.Settle(ctx, "demo", timeout); err != nil {
		return fmt.Errorf("%w (controller log: %s)", err, logPath)
	}

	get, _ := sb.Kubectl("get", "ecschecks", "-n", "demo")
	fmt.Fprintf(out, "$ kubectl get ecschecks -n demo\n%s\n", get)
	for _, name := range []string{"orders-api-sns", "payments-batch-pull", "reports-api-logs", "no-exec-role"} {
		desc, _ := sb.Kubectl("describe", "ecscheck", "-n", "demo", name)
		fmt.Fprintf(out, "$ kubectl describe ecscheck -n demo %s\n%s\n", name, desc)
	}
	if exit {
		return nil
	}
	fmt.Fprintf(out, "The sandbox runs until interrupted (Ctrl-C).\n  export KUBECONFIG=%s\n  export AWS_ENDPOINT_URL=%s  # the fake AWS; admin API under /_admin/\n  # aws CLI v2 before 2.13 ignores AWS_ENDPOINT_URL: aws --endpoint-url %s <service> <command>\n  controller log: %s\n",
		sb.Kubeconfig, sb.AWS.URL(), sb.AWS.URL(), logPath)
	<-ctx.Done()
	return nil
}
