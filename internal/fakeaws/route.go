package fakeaws

import (
	"net/http"
	"strings"
)

// protocol is the wire protocol of a request; JSON protocols carry their
// content type as value.
type protocol string

const (
	protoJSON11  protocol = "application/x-amz-json-1.1"
	protoJSON10  protocol = "application/x-amz-json-1.0"
	protoEC2     protocol = "ec2"
	protoQuery   protocol = "query"
	protoRestXML protocol = "rest-xml"
)

// jsonTargets maps the X-Amz-Target prefix of each JSON service we serve.
var jsonTargets = map[string]struct {
	service string
	proto   protocol
}{
	"AmazonEC2ContainerServiceV20141113": {"ecs", protoJSON11},
	"TrentService":                       {"kms", protoJSON11},
	"AmazonSSM":                          {"ssm", protoJSON11},
	"AmazonSQS":                          {"sqs", protoJSON10},
	"secretsmanager":                     {"secretsmanager", protoJSON11},
}

// queryServices are the services answered with the query protocols; the
// service comes from the SigV4 credential scope.
var queryServices = map[string]protocol{
	"ec2": protoEC2,
	"iam": protoQuery,
	"sts": protoQuery,
	"sns": protoQuery,
	"sqs": protoQuery, // older clients still speak query to SQS
}

func queryNamespace(service string) string {
	switch service {
	case "iam":
		return "https://iam.amazonaws.com/doc/2010-05-08/"
	case "sts":
		return "https://sts.amazonaws.com/doc/2011-06-15/"
	case "sns":
		return "http://sns.amazonaws.com/doc/2010-03-31/"
	case "sqs":
		return "http://queue.amazonaws.com/doc/2012-11-05/"
	case "ec2":
		return "http://ec2.amazonaws.com/doc/2016-11-15/"
	}
	return "https://" + service + ".amazonaws.com/"
}

// sigv4Scope reads the access key, region and service of the SigV4
// credential scope from the Authorization header (or a presigned URL). The
// signature itself is not checked: the fake trusts its loopback callers.
func sigv4Scope(r *http.Request) (akid, region, service string) {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) >= 5 {
		return parts[0], parts[2], parts[3]
	}
	if len(parts) >= 1 {
		return parts[0], "", ""
	}
	return "", "", ""
}
