package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

// The metrics endpoint, as main builds it by default, answers only clients
// the real API server authenticates and authorizes: the manager runs as a
// user with nothing but the generated manager role (config/rbac/role.yaml),
// so the TokenReview and SubjectAccessReview grants are tested too, and the
// scraper is a ServiceAccount bound to config/rbac/metrics_reader_role.yaml.
func TestSecureMetricsServeOnlyAuthorizedScrapers(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.metricsAddr != ":8443" || !o.metricsSecure {
		t.Fatalf("default metrics: %s secure=%v, want :8443 secure", o.metricsAddr, o.metricsSecure)
	}

	testenv.SetLogger()
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := context.Background()

	managerRole := applyManifest[*rbacv1.ClusterRole](t, env, "role.yaml")
	readerRole := applyManifest[*rbacv1.ClusterRole](t, env, "metrics_reader_role.yaml")
	manager, err := env.AddUser(envtest.User{Name: "ecscheck-manager"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bind(t, env, managerRole.Name, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "ecscheck-manager"})

	o.metricsAddr = freeAddr(t)
	mgr, err := ctrl.NewManager(manager.Config(), ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsOptions(o), HealthProbeBindAddress: "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(mctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })

	url := "https://" + o.metricsAddr + "/metrics"
	// No credentials: refused by authentication.
	if code, body := scrape(t, url, ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous scrape: HTTP %d %s, want 401", code, body)
	}
	// A valid token of an account not bound to the reader role: authenticated,
	// refused by authorization.
	if code, body := scrape(t, url, saToken(t, env, "stranger")); code != http.StatusForbidden {
		t.Fatalf("unauthorized scrape: HTTP %d %s, want 403", code, body)
	}
	// Plain HTTP on the same port is not served.
	if resp, err := http.Get("http://" + o.metricsAddr + "/metrics"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP served the metrics: %.200s", body)
		}
	}
	// The scraper bound to the metrics reader role gets them.
	token := saToken(t, env, "prometheus")
	bind(t, env, readerRole.Name, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "default", Name: "prometheus"})
	code, body := scrape(t, url, token)
	if code != http.StatusOK || !strings.Contains(body, "# TYPE ") {
		t.Fatalf("authorized scrape: HTTP %d %.300s, want 200 with metrics", code, body)
	}
}

// applyManifest creates the object of a config/rbac manifest as shipped.
func applyManifest[T client.Object](t *testing.T, env *testenv.Env, name string) T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("config", "rbac", name))
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := env.Codecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	o := obj.(T)
	if err := env.Client.Create(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func bind(t *testing.T, env *testenv.Env, role string, subject rbacv1.Subject) {
	t.Helper()
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{GenerateName: role + "-"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{subject},
	}
	if err := env.Client.Create(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// saToken creates a ServiceAccount in default and returns a token the API
// server issued for it (TokenRequest), as a Prometheus pod would mount.
func saToken(t *testing.T, env *testenv.Env, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	if err := env.Client.Create(ctx, sa); err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts("default").CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// scrape GETs url over TLS (the server's certificate is self-signed, as
// the ServiceMonitor's insecureSkipVerify expects), retrying while the
// server starts.
func scrape(t *testing.T, url, token string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed test server
	}}
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	t.Fatalf("scraping %s: %v", url, last)
	return 0, ""
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}
