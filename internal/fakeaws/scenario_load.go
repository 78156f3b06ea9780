package fakeaws

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// DefaultAccountID is the account of a scenario account that names none.
const DefaultAccountID = "123456789012"

// LoadScenario reads a scenario file (YAML or JSON).
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseScenario parses a scenario and fills in the defaults AWS would have
// (regions, revisions, paths, ARNs). Unknown fields are errors, so a typo in
// a test scenario does not silently change what the test checks.
func ParseScenario(b []byte) (*Scenario, error) {
	var s Scenario
	if err := yaml.UnmarshalStrict(b, &s); err != nil {
		return nil, err
	}
	if err := s.normalize(); err != nil {
		return nil, err
	}
	return &s, nil
}

// clone deep-copies the exported state (the unexported run-time parts of
// tasks and faults are not copied: a clone is a fresh world).
func (s *Scenario) clone() *Scenario {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var c Scenario
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

func (s *Scenario) normalize() error {
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	if len(s.Accounts) == 0 {
		s.Accounts = []*Account{{}}
	}
	seen := map[string]bool{}
	for _, a := range s.Accounts {
		if a.ID == "" {
			a.ID = DefaultAccountID
		}
		if seen[a.ID] {
			return fmt.Errorf("account %s listed twice", a.ID)
		}
		seen[a.ID] = true
		if err := a.normalize(s.Region); err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
	}
	for i, o := range s.Outcomes {
		n := 0
		for _, v := range []string{o.DNS, o.TCP, o.HTTP, o.API} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("outcome %d: exactly one of dns, tcp, http, api must be set", i)
		}
		if o.Result == "" {
			return fmt.Errorf("outcome %d: result is required", i)
		}
	}
	return nil
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func (a *Account) normalize(region string) error {
	now := time.Now().UTC().Truncate(time.Second)
	for _, v := range a.VPCs {
		def(&v.Region, region)
	}
	for _, v := range a.Subnets {
		def(&v.Region, region)
		def(&v.AvailabilityZone, v.Region+"a")
	}
	for _, v := range a.RouteTables {
		def(&v.Region, region)
	}
	for _, v := range a.NetworkACLs {
		def(&v.Region, region)
	}
	for _, v := range a.SecurityGroups {
		def(&v.Region, region)
		def(&v.Name, v.ID)
	}
	for _, v := range a.VPCEndpoints {
		def(&v.Region, region)
		def(&v.Type, "Interface")
		def(&v.State, "available")
	}
	for _, v := range a.NetworkInterfaces {
		def(&v.Region, region)
	}
	for _, v := range a.NATGateways {
		def(&v.Region, region)
		def(&v.State, "available")
		def(&v.ConnectivityType, "public")
		// A NAT gateway always has an interface in its subnet.
		if v.PrivateIP == "" && v.State != "deleted" && a.subnet(v.Region, v.Subnet) != nil {
			v.PrivateIP = a.freeIP(v.Region, v.Subnet)
		}
	}
	for _, v := range a.InternetGateways {
		def(&v.Region, region)
	}
	for _, v := range a.PrefixLists {
		def(&v.Region, region)
	}
	for _, v := range a.KMSKeys {
		def(&v.Region, region)
	}
	for _, r := range a.Roles {
		def(&r.Path, "/")
		def(&r.ID, "AROA"+idFrom(a.ID+r.Name, 17))
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.CreateDate.IsZero() {
			r.CreateDate = now
		}
	}
	for _, p := range a.Policies {
		def(&p.Path, "/")
		def(&p.ARN, "arn:aws:iam::"+a.ID+":policy"+p.Path+p.Name)
		def(&p.ID, "ANPA"+idFrom(p.ARN, 17))
		def(&p.VersionID, "v1")
		if p.CreateDate.IsZero() {
			p.CreateDate = now
		}
	}
	for _, c := range a.Clusters {
		def(&c.Region, region)
		def(&c.Status, "ACTIVE")
	}
	// Revisions are numbered per family in file order, as registering them
	// one after the other would.
	next := map[string]int{}
	for _, td := range a.TaskDefinitions {
		def(&td.Region, region)
		def(&td.Status, "ACTIVE")
		def(&td.NetworkMode, "awsvpc")
		k := td.Region + "/" + td.Family
		if td.Revision == 0 {
			td.Revision = next[k] + 1
		}
		if td.Revision > next[k] {
			next[k] = td.Revision
		}
		if td.RegisteredAt.IsZero() {
			td.RegisteredAt = now
		}
	}
	for _, sv := range a.Services {
		def(&sv.Region, region)
		def(&sv.Status, "ACTIVE")
		def(&sv.LaunchType, "FARGATE")
		if sv.LaunchType == "FARGATE" {
			def(&sv.PlatformVersion, "LATEST")
		}
		if sv.CreatedAt.IsZero() {
			sv.CreatedAt = now
		}
		for i, e := range sv.Events {
			def(&e.ID, fmt.Sprintf("%08d-0000-4000-8000-%012d", i+1, i+1))
			if e.CreatedAt.IsZero() {
				e.CreatedAt = now
			}
		}
	}
	for _, t := range a.Tasks {
		def(&t.Region, region)
		def(&t.LastStatus, "RUNNING")
		if t.DesiredStatus == "" {
			t.DesiredStatus = "RUNNING"
			if t.LastStatus == "STOPPED" || t.LastStatus == "STOPPING" || t.LastStatus == "DEPROVISIONING" {
				t.DesiredStatus = "STOPPED"
			}
		}
		def(&t.LaunchType, "FARGATE")
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		// A task the scenario declares stopped stopped just now, so that it
		// counts as a recent stop of its service.
		if t.LastStatus == "STOPPED" && t.StoppedAt == nil {
			at := now
			t.StoppedAt = &at
		}
		if t.EnableExecuteCommand && t.ExecAgentStatus == "" {
			t.ExecAgentStatus = "RUNNING"
			if t.LastStatus == "STOPPED" {
				t.ExecAgentStatus = "STOPPED"
			}
		}
		a.scenarioENI(t)
	}
	return nil
}

// scenarioENI gives a scenario's awsvpc task the network interface real
// tasks have: DescribeTasks shows it as an ElasticNetworkInterface
// attachment (subnetId, networkInterfaceId, privateIPv4Address; ECS API
// reference, Attachment), and a running task's interface is in EC2. A
// stopped task keeps its attachment (status DELETED), not the interface.
func (a *Account) scenarioENI(t *Task) {
	if t.ENI != "" || t.Network == nil || len(t.Network.Subnets) == 0 {
		return
	}
	subnet := t.Network.Subnets[0]
	t.ENI = "eni-" + strings.ToLower(idFrom(t.ID+"eni", 17))
	if t.PrivateIP == "" {
		t.PrivateIP = a.freeIP(t.Region, subnet)
	}
	if t.LastStatus == "STOPPED" {
		return
	}
	a.NetworkInterfaces = append(a.NetworkInterfaces, &NetworkInterface{
		ID: t.ENI, Region: t.Region, Subnet: subnet, PrivateIP: t.PrivateIP,
		Groups:        append([]string(nil), t.Network.SecurityGroups...),
		Description:   "arn:aws:ecs:" + t.Region + ":" + a.ID + ":attachment/" + uuidFrom(t.ID+"attachment"),
		InterfaceType: "interface", RequesterManaged: true, Status: "in-use", MAC: macFor(t.ENI),
	})
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// idFrom derives a stable pseudo-random identifier of n hex digits (or, for
// IAM unique IDs, upper-case alphanumerics) from a seed string, so that
// scenario files need not spell out every ID.
func idFrom(seed string, n int) string {
	const alphabet = "0123456789abcdef"
	var h uint64 = 1469598103934665603
	out := make([]byte, 0, n)
	for len(out) < n {
		for _, c := range []byte(seed) {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= uint64(len(out))
		h *= 1099511628211
		out = append(out, alphabet[h%16])
	}
	return strings.ToUpper(string(out))
}
