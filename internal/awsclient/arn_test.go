package awsclient

import "testing"

func TestARNsInTheRegionsPartition(t *testing.T) {
	for _, tc := range []struct {
		region, service, account, resource string
		global                             bool
		want                               string
	}{
		{"ap-northeast-1", "logs", "123456789012", "log-group:/ecs/api:*", false, "arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/api:*"},
		{"cn-north-1", "ecr", "123456789012", "repository/app", false, "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app"},
		{"us-gov-west-1", "iam", "123456789012", "role/probe", true, "arn:aws-us-gov:iam::123456789012:role/probe"},
		{"cn-northwest-1", "s3", "", "prod-cn-northwest-1-starport-layer-bucket/*", true, "arn:aws-cn:s3:::prod-cn-northwest-1-starport-layer-bucket/*"},
	} {
		if got := ARN(tc.region, tc.service, tc.account, tc.resource, tc.global); got != tc.want {
			t.Errorf("ARN(%s, %s) = %s, want %s", tc.region, tc.service, got, tc.want)
		}
	}
	if p := PartitionOf("arn:aws-cn:iam::123456789012:role/x"); p != "aws-cn" {
		t.Errorf("PartitionOf = %s", p)
	}
}
