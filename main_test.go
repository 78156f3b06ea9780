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
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/internal/testenv"
)

// The manager runs as the shipped ServiceAccount with nothing but the
// shipped RBAC (config/rbac: the generated manager role, the leader-election
// Role and their bindings) against the real API server: it wins leader
// election and records that event, and its metrics endpoint, as main builds
// it by default, answers only scrapers the API server authenticates and
// authorizes (a ServiceAccount bound to config/rbac/metrics_reader_role.yaml).
func TestManagerWithShippedRBACElectsAndServesMetricsOnlyToAuthorizedScrapers(t *testing.T) {
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

	// As kustomize would install it, without the name prefix.
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "system"}}); err != nil {
		t.Fatal(err)
	}
	var readerRole string
	for _, f := range []string{"service_account.yaml", "role.yaml", "role_binding.yaml", "leader_election_role.yaml", "metrics_reader_role.yaml"} {
		for _, obj := range applyManifest(t, env, f) {
			if f == "metrics_reader_role.yaml" {
				readerRole = obj.GetName()
			}
		}
	}
	managerCfg := rest.AnonymousClientConfig(env.Config)
	managerCfg.BearerToken = saToken(t, env, "system", "controller-manager")

	o.metricsAddr = freeAddr(t)
	o.metricsCertDir = certDir(t, "ecscheck-metrics")
	mgr, err := ctrl.NewManager(managerCfg, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsOptions(o), HealthProbeBindAddress: "0",
		LeaderElection: true, LeaderElectionID: "ecscheck.connectivity.ecscheck.dev", LeaderElectionNamespace: "system",
		LeaderElectionReleaseOnCancel: true,
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

	select {
	case <-mgr.Elected():
	case <-time.After(30 * time.Second):
		t.Fatal("not elected within 30s with the shipped leader-election Role")
	}
	leaderEvent(t, env)
	leaseRenewed(t, env, "ecscheck.connectivity.ecscheck.dev")

	url := "https://" + o.metricsAddr + "/metrics"
	scrape(t, url, "") // wait for the server
	// The server presents the certificate of --metrics-cert-dir and speaks
	// HTTP/1.1 only, even to a client that offers h2.
	conn, err := tls.Dial("tcp", o.metricsAddr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}}) //nolint:gosec // identity checked below
	if err != nil {
		t.Fatal(err)
	}
	st := conn.ConnectionState()
	conn.Close()
	if cn := st.PeerCertificates[0].Subject.CommonName; !strings.HasPrefix(cn, "ecscheck-metrics@") || st.NegotiatedProtocol == "h2" {
		t.Fatalf("metrics TLS: certificate %q, protocol %q; want the --metrics-cert-dir certificate and no h2", cn, st.NegotiatedProtocol)
	}
	// No credentials: refused by authentication.
	if code, body := scrape(t, url, ""); code != http.StatusUnauthorized {
		t.Fatalf("anonymous scrape: HTTP %d %s, want 401", code, body)
	}
	// A valid token of an account not bound to the reader role: authenticated,
	// refused by authorization.
	if code, body := scrape(t, url, saToken(t, env, "default", "stranger")); code != http.StatusForbidden {
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
	token := saToken(t, env, "default", "prometheus")
	bind(t, env, readerRole, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "default", Name: "prometheus"})
	code, body := scrape(t, url, token)
	if code != http.StatusOK || !strings.Contains(body, "# TYPE ") {
		t.Fatalf("authorized scrape: HTTP %d %.300s, want 200 with metrics", code, body)
	}

	// --metrics-secure=false, for local runs: plain HTTP to anyone.
	local, err := parseFlags([]string{"--metrics-secure=false", "--metrics-bind-address=" + freeAddr(t)})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := ctrl.NewManager(env.Config, ctrl.Options{Scheme: env.Scheme, Metrics: metricsOptions(local), HealthProbeBindAddress: "0"})
	if err != nil {
		t.Fatal(err)
	}
	lctx, lcancel := context.WithCancel(ctx)
	ldone := make(chan struct{})
	go func() { defer close(ldone); _ = lm.Start(lctx) }()
	t.Cleanup(func() { lcancel(); <-ldone })
	if code, body := scrape(t, "http://"+local.metricsAddr+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "# TYPE ") {
		t.Fatalf("--metrics-secure=false: HTTP %d %.300s, want 200 with metrics", code, body)
	}
}

// leaderEvent waits for the LeaderElection event the manager records on
// its Lease, which the leader-election Role's events grant allows.
func leaderEvent(t *testing.T, env *testenv.Env) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		events := &corev1.EventList{}
		if err := env.Client.List(context.Background(), events, client.InNamespace("system")); err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			if e.Reason == "LeaderElection" && strings.Contains(e.Message, "became leader") {
				return
			}
		}
	}
	t.Fatal("no LeaderElection event in namespace system")
}

// leaseRenewed waits for the leader to renew its Lease (an update after the
// create that acquired it), so the Role's verbs hold beyond the first term.
func leaseRenewed(t *testing.T, env *testenv.Env, name string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		lease := &coordinationv1.Lease{}
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "system", Name: name}, lease); err != nil {
			t.Fatal(err)
		}
		if r, a := lease.Spec.RenewTime, lease.Spec.AcquireTime; r != nil && a != nil && r.After(a.Time) {
			return
		}
	}
	t.Fatal("the leader never renewed its Lease")
}

// applyManifest creates the objects of a config/rbac manifest as shipped.
func applyManifest(t *testing.T, env *testenv.Env, name string) []client.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("config", "rbac", name))
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, doc := range strings.Split(string(data), "\n---") {
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(doc), "---")) == "" {
			continue
		}
		obj, _, err := env.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		o := obj.(client.Object)
		if err := env.Client.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
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

// saToken creates a ServiceAccount, unless it exists, and returns a token
// the API server issued for it (TokenRequest), as a pod would mount.
func saToken(t *testing.T, env *testenv.Env, namespace, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
	if err := env.Client.Create(ctx, sa); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
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

// certDir writes a certificate for host, as a mounted Secret would hold it.
func certDir(t *testing.T, host string) string {
	t.Helper()
	crt, key, err := certutil.GenerateSelfSignedCertKey(host, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"tls.crt": crt, "tls.key": key} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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
