package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
)

// stallError is a reason the check cannot proceed until its spec, its
// namespace or the AWS account changes.
type stallError struct{ reason, message string }

func (e *stallError) Error() string { return e.reason + ": " + e.message }

func isStall(err error) bool {
	var s *stallError
	return errors.As(err, &s)
}

// clientsFor returns the AWS clients a check may use: the controller's own
// identity, or spec.roleArn when the namespace's cluster admins allow it,
// with the namespace as ExternalId so one tenant cannot borrow another's
// trust policy.
func (r *ECSConnectivityCheckReconciler) clientsFor(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) (*awsclient.Clients, error) {
	if r.AWS == nil {
		return nil, &stallError{v1alpha1.ReasonInvalidConfiguration, "the controller has no AWS configuration"}
	}
	externalID := ""
	if role := check.Spec.RoleArn; role != "" {
		allowed, err := r.allowedRoles(ctx, check.Namespace)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(allowed, role) {
			return nil, &stallError{v1alpha1.ReasonRoleNotAllowed, fmt.Sprintf(
				"Role %s is not allowed in namespace %s: a cluster admin must list it in the namespace annotation %s",
				role, check.Namespace, v1alpha1.AllowedRoleARNsAnnotation)}
		}
		externalID = check.Namespace
	}
	clients, err := r.AWS.For(ctx, check.Spec.Region, check.Spec.RoleArn, externalID)
	if errors.Is(err, awsclient.ErrNoRegion) {
		return nil, &stallError{v1alpha1.ReasonInvalidConfiguration, err.Error()}
	}
	return clients, err
}

// allowedRoles reads the namespace's allow-list of role ARNs.
func (r *ECSConnectivityCheckReconciler) allowedRoles(ctx context.Context, namespace string) ([]string, error) {
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return nil, fmt.Errorf("reading namespace %s: %w", namespace, err)
	}
	return strings.FieldsFunc(ns.Annotations[v1alpha1.AllowedRoleARNsAnnotation], func(c rune) bool {
		return c == ',' || c == ' ' || c == '\n' || c == '\t'
	}), nil
}
