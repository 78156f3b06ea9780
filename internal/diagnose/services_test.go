package diagnose_test

import (
	"testing"

	"github.com/ecscheck/ecscheck/internal/diagnose"
)

func TestServiceFromHost(t *testing.T) {
	cases := []struct{ host, svc, region string }{
		{"sns.ap-northeast-1.amazonaws.com", "sns", "ap-northeast-1"},
		{"SNS.us-east-1.amazonaws.com.", "sns", "us-east-1"},
		{"api.ecr.ap-northeast-1.amazonaws.com", "ecr.api", "ap-northeast-1"},
		{"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com", "ecr.dkr", "ap-northeast-1"},
		{"prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com", "s3", "ap-northeast-1"},
		{"s3.dualstack.eu-west-1.amazonaws.com", "s3", "eu-west-1"},
		{"sqs-fips.us-gov-west-1.amazonaws.com", "sqs", "us-gov-west-1"},
		{"vpce-0abc-1xyz.sns.ap-northeast-1.vpce.amazonaws.com", "sns", "ap-northeast-1"},
		{"ecs-a-4.ap-northeast-1.amazonaws.com", "ecs-agent", "ap-northeast-1"}, // seed 003's agent endpoints
		{"ecs-t-4.ap-northeast-1.amazonaws.com", "ecs-telemetry", "ap-northeast-1"},
		{"sts.amazonaws.com", "sts", ""},
		{"logs.cn-north-1.amazonaws.com.cn", "logs", "cn-north-1"},
		{"api.partner.example", "", ""},
		{"10.0.1.169", "", ""},
	}
	for _, c := range cases {
		if svc, reg := diagnose.ServiceFromHost(c.host); svc != c.svc || reg != c.region {
			t.Errorf("ServiceFromHost(%q) = %q, %q; want %q, %q", c.host, svc, reg, c.svc, c.region)
		}
	}
	// An awsAPI target that timed out is diagnosed as a connection to the
	// endpoint the CLI calls; the two functions agree on the service.
	for cli, want := range map[string]string{"sns": "sns", "ecr": "ecr.api", "s3api": "s3", "logs": "logs", "cloudwatch": "monitoring"} {
		host := diagnose.ServiceEndpointHost(cli, "ap-northeast-1")
		if svc, _ := diagnose.ServiceFromHost(host); svc != want || diagnose.EndpointService(cli) != want {
			t.Errorf("%s: host %s is service %q, endpoint service %q; want %q", cli, host, svc, diagnose.EndpointService(cli), want)
		}
	}
}

func TestConnKindOf(t *testing.T) {
	for reason, want := range map[string]diagnose.ConnKind{
		"ConnectionTimedOut": diagnose.ConnTimeout, "APICallTimedOut": diagnose.ConnTimeout, "ConnectionRefused": diagnose.ConnRefused,
		"NoRouteToHost": diagnose.ConnNoRoute, "NameNotResolved": diagnose.ConnUnresolved,
	} {
		if got, ok := diagnose.ConnKindOf(reason); !ok || got != want {
			t.Errorf("ConnKindOf(%s) = %s, %v", reason, got, ok)
		}
	}
	if _, ok := diagnose.ConnKindOf("HTTPStatusReceived"); ok {
		t.Error("an HTTP status is no connection failure")
	}
}
