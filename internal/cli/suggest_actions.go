package cli

// readOnlyProbe is, per IAM action prefix, a read-only API call that needs
// no parameters, so that a suggested awsAPI target runs as written: the
// AWS CLI service name, the operation, and the IAM action it is
// authorized as (from each service's API reference, "Permissions" /
// the Service Authorization Reference's actions table; S3 ListBuckets is
// authorized as s3:ListAllMyBuckets).
var readOnlyProbe = map[string]struct{ cli, action, iamAction string }{
	"sns":            {"sns", "ListTopics", "sns:ListTopics"},
	"sqs":            {"sqs", "ListQueues", "sqs:ListQueues"},
	"s3":             {"s3api", "ListBuckets", "s3:ListAllMyBuckets"},
	"dynamodb":       {"dynamodb", "ListTables", "dynamodb:ListTables"},
	"secretsmanager": {"secretsmanager", "ListSecrets", "secretsmanager:ListSecrets"},
	"ssm":            {"ssm", "DescribeParameters", "ssm:DescribeParameters"},
	"kms":            {"kms", "ListKeys", "kms:ListKeys"},
	"logs":           {"logs", "DescribeLogGroups", "logs:DescribeLogGroups"},
	"ecr":            {"ecr", "DescribeRepositories", "ecr:DescribeRepositories"},
	"lambda":         {"lambda", "ListFunctions", "lambda:ListFunctions"},
	"kinesis":        {"kinesis", "ListStreams", "kinesis:ListStreams"},
	"firehose":       {"firehose", "ListDeliveryStreams", "firehose:ListDeliveryStreams"},
	"events":         {"events", "ListEventBuses", "events:ListEventBuses"},
	"states":         {"stepfunctions", "ListStateMachines", "states:ListStateMachines"},
	"cloudwatch":     {"cloudwatch", "ListMetrics", "cloudwatch:ListMetrics"},
	"ses":            {"sesv2", "ListEmailIdentities", "ses:ListEmailIdentities"},
	"rds":            {"rds", "DescribeDBInstances", "rds:DescribeDBInstances"},
	"elasticache":    {"elasticache", "DescribeCacheClusters", "elasticache:DescribeCacheClusters"},
	"ecs":            {"ecs", "ListClusters", "ecs:ListClusters"},
	"ec2":            {"ec2", "DescribeVpcs", "ec2:DescribeVpcs"},
	"xray":           {"xray", "GetSamplingRules", "xray:GetSamplingRules"},
	"athena":         {"athena", "ListWorkGroups", "athena:ListWorkGroups"},
	"appconfig":      {"appconfig", "ListApplications", "appconfig:ListApplications"},
}
