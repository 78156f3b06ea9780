package diagnose

import (
	"regexp"
	"strings"
)

var regionLabel = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)

// endpointServiceName is the VPC endpoint service of an AWS service:
// com.amazonaws.<region>.<service>.
func endpointServiceName(region, service string) string {
	return "com.amazonaws." + region + "." + service
}

// cliServices maps AWS CLI service names to the endpoint service (first)
// and the IAM action prefix (second) where they differ from the CLI name.
var cliServices = map[string][2]string{
	"s3api":          {"s3", "s3"},
	"s3":             {"s3", "s3"},
	"ecr":            {"ecr.api", "ecr"},
	"elbv2":          {"elasticloadbalancing", "elasticloadbalancing"},
	"elb":            {"elasticloadbalancing", "elasticloadbalancing"},
	"cloudwatch":     {"monitoring", "cloudwatch"},
	"stepfunctions":  {"states", "states"},
	"logs":           {"logs", "logs"},
	"ssm":            {"ssm", "ssm"},
	"secretsmanager": {"secretsmanager", "secretsmanager"},
}

// EndpointService is the VPC endpoint service suffix of a CLI service name
// (ecr -> ecr.api, s3api -> s3).
func EndpointService(cliService string) string {
	if m, ok := cliServices[cliService]; ok {
		return m[0]
	}
	return cliService
}

// iamPrefix is the IAM action prefix of a CLI service name (s3api -> s3).
func iamPrefix(cliService string) string {
	if m, ok := cliServices[cliService]; ok {
		return m[1]
	}
	return cliService
}

// s3Actions are the IAM actions of S3 operations whose names differ (S3 API
// reference, each operation's "Permissions": HeadObject needs s3:GetObject,
// ListObjectsV2 and HeadBucket s3:ListBucket, ListBuckets
// s3:ListAllMyBuckets).
var s3Actions = map[string]string{
	"HeadObject": "GetObject", "GetObjectAttributes": "GetObject",
	"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "HeadBucket": "ListBucket",
	"ListBuckets": "ListAllMyBuckets", "ListObjectVersions": "ListBucketVersions",
}

// iamAction is the IAM action an API operation of a CLI service is
// authorized as (s3api HeadObject -> s3:GetObject).
func iamAction(cliService, op string) string {
	prefix := iamPrefix(cliService)
	if a, ok := s3Actions[op]; ok && prefix == "s3" {
		op = a
	}
	return prefix + ":" + op
}

// ServiceEndpointHost is the regional endpoint name the CLI calls for a
// service, for diagnosing an AWS API call that timed out.
func ServiceEndpointHost(cliService, region string) string {
	switch ep := EndpointService(cliService); ep {
	case "ecr.api":
		return "api.ecr." + region + ".amazonaws.com"
	case "ecr.dkr":
		return "dkr.ecr." + region + ".amazonaws.com" // registries are <account>.dkr.ecr...
	default:
		return ep + "." + region + ".amazonaws.com"
	}
}

// ServiceFromHost is the AWS service and region of an AWS endpoint name
// (sns.ap-northeast-1.amazonaws.com -> sns, ap-northeast-1), with the
// service spelled as its VPC endpoint service (ecr.api, ecr.dkr, s3).
// It returns "" for names that are not AWS endpoints.
func ServiceFromHost(host string) (service, region string) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	var rest string
	for _, suf := range []string{".amazonaws.com.cn", ".amazonaws.com", ".api.aws"} {
		if strings.HasSuffix(h, suf) {
			rest = strings.TrimSuffix(h, suf)
			break
		}
	}
	if rest == "" {
		return "", ""
	}
	labels := strings.Split(rest, ".")
	if n := len(labels); n > 1 && labels[n-1] == "vpce" {
		labels = labels[:n-1] // vpce-0abc-xyz.sns.<region>.vpce.amazonaws.com
	}
	ri := -1
	for i, l := range labels {
		if regionLabel.MatchString(l) {
			ri = i
		}
	}
	before := labels
	if ri >= 0 {
		region, before = labels[ri], labels[:ri]
	}
	if len(before) > 0 && before[len(before)-1] == "dualstack" {
		before = before[:len(before)-1]
	}
	if len(before) == 0 {
		return "", ""
	}
	svc := strings.TrimSuffix(before[len(before)-1], "-fips")
	switch {
	case svc == "ecr" && len(before) > 1 && before[len(before)-2] == "api":
		svc = "ecr.api"
	case svc == "ecr" && len(before) > 1 && before[len(before)-2] == "dkr":
		svc = "ecr.dkr"
	case strings.HasPrefix(svc, "ecs-a-"):
		svc = "ecs-agent"
	case strings.HasPrefix(svc, "ecs-t-"):
		svc = "ecs-telemetry"
	case strings.HasPrefix(svc, "s3-"):
		svc = "s3" // s3-external-1, s3-accesspoint
	}
	return svc, region
}

// gatewayService: S3 and DynamoDB can be reached through a gateway endpoint.
func gatewayService(svc string) bool { return svc == "s3" || svc == "dynamodb" }
