package diagnose

import (
	"context"
	"sort"
	"strings"

	v1alpha1 "github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// controllerDenied explains the controller's own ecs:ExecuteCommand being
// refused. Seed 002 restricts exec with Deny statements conditioned on a
// resource tag and aws:SourceVpc; when the controller's role can be read,
// the finding names those statements and their conditions.
func (d *Diagnoser) controllerDenied(ctx context.Context, c *awsclient.Clients, e ExecState, out *collector) {
	den, ok := parseDenial(e.ExecuteCommandError)
	who := "the controller's identity"
	if ok && den.principal != "" {
		who = den.principal
	}
	resource := firstNonEmpty(den.resource, e.TaskArn, e.Cluster)
	action := firstNonEmpty(den.action, "ecs:ExecuteCommand")
	res := firstNonEmpty(den.principal, c.RoleArn, "controller")
	var detail string
	if ok && isAssumedRole(den.principal) && den.code != v1alpha1.FindingAccessDeniedServiceControlPolicy {
		if rp, err := d.role(ctx, c, roleArn(den.principal, "")); err == nil && !rp.missing {
			res = rp.arn
			v := evaluate(rp.docs, evalReq{action: action, resource: resource})
			var parts []string
			for _, m := range v.denies {
				s := m.String()
				if cond := conditionText(m.st.condition); cond != "" {
					s += " (applies when " + cond + ")"
				}
				parts = append(parts, s)
			}
			if len(parts) == 1 {
				detail = " " + parts[0] + " denies it."
			} else if len(parts) > 1 {
				detail = " " + joinList(parts) + " deny it."
			} else if v.decision != decAllowed {
				detail = " No policy of role " + rp.name + " allows it."
			}
		}
	}
	clause := firstNonEmpty(den.clause, "AccessDenied")
	out.add("", v1alpha1.FindingControllerExecuteCommandDenied, res,
		"ECS refused %s on %s to %s (%s).%s Allow ecs:ExecuteCommand on the cluster's tasks for the controller's role, and exempt it from Deny statements conditioned on tags or aws:SourceVpc (the controller does not call from the VPC of a bastion host), e.g. by adding its role ARN to an aws:PrincipalArn condition of those statements; the probe tasks carry the tags ecscheck.dev/managed-by and ecscheck.dev/pool for tag conditions.",
		action, resource, who, clause, detail)
}

// conditionText renders a Condition block: "ecs:ResourceTag/Login
// StringNotEqualsIfExists true and aws:SourceVpc ...".
func conditionText(cond map[string]map[string][]string) string {
	var parts []string
	for _, op := range sortedKeys(cond) {
		keys := make([]string, 0, len(cond[op]))
		for k := range cond[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, k+" "+op+" "+strings.Join(cond[op][k], "|"))
		}
	}
	return joinList(parts)
}
