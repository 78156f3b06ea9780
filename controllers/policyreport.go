package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
)

// +kubebuilder:rbac:groups=wgpolicyk8s.io,resources=policyreports,verbs=get;list;watch;create;update;delete

// PolicyReportGVK is the Policy WG's namespaced report, as Kyverno and
// policy-reporter serve and read it (kubernetes-sigs/wg-policy-prototypes,
// policy-report/crd/v1alpha2).
var PolicyReportGVK = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"}

// PolicyReportOptions configure the PolicyReport controller.
type PolicyReportOptions struct {
	// Name of the report in each namespace; shards need one each, so they
	// do not overwrite each other's (main derives it from the shard).
	Name       string
	Controller controller.Options
}

// SetupPolicyReports registers the controller behind --policy-reports: it
// keeps one PolicyReport per namespace that summarises the namespace's
// checks, a result per target, and deletes it with the last check. It reads
// the checks from the manager's cache (so a shard reports its own checks).
func SetupPolicyReports(mgr ctrl.Manager, opts PolicyReportOptions) error {
	if opts.Name == "" {
		opts.Name = "ecscheck"
	}
	if _, err := mgr.GetRESTMapper().RESTMapping(PolicyReportGVK.GroupKind(), PolicyReportGVK.Version); err != nil {
		return fmt.Errorf("--policy-reports needs the %s CRD (installed with Kyverno or policy-reporter): %w", PolicyReportGVK, err)
	}
	r := &policyReportReconciler{Client: mgr.GetClient(), name: opts.Name}
	return ctrl.NewControllerManagedBy(mgr).
		Named("policyreport").
		WithOptions(opts.Controller).
		// Every change of a check, status included, re-summarises its
		// namespace: the request names the namespace only.
		Watches(&v1alpha1.ECSConnectivityCheck{}, handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, o client.Object) []reconcile.Request {
				return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: opts.Name}}}
			})).
		Complete(r)
}

type policyReportReconciler struct {
	client.Client
	name string
}

func (r *policyReportReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var checks v1alpha1.ECSConnectivityCheckList
	if err := r.List(ctx, &checks, client.InNamespace(req.Namespace)); err != nil {
		return reconcile.Result{}, err
	}
	live := checks.Items[:0]
	for _, c := range checks.Items {
		if c.DeletionTimestamp.IsZero() {
			live = append(live, c)
		}
	}
	report := &unstructured.Unstructured{}
	report.SetGroupVersionKind(PolicyReportGVK)
	err := r.Get(ctx, req.NamespacedName, report)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("reading PolicyReport %s: %w", req.NamespacedName, err)
	}
	if len(live) == 0 {
		if exists {
			if err := r.Delete(ctx, report); err != nil && !apierrors.IsNotFound(err) {
				return reconcile.Result{}, fmt.Errorf("deleting PolicyReport %s: %w", req.NamespacedName, err)
			}
		}
		return reconcile.Result{}, nil
	}
	results, summary := policyReportResults(live)
	if exists && equality.Semantic.DeepEqual(report.Object["results"], results) && equality.Semantic.DeepEqual(report.Object["summary"], summary) {
		return reconcile.Result{}, nil
	}
	report.Object["results"], report.Object["summary"] = results, summary
	if exists {
		return reconcile.Result{}, r.Update(ctx, report)
	}
	report.SetNamespace(req.Namespace)
	report.SetName(req.Name)
	report.SetLabels(map[string]string{"app.kubernetes.io/managed-by": "ecscheck"})
	return reconcile.Result{}, r.Create(ctx, report)
}

// policyReportResults is a result per target of each check, sorted by check
// and target, and their counts: pass when the target is as expected, fail
// when not (message and properties carry the reason and the findings), skip
// before its first result, and one error result for a Stalled check.
func policyReportResults(checks []v1alpha1.ECSConnectivityCheck) ([]any, map[string]any) {
	sort.Slice(checks, func(i, j int) bool { return checks[i].Name < checks[j].Name })
	counts := map[string]int64{"pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 0}
	var results []any
	add := func(c *v1alpha1.ECSConnectivityCheck, rule, result, message string, props map[string]any) {
		counts[result]++
		entry := map[string]any{
			"source":   "ecscheck",
			"policy":   c.Name,
			"rule":     rule,
			"category": "ECS connectivity",
			"result":   result,
			"scored":   true,
			"message":  message,
			"resources": []any{map[string]any{
				"apiVersion": v1alpha1.GroupVersion.String(), "kind": "ECSConnectivityCheck",
				"namespace": c.Namespace, "name": c.Name, "uid": string(c.UID),
			}},
			"properties": props,
		}
		if t := c.Status.LastProbeTime; t != nil {
			entry["timestamp"] = map[string]any{"seconds": t.Unix(), "nanos": int64(0)}
		}
		results = append(results, entry)
	}
	for i := range checks {
		c := &checks[i]
		base := map[string]any{"cluster": c.Spec.Cluster, "service": c.Spec.Service}
		if s := meta.FindStatusCondition(c.Status.Conditions, v1alpha1.ConditionStalled); s != nil && s.Status == "True" {
			add(c, "check", "error", s.Reason+": "+s.Message, withProps(base, map[string]any{"reason": s.Reason}))
		}
		got := map[string]*v1alpha1.TargetStatus{}
		for j := range c.Status.Targets {
			got[c.Status.Targets[j].Name] = &c.Status.Targets[j]
		}
		for _, target := range c.Spec.Targets {
			ts := got[target.Name]
			if ts == nil {
				add(c, target.Name, "skip", "not probed yet", withProps(base, nil))
				continue
			}
			props := withProps(base, map[string]any{"result": string(ts.Result), "reason": ts.Reason})
			if !ts.AsExpected {
				var codes, messages []string
				for _, f := range ts.Findings {
					codes = append(codes, string(f.Code))
					line := string(f.Code) + ": " + f.Message
					if f.Resource != "" {
						line = string(f.Code) + " (" + f.Resource + "): " + f.Message
					}
					messages = append(messages, line)
				}
				if len(codes) > 0 {
					props["findings"] = strings.Join(codes, ",")
				}
				message := fmt.Sprintf("%s %s (%s): %s", target.Name, ts.Result, ts.Reason, ts.Message)
				if len(messages) > 0 {
					message += "; " + strings.Join(messages, "; ")
				}
				add(c, target.Name, "fail", message, props)
				continue
			}
			add(c, target.Name, "pass", fmt.Sprintf("%s %s as expected (%s)", target.Name, ts.Result, ts.Reason), props)
		}
	}
	summary := map[string]any{}
	for k, v := range counts {
		summary[k] = v
	}
	return results, summary
}

func withProps(base, more map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(more))
	for k, v := range base {
		if v != "" {
			out[k] = v
		}
	}
	for k, v := range more {
		if v != "" {
			out[k] = v
		}
	}
	return out
}
