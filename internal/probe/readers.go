package probe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/utils/clock"

	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// DescribeTasks takes up to 100 tasks and DescribeServices up to 10 per
// call (ECS API reference, DescribeTasks and DescribeServices: "tasks" and
// "services" request members).
const (
	describeTasksMax    = 100
	describeServicesMax = 10
)

type taskReader = batchReader[ecstypes.Task]

type serviceReader = batchReader[ecstypes.Service]

func newTaskReader(c clock.PassiveClock) *taskReader {
	return newBatchReader(c, describeTasksMax, func(ctx context.Context, cl *awsclient.Clients, cluster string, arns []string) (map[string]*ecstypes.Task, error) {
		out, err := cl.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns,
			Include: []ecstypes.TaskField{ecstypes.TaskFieldTags}})
		if err != nil {
			if awsclient.Code(err) == "ClusterNotFoundException" {
				return nil, clusterNotFound(cluster)
			}
			return nil, awsError("ecs:DescribeTasks", err)
		}
		got := map[string]*ecstypes.Task{}
		for _, arn := range arns {
			for i := range out.Tasks {
				if a := aws.ToString(out.Tasks[i].TaskArn); a == arn || arnName(a) == arnName(arn) {
					got[arn] = &out.Tasks[i]
				}
			}
		}
		return got, nil
	})
}

func newServiceReader(c clock.PassiveClock) *serviceReader {
	return newBatchReader(c, describeServicesMax, func(ctx context.Context, cl *awsclient.Clients, cluster string, names []string) (map[string]*ecstypes.Service, error) {
		out, err := cl.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: names})
		if err != nil {
			if awsclient.Code(err) == "ClusterNotFoundException" {
				return nil, clusterNotFound(cluster)
			}
			return nil, awsError("ecs:DescribeServices", err)
		}
		got := map[string]*ecstypes.Service{}
		for _, name := range names {
			for i := range out.Services {
				s := &out.Services[i]
				// A deleted service is still described for a while, INACTIVE.
				if aws.ToString(s.Status) == "INACTIVE" {
					continue
				}
				if aws.ToString(s.ServiceName) == name || aws.ToString(s.ServiceArn) == name {
					// Nothing reads a service's events (up to 100 per
					// service, DescribeServices "events"); kept for a TTL
					// across hundreds of services they are most of what
					// this cache would hold.
					s.Events = nil
					got[name] = s
				}
			}
		}
		return got, nil
	})
}
