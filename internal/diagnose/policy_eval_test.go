package diagnose

import "testing"

// Whitebox: the evaluation rules the findings rest on.
func TestEvaluate(t *testing.T) {
	doc := func(text string) []*policyDoc {
		d, err := parsePolicy("p", text)
		if err != nil {
			t.Fatal(err)
		}
		return []*policyDoc{d}
	}
	// Seed 002's guardrails: deny unless the cluster is tagged and the call
	// comes from the bastion's VPC.
	seed002 := doc(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"ecs:*","Resource":"*"},
		{"Sid":"VisualEditor0","Effect":"Deny","Action":"ecs:ExecuteCommand","Resource":"arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod","Condition":{"StringNotEqualsIfExists":{"ecs:ResourceTag/Login":"true"}}},
		{"Sid":"VisualEditor1","Effect":"Deny","Action":"ecs:ExecuteCommand","Resource":"arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod","Condition":{"ForAnyValue:StringNotEqualsIfExists":{"aws:SourceVpc":"vpc-0bastion"}}}]}`)
	cluster := "arn:aws:ecs:ap-northeast-1:123456789012:cluster/prod"
	cases := []struct {
		name string
		docs []*policyDoc
		req  evalReq
		want decision
	}{
		{"conditions unknown", seed002, evalReq{action: "ecs:ExecuteCommand", resource: cluster}, decAllowed},
		{"untagged cluster", seed002, evalReq{action: "ecs:ExecuteCommand", resource: cluster, context: map[string][]string{"ecs:resourcetag/login": {"false"}}}, decExplicitDeny},
		{"other VPC", seed002, evalReq{action: "ecs:ExecuteCommand", resource: cluster, context: map[string][]string{"ecs:resourcetag/login": {"true"}, "aws:sourcevpc": {"vpc-other"}}}, decExplicitDeny},
		{"tagged, from the bastion VPC", seed002, evalReq{action: "ecs:ExecuteCommand", resource: cluster, context: map[string][]string{"ecs:resourcetag/login": {"true"}, "aws:sourcevpc": {"vpc-0bastion"}}}, decAllowed},
		{"tag absent: IfExists makes the Deny apply", seed002, evalReq{action: "ecs:ExecuteCommand", resource: cluster, context: map[string][]string{"ecs:resourcetag/login": nil, "aws:sourcevpc": {"vpc-0bastion"}}}, decExplicitDeny},
		{"another action", seed002, evalReq{action: "ecs:DescribeTasks", resource: cluster}, decAllowed},
		{"action case", doc(`{"Statement":{"Effect":"Allow","Action":"SNS:list*","Resource":"*"}}`), evalReq{action: "sns:ListTopics"}, decAllowed},
		{"NotAction", doc(`{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`), evalReq{action: "iam:PassRole"}, decImplicitDeny},
		{"resource wildcard", doc(`{"Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:*:*:log-group:/ecs/*"}]}`), evalReq{action: "logs:CreateLogGroup", resource: "arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/orders:*"}, decAllowed},
		{"resource outside", doc(`{"Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:*:*:log-group:/ecs/*"}]}`), evalReq{action: "logs:CreateLogGroup", resource: "arn:aws:logs:ap-northeast-1:123456789012:log-group:/app/orders:*"}, decImplicitDeny},
		{"unknown resource, specific allow", doc(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`), evalReq{action: "s3:GetObject"}, decUnknown},
		{"policy variable", doc(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`), evalReq{action: "s3:GetObject", resource: "arn:aws:s3:::b/x/y"}, decUnknown},
		{"URL-encoded, as GetRolePolicy returns it", doc(`%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sns%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D`), evalReq{action: "sns:Publish"}, decAllowed},
		{"endpoint principal: the role", doc(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/TaskRole"]},"Action":"*","Resource":"*"}]}`), evalReq{action: "sns:Publish", principal: "arn:aws:sts::123456789012:assumed-role/TaskRole/x"}, decAllowed},
		{"endpoint principal: another role", doc(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/Other"},"Action":"*","Resource":"*"}]}`), evalReq{action: "sns:Publish", principal: "arn:aws:iam::123456789012:role/TaskRole"}, decImplicitDeny},
		{"endpoint principal: the account", doc(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}]}`), evalReq{action: "sns:Publish", principal: "arn:aws:iam::123456789012:role/TaskRole"}, decAllowed},
	}
	for _, c := range cases {
		if got := evaluate(c.docs, c.req).decision; got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestEvalNACLRanges(t *testing.T) {
	// Tested end to end against moto; here the interval arithmetic alone.
	rs := subtract([]portRange{{32768, 60999}}, portRange{40000, 50000})
	if len(rs) != 2 || rs[0] != (portRange{32768, 39999}) || rs[1] != (portRange{50001, 60999}) {
		t.Fatalf("subtract: %v", rs)
	}
	if !glob("arn:aws:s3:::prod-*-starport-layer-bucket/*", "arn:aws:s3:::prod-ap-northeast-1-starport-layer-bucket/layer") || glob("a?c", "abbc") {
		t.Fatal("glob")
	}
	if !platformTooOld("1.3.0") || platformTooOld("1.4.0") || platformTooOld("LATEST") || platformTooOld("1.10.0") {
		t.Fatal("platformTooOld")
	}
}
