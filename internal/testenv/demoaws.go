package testenv

import (
	"path/filepath"
	"testing"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// DemoAWS starts the fake AWS on loopback with the sandbox's demo scenario
// (hack/fakeaws/demo.yaml, the seed situations), changed by edit when it is
// not nil. It stops with the test.
func DemoAWS(t testing.TB, edit func(*fakeaws.Scenario)) *fakeaws.Server {
	t.Helper()
	sc, err := fakeaws.LoadScenario(filepath.Join(RepoRoot(), "hack", "fakeaws", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	srv, err := fakeaws.New(sc, fakeaws.WithTempDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}
