package v1alpha1_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
	"github.com/ecscheck/ecscheck/internal/probe/wire"
)

// The controller checks every target again before it reaches the probe
// (probe.WireTarget and the wire codec), for specs that bypassed admission.
// The two must agree: what the API server's CEL and OpenAPI rules admit the
// controller sends, and what they refuse it refuses. The API server here is
// the real one, with the CRD from config/crd, answering dry-run creates.
func FuzzAdmissionAgreesWithController(f *testing.F) {
	f.Add(uint8(0), "sns.ap-northeast-1.amazonaws.com", "", "", "", int32(0))
	f.Add(uint8(0), "fd00::1", "", "", "", int32(0))
	f.Add(uint8(0), "::ffff:10.0.0.1", "", "", "", int32(0))
	f.Add(uint8(0), "fe80::1%eth0", "", "", "", int32(0))
	f.Add(uint8(0), "--endpoint", "", "", "", int32(0))
	f.Add(uint8(1), "example.com.", "", "", "", int32(0))
	f.Add(uint8(1), "a\u2010b", "", "", "", int32(0))
	f.Add(uint8(2), "https://api.partner.example/health?full=1#top", "", "", "", int32(0))
	f.Add(uint8(2), "http://x/\x00", "", "", "", int32(0))
	f.Add(uint8(2), "http:// x", "", "", "", int32(0))
	f.Add(uint8(3), "s3api", "HeadBucket", "Bucket", "orders-archive", int32(0))
	f.Add(uint8(7), "logs", "DescribeLogGroups", "limit", "", int32(5))
	f.Add(uint8(3), "sns", "ListTopics", "--endpoint-url", "http://127.0.0.1:1", int32(0))
	f.Add(uint8(3), "--debug", "ListTopics", "NextToken", "x", int32(0))
	f.Add(uint8(3), "sns", "Publish", "", "", int32(0))
	f.Add(uint8(3), "sns", "Listtopics", "", "", int32(0))
	f.Add(uint8(3), "sns", "Get9", "", "", int32(0))
	f.Add(uint8(3), "storagegateway", "DescribeCachediSCSIVolumes", "GatewayARN", "x", int32(0))
	f.Add(uint8(3), "sns", "ListTopics", "NextToken", "\xff\xfe", int32(0))
	f.Fuzz(func(t *testing.T, kind uint8, s1, s2, key, value string, n int32) {
		tg := v1alpha1.Target{Name: "a"}
		switch kind % 4 {
		case 0:
			tg.TCP = &v1alpha1.TCPTarget{Host: s1, Port: 443}
		case 1:
			tg.DNS = &v1alpha1.DNSTarget{Name: s1}
		case 2:
			tg.HTTP = &v1alpha1.HTTPTarget{URL: s1}
		case 3:
			tg.AWSAPI = &v1alpha1.AWSAPITarget{Service: s1, Action: s2}
			if key != "" || value != "" {
				v := intstr.FromString(value)
				if kind&4 != 0 {
					v = intstr.FromInt32(n)
				}
				tg.AWSAPI.Args = map[string]intstr.IntOrString{key: v}
			}
		}
		// Compare what the API server sees: JSON replaces invalid UTF-8.
		raw, err := json.Marshal(tg)
		if err != nil {
			t.Fatal(err)
		}
		tg = v1alpha1.Target{}
		if err := json.Unmarshal(raw, &tg); err != nil {
			t.Fatal(err)
		}

		c := &v1alpha1.ECSConnectivityCheck{
			ObjectMeta: metav1.ObjectMeta{Name: "fuzz", Namespace: "payments"},
			Spec:       v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: "orders-api", Targets: []v1alpha1.Target{tg}},
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admission := env.Client.Create(ctx, c, client.DryRunAll)
		if admission != nil && !apierrors.IsInvalid(admission) {
			t.Fatalf("dry-run create: %v", admission)
		}

		wt, controller := probe.WireTarget("t0", tg)
		if controller == nil {
			controller = wire.Request{Nonce: "n", Timeout: time.Second, Targets: []wire.Target{wt}}.Validate()
		}
		if (admission == nil) != (controller == nil) {
			t.Fatalf("%s\nadmission: %v\ncontroller: %v", raw, admission, controller)
		}
	})
}
