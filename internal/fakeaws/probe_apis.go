package fakeaws

import (
	"net/http"
	"regexp"
)

// The calls a probe makes from inside a task (aws sns list-topics, sqs
// list-queues, s3api list-buckets, secretsmanager list-secrets, ...). Their
// answer that matters is success or the scenario's error, which the
// permission gate in dispatch produces; on success they list nothing.

func init() {
	register("sns", map[string]handler{
		"ListTopics": func(s *Server, rq *request) (any, error) { return []X{List("Topics", "member", nil)}, nil },
	})
	register("sqs", map[string]handler{
		"ListQueues": func(s *Server, rq *request) (any, error) {
			if rq.proto == protoQuery {
				return []X{}, nil
			}
			return map[string]any{"QueueUrls": []string{}}, nil
		},
	})
	register("secretsmanager", map[string]handler{
		"ListSecrets": func(s *Server, rq *request) (any, error) { return map[string]any{"SecretList": []any{}}, nil },
	})
	register("s3", map[string]handler{
		"ListBuckets": func(s *Server, rq *request) (any, error) {
			return X{Name: "ListAllMyBucketsResult", Attr: `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`, Kids: []X{
				E("Owner", T("ID", idFrom(rq.acct.ID, 32)), T("DisplayName", "")), List("Buckets", "Bucket", nil),
			}}, nil
		},
	})
}

// probeServices answer any other read-only call with an empty success, so
// a probe's awsAPI target for them works without the fake modelling it.
var probeServices = map[string]bool{"sns": true, "sqs": true, "s3": true, "secretsmanager": true}

var readOnlyOp = regexp.MustCompile(`^(List|Describe|Get|Head)[A-Za-z0-9]+$`)

func emptyRead(s *Server, rq *request) (any, error) {
	switch rq.proto {
	case protoJSON10, protoJSON11:
		return map[string]any{}, nil
	case protoRestXML:
		return X{Name: rq.op + "Result"}, nil
	}
	return []X{}, nil
}

// s3Operation names the S3 operation of a REST request; only the bucket
// listing is served.
func s3Operation(r *http.Request) string {
	if r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == "") {
		return "ListBuckets"
	}
	return r.Method + r.URL.Path
}
