package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/fakeaws"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// Sandbox is a local control plane, the fake AWS and the controller binary
// running against both.
type Sandbox struct {
	env        *testenv.Env
	Kubeconfig string
	AWS        *fakeaws.Server
	controller *exec.Cmd
	exited     chan error
}

// Options say where things are.
type Options struct {
	// Controller is the ecscheck binary to run.
	Controller string
	// Scenario is the fake AWS world.
	Scenario string
	// Dir holds the kubeconfig and the fake's task directories.
	Dir string
	// Log receives the controller's log.
	Log io.Writer
	// Args are more controller flags (tests raise the log level).
	Args []string
}

// Start brings the sandbox up.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	s := &Sandbox{}
	sc, err := fakeaws.LoadScenario(o.Scenario)
	if err != nil {
		return nil, err
	}
	if s.AWS, err = fakeaws.New(sc, fakeaws.WithTempDir(filepath.Join(o.Dir, "tasks"))); err != nil {
		return nil, err
	}
	if err := s.AWS.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	if s.env, err = testenv.Start(); err != nil {
		s.Stop()
		return nil, err
	}
	user, err := s.env.AddUser(envtest.User{Name: "sandbox-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		s.Stop()
		return nil, err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Kubeconfig = filepath.Join(o.Dir, "kubeconfig")
	if err := os.WriteFile(s.Kubeconfig, kubeconfig, 0o600); err != nil {
		s.Stop()
		return nil, err
	}

	st := s.AWS.State()
	cred := st.Accounts[0].Credentials[0]
	args := append([]string{"--metrics-bind-address=0", "--health-probe-bind-address=0", "--default-region=" + st.Region}, o.Args...)
	s.controller = exec.CommandContext(ctx, o.Controller, args...)
	s.controller.Env = append(os.Environ(),
		"KUBECONFIG="+s.Kubeconfig,
		"AWS_ENDPOINT_URL="+s.AWS.URL(),
		"AWS_ACCESS_KEY_ID="+cred.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+cred.SecretAccessKey,
		"AWS_REGION="+st.Region,
		"AWS_EC2_METADATA_DISABLED=true",
	)
	s.controller.Stdout, s.controller.Stderr = o.Log, o.Log
	if err := s.controller.Start(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("starting the controller: %w", err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.controller.Wait() }()
	return s, nil
}

// Client is a client of the sandbox's API server.
func (s *Sandbox) Client() client.Client { return s.env.Client }

// Apply creates every object of a multi-document YAML file.
func (s *Sandbox) Apply(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := dec.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		obj := &unstructured.Unstructured{}
		if err := k8syaml.Unmarshal(doc, &obj.Object); err != nil {
			return err
		}
		if len(obj.Object) == 0 {
			continue
		}
		if err := s.env.Client.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
}

// Settle waits until every check in the namespace has finished its first
// run (Ready no longer Unknown) and returns them.
func (s *Sandbox) Settle(ctx context.Context, namespace string, timeout time.Duration) ([]v1alpha1.ECSConnectivityCheck, error) {
	deadline := time.Now().Add(timeout)
	for {
		list := &v1alpha1.ECSConnectivityCheckList{}
		if err := s.env.Client.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return nil, err
		}
		var waiting []string
		for _, c := range list.Items {
			r := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionReady)
			if r == nil || r.Status == "Unknown" || r.ObservedGeneration != c.Generation {
				waiting = append(waiting, c.Name)
			}
		}
		if len(list.Items) > 0 && len(waiting) == 0 {
			return list.Items, nil
		}
		select {
		case err := <-s.exited:
			return nil, fmt.Errorf("the controller exited: %w", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("checks still probing after %s: %s", timeout, strings.Join(waiting, ", "))
		}
	}
}

// Kubectl runs the kubectl of bin/ against the sandbox.
func (s *Sandbox) Kubectl(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(testenv.BinDir(), "kubectl"), append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Stop stops the controller, the control plane and the fake AWS.
func (s *Sandbox) Stop() {
	if s.controller != nil && s.controller.Process != nil {
		_ = s.controller.Process.Signal(os.Interrupt)
		select {
		case err := <-s.exited: // its exit status after an interrupt says nothing
			_ = err
		case <-time.After(10 * time.Second):
			_ = s.controller.Process.Kill()
		}
	}
	if s.env != nil {
		_ = s.env.Stop()
	}
	if s.AWS != nil {
		s.AWS.Close()
	}
}
