package main

import (
	"testing"

	"github.com/ecscheck/ecscheck/internal/fakeaws"
)

// The generated world is one the fake accepts, with one service per
// identity, each on its own subnet and security group.
func TestWorldHasOneNetworkIdentityPerService(t *testing.T) {
	srv, err := fakeaws.New(world(12))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	acct := srv.State().Accounts[0]
	if len(acct.Services) != 12 {
		t.Fatalf("%d services, want 12", len(acct.Services))
	}
	seen := map[string]bool{}
	for _, s := range acct.Services {
		key := s.Network.Subnets[0] + "/" + s.Network.SecurityGroups[0]
		if seen[key] {
			t.Errorf("service %s shares the network %s", s.Name, key)
		}
		seen[key] = true
	}
}
