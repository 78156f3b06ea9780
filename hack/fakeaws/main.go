// Command fakeaws serves the fake AWS of internal/fakeaws for the sandbox:
//
//	go run ./hack/fakeaws -scenario hack/fakeaws/demo.yaml -addr 127.0.0.1:0
//
// It prints the lines to export (endpoint, credentials, region) on stdout,
// logs requests on stderr with -v, and runs until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		os.Exit(1)
	}
}

// run starts the server, prints the exports and blocks until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeaws", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenarioPath := fs.String("scenario", "", "scenario file (YAML); empty: an empty world with one account")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	verbose := fs.Bool("v", false, "log every request on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sc *fakeaws.Scenario
	if *scenarioPath != "" {
		var err error
		if sc, err = fakeaws.LoadScenario(*scenarioPath); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.Level(-1) // logr V(1)
	}
	log := logr.FromSlogHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv, err := fakeaws.New(sc, fakeaws.WithLogger(log))
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Start(*addr); err != nil {
		return err
	}
	st := srv.State()
	akid, secret := "AKIDFAKEAWS", "fake-secret"
	if cs := st.Accounts[0].Credentials; len(cs) > 0 {
		akid, secret = cs[0].AccessKeyID, cs[0].SecretAccessKey
		if secret == "" {
			secret = "fake-secret"
		}
	}
	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL=%s\n", srv.URL())
	fmt.Fprintf(stdout, "export AWS_ACCESS_KEY_ID=%s\n", akid)
	fmt.Fprintf(stdout, "export AWS_SECRET_ACCESS_KEY=%s\n", secret)
	fmt.Fprintf(stdout, "export AWS_REGION=%s\n", st.Region)
	fmt.Fprintf(stdout, "export AWS_DEFAULT_REGION=%s\n", st.Region)
	// The AWS CLI v2 before 2.13 ignores AWS_ENDPOINT_URL (Debian ships
	// 2.9): give it the option form as well.
	fmt.Fprintf(stdout, "# aws CLI v2 before 2.13 ignores AWS_ENDPOINT_URL: aws --endpoint-url %s <service> <command>\n", srv.URL())
	fmt.Fprintf(stdout, "# admin API: %s/_admin/state  (calls: %s/_admin/calls)\n", srv.URL(), srv.URL())
	<-ctx.Done()
	return nil
}
