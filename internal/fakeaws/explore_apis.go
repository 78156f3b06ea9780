package fakeaws

import (
	"sort"
	"strings"
	"time"
)

// Calls people exploring the sandbox with the aws CLI make, and that
// third-party checkers (amazon-ecs-exec-checker) make first: listing the
// clusters and roles, and describing the cluster's exec KMS key. Shapes per
// botocore (ecs/2014-11-13 ListClusters, iam/2010-05-08 ListRoles,
// kms/2014-11-01 DescribeKey).

func init() {
	register("ecs", map[string]handler{"ListClusters": ecsListClusters})
	register("iam", map[string]handler{"ListRoles": iamListRoles})
	register("kms", map[string]handler{"DescribeKey": kmsDescribeKey})
}

func ecsListClusters(s *Server, rq *request) (any, error) {
	arns := []string{}
	for _, c := range rq.acct.Clusters {
		if c.Region == rq.region {
			arns = append(arns, clusterARN(rq.region, rq.acct.ID, c.Name))
		}
	}
	sort.Strings(arns)
	return obj{"clusterArns": arns}, nil
}

// iamListRoles lists the account's roles under PathPrefix (default "/"),
// without their permissions boundaries and tags, as IAM does ("ListRoles
// ... doesn't return the following attributes: PermissionsBoundary,
// RoleLastUsed, Tags").
func iamListRoles(s *Server, rq *request) (any, error) {
	prefix := rq.form.Get("PathPrefix")
	var items []X
	for _, r := range rq.acct.Roles {
		if prefix != "" && !strings.HasPrefix(r.Path, prefix) {
			continue
		}
		trust := string(r.TrustPolicy)
		if trust == "" {
			trust = defaultTrustPolicy
		}
		items = append(items, E("member", T("Path", r.Path), T("RoleName", r.Name), T("RoleId", r.ID), T("Arn", roleARN(rq.acct.ID, r)),
			TT("CreateDate", r.CreateDate), T("AssumeRolePolicyDocument", iamEncode(trust)), Opt("Description", r.Description),
			TI("MaxSessionDuration", r.MaxSessionDuration)))
	}
	return []X{List("Roles", "member", items), TB("IsTruncated", false)}, nil
}

// kmsKeyCreated is when the fake's keys were made; KMS reports it.
var kmsKeyCreated = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func kmsDescribeKey(s *Server, rq *request) (any, error) {
	var in struct {
		KeyId string `json:"KeyId"`
	}
	if err := rq.decode(&in); err != nil {
		return nil, err
	}
	arn, err := rq.kmsKey(in.KeyId)
	if err != nil {
		return nil, err
	}
	id := arn[strings.LastIndex(arn, "/")+1:]
	return obj{"KeyMetadata": obj{
		"AWSAccountId": rq.acct.ID, "KeyId": id, "Arn": arn, "CreationDate": float64(kmsKeyCreated.Unix()),
		"Enabled": true, "KeyState": "Enabled", "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT",
		"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "EncryptionAlgorithms": []string{"SYMMETRIC_DEFAULT"},
		"Origin": "AWS_KMS", "KeyManager": "CUSTOMER", "MultiRegion": false, "Description": "",
	}}, nil
}
