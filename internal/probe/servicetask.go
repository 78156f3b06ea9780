package probe

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// acquireServiceTask picks a RUNNING task of the service whose exec agent
// runs in the chosen container (seed 000's first approach). The choice is
// stable (lowest ARN) so that consecutive runs use the same task.
func (m *Manager) acquireServiceTask(ctx context.Context, api awsclient.ECSAPI, id *Identity) (*TaskState, error) {
	service := arnName(id.ServiceArn)
	list, err := api.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(id.Cluster), ServiceName: aws.String(service),
		DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil {
		return nil, awsError("ecs:ListTasks", err)
	}
	notRunning := &TaskState{Identity: id, PoolKey: id.PoolKey, Cluster: id.Cluster, Container: id.Container,
		Reason: v1alpha1.ReasonNoRunningServiceTask, RetryAfter: noTaskRetry,
		Message: fmt.Sprintf("service %s has no RUNNING task to exec into", service)}
	if len(list.TaskArns) == 0 {
		return notRunning, nil
	}
	out, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(id.Cluster), Tasks: list.TaskArns})
	if err != nil {
		return nil, awsError("ecs:DescribeTasks", err)
	}
	tasks := out.Tasks
	slices.SortFunc(tasks, func(a, b ecstypes.Task) int {
		return strings.Compare(aws.ToString(a.TaskArn), aws.ToString(b.TaskArn))
	})
	var best *TaskState
	for _, t := range tasks {
		if aws.ToString(t.LastStatus) != "RUNNING" || stopped(t) {
			continue
		}
		st := m.taskState(id, t, id.Container)
		if st.Ready {
			return st, nil
		}
		if best == nil {
			best = st
		}
	}
	if best == nil {
		return notRunning, nil
	}
	return best, nil
}
