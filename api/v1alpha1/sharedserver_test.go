package v1alpha1_test

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/testenv"
)

// sharedServerEnv carries the test control plane's address and credentials
// to the processes this test binary starts. `go test -fuzz` runs the fuzz
// targets in worker processes, each running TestMain again; a worker is
// stopped without its TestMain finishing, so a control plane it started
// would be left running.
const sharedServerEnv = "ECSCHECK_TEST_APISERVER"

type sharedServer struct {
	Host     string  `json:"host"`
	CAData   []byte  `json:"caData"`
	CertData []byte  `json:"certData"`
	KeyData  []byte  `json:"keyData"`
	Token    string  `json:"token,omitempty"`
	QPS      float32 `json:"qps"`
	Burst    int     `json:"burst"`
}

func shareServer(cfg *rest.Config) error {
	b, err := json.Marshal(sharedServer{Host: cfg.Host, CAData: cfg.CAData, CertData: cfg.CertData, KeyData: cfg.KeyData, Token: cfg.BearerToken,
		QPS: cfg.QPS, Burst: cfg.Burst})
	if err != nil {
		return err
	}
	return os.Setenv(sharedServerEnv, string(b))
}

func joinSharedServer(v string) (*testenv.Env, error) {
	var s sharedServer
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil, fmt.Errorf("%s: %w", sharedServerEnv, err)
	}
	// No client-side rate limit, as for the process that shares it: a
	// fuzz worker makes hundreds of requests a second.
	if s.QPS <= 0 {
		s.QPS, s.Burst = -1, 0
	}
	cfg := &rest.Config{Host: s.Host, BearerToken: s.Token, QPS: s.QPS, Burst: s.Burst,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CAData, CertData: s.CertData, KeyData: s.KeyData}}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	return &testenv.Env{Config: cfg, Client: c, Scheme: scheme}, nil
}
