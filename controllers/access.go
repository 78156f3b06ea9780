package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/awsclient"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// stallError is a reason the check cannot proceed until its spec, its
// namespace or the AWS account changes.
type stallError struct{ reason, message string }

func (e *stallError) Error() string { return e.reason + ": " + e.message }

func isStall(err error) bool {
	var s *stallError
	return errors.As(err, &s)
}

// ProbeAdmission is what the controller's flags allow every namespace to
// run in the customer's account; namespaces add to it with annotations.
type ProbeAdmission struct {
	// DefaultImage is the controller's --probe-image: always allowed.
	DefaultImage string
	// AllowedImages is --allowed-probe-images: allowed in every namespace.
	AllowedImages []string
}

// clientsFor returns the AWS clients a check may use: the controller's own
// identity, or spec.roleArn when the namespace's cluster admins allow it,
// with the namespace as ExternalId so one tenant cannot borrow another's
// trust policy. It also admits the probe's role and image overrides, so a
// check nobody allowed makes no AWS call at all: no task definition is
// registered with a role or image its namespace was not granted.
func (r *ECSConnectivityCheckReconciler) clientsFor(ctx context.Context, check *v1alpha1.ECSConnectivityCheck) (*awsclient.Clients, error) {
	if r.AWS == nil {
		return nil, &stallError{v1alpha1.ReasonInvalidConfiguration, "the controller has no AWS configuration"}
	}
	if err := r.Admission.Allows(ctx, r.Client, check); err != nil {
		return nil, err
	}
	externalID := ""
	if check.Spec.RoleArn != "" {
		externalID = check.Namespace
	}
	clients, err := r.AWS.For(ctx, check.Spec.Region, check.Spec.RoleArn, externalID)
	if errors.Is(err, awsclient.ErrNoRegion) {
		return nil, &stallError{v1alpha1.ReasonInvalidConfiguration, err.Error()}
	}
	return clients, err
}

// Allows tells whether the check's namespace, as c reads it now, grants
// everything the check asks for: nil, a *stallError with the reason and the
// message for the admin, or the error reading the namespace. Background
// work that acts for a check (the reaper, pool sweeps) asks it too, so it
// uses no role a namespace is no longer granted.
func (a ProbeAdmission) Allows(ctx context.Context, c client.Reader, check *v1alpha1.ECSConnectivityCheck) error {
	if !a.needsGrant(&check.Spec) {
		return nil
	}
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: check.Namespace}, ns); err != nil {
		return fmt.Errorf("reading namespace %s: %w", check.Namespace, err)
	}
	return a.admit(ns, &check.Spec)
}

// image returns the controller's probe image, as the probe manager
// defaults it, and the spec's image when it needs a namespace's grant.
func (a ProbeAdmission) image(spec *v1alpha1.ECSConnectivityCheckSpec) (defaultImage, needsGrant string) {
	defaultImage = cmp.Or(a.DefaultImage, probe.DefaultImage)
	if img := spec.Probe.Image; img != defaultImage && !slices.Contains(a.AllowedImages, img) {
		return defaultImage, img
	}
	return defaultImage, ""
}

// needsGrant tells whether the spec asks for anything a namespace must be
// granted. A check that mirrors its service without overrides uses that
// service's own roles and the controller's image: it needs no grant.
func (a ProbeAdmission) needsGrant(spec *v1alpha1.ECSConnectivityCheckSpec) bool {
	_, image := a.image(spec)
	return spec.RoleArn != "" || spec.TaskRoleArn != "" || spec.ExecutionRoleArn != "" || image != ""
}

// admit checks everything in the spec that ns must grant: the assumed
// roleArn, the probe's task and execution role overrides and a probe image
// other than the controller's.
func (a ProbeAdmission) admit(ns *corev1.Namespace, spec *v1alpha1.ECSConnectivityCheckSpec) error {
	if role := spec.RoleArn; role != "" && !slices.Contains(allowList(ns, v1alpha1.AllowedRoleARNsAnnotation), role) {
		return &stallError{v1alpha1.ReasonRoleNotAllowed, fmt.Sprintf(
			"Role %s is not allowed in namespace %s: a cluster admin must list it in the namespace annotation %s",
			role, ns.Name, v1alpha1.AllowedRoleARNsAnnotation)}
	}
	if err := notListed(ns, v1alpha1.AllowedProbeRoleARNsAnnotation, v1alpha1.ReasonRoleNotAllowed, []grant{
		{"spec.taskRoleArn", "task role", spec.TaskRoleArn},
		{"spec.executionRoleArn", "execution role", spec.ExecutionRoleArn},
	}, "or remove the override to use the service's own role"); err != nil {
		return err
	}
	defaultImage, image := a.image(spec)
	return notListed(ns, v1alpha1.AllowedProbeImagesAnnotation, v1alpha1.ReasonImageNotAllowed, []grant{
		{"spec.probe.image", "probe image", image},
	}, fmt.Sprintf("or, for every namespace, to the controller flag --allowed-probe-images; or remove spec.probe.image to use the controller's image %q",
		defaultImage))
}

// grant is one spec value that needs a namespace's grant; empty needs none.
type grant struct{ field, what, value string }

// notListed returns a stall naming every value the annotation does not list
// and the annotation value that would admit them all. Matching is exact,
// byte for byte: no patterns, no case folding, no normalisation, so another
// partition's ARN, a longer role path, a different tag or digest, or a
// look-alike character never matches. Values are quoted in ASCII (%+q) so
// a look-alike shows as its escape.
func notListed(ns *corev1.Namespace, annotation, reason string, grants []grant, alternative string) error {
	listed := allowList(ns, annotation)
	var missing []string
	var what []string
	for _, g := range grants {
		if g.value == "" || slices.Contains(listed, g.value) || slices.Contains(missing, g.value) {
			continue
		}
		missing = append(missing, g.value)
		what = append(what, fmt.Sprintf("%s %+q (%s)", g.what, g.value, g.field))
	}
	if len(missing) == 0 {
		return nil
	}
	verb, pronoun := "is", "it"
	if len(missing) > 1 {
		verb, pronoun = "are", "them"
	}
	return &stallError{reason, fmt.Sprintf(
		"The %s %s not allowed in namespace %s: a cluster admin must add %s to the namespace annotation %s, setting it to %+q (comma-separated exact values), %s",
		strings.Join(what, " and the "), verb, ns.Name, pronoun, annotation,
		strings.Join(append(listed, missing...), ","), alternative)}
}

// allowList reads a namespace's allow-list annotation.
func allowList(ns *corev1.Namespace, annotation string) []string {
	return SplitList(ns.Annotations[annotation])
}

// SplitList splits an allow-list, an annotation's or --allowed-probe-images',
// at commas and white space.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(c rune) bool {
		return c == ',' || c == ' ' || c == '\n' || c == '\t'
	})
}
