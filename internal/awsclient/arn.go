package awsclient

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Partition is the ARN partition of a region: aws-cn for China, aws-us-gov
// for GovCloud, the ISO partitions for theirs, aws elsewhere (AWS General
// Reference, "Amazon Resource Names": partition).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

// ARN builds an ARN in the region's partition. Global services (IAM, S3
// buckets) take the region only for its partition: pass global true.
func ARN(region, service, account, resource string, global bool) string {
	a := arn.ARN{Partition: Partition(region), Service: service, AccountID: account, Resource: resource}
	if !global {
		a.Region = region
	}
	return a.String()
}

// PartitionOf is the partition of an ARN, or aws when it does not parse.
func PartitionOf(s string) string {
	if a, err := arn.Parse(s); err == nil {
		return a.Partition
	}
	return "aws"
}
