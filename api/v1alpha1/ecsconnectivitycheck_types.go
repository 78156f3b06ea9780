package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Well-known names on the object.
const (
	// Finalizer keeps a check until its probe task has been released.
	Finalizer = "connectivity.ecscheck.dev/probe-cleanup"

	// ProbeNowAnnotation requests an immediate run when its value changes.
	ProbeNowAnnotation = "connectivity.ecscheck.dev/probe-now"

	// AllowedRoleARNsAnnotation, on a Namespace, lists (comma or white space
	// separated) the role ARNs that checks in that namespace may assume.
	AllowedRoleARNsAnnotation = "connectivity.ecscheck.dev/allowed-role-arns"

	// AllowedProbeRoleARNsAnnotation, on a Namespace, lists (comma or white
	// space separated, exact ARNs) the roles that checks in that namespace may
	// pass to their probe tasks through spec.taskRoleArn or
	// spec.executionRoleArn.
	AllowedProbeRoleARNsAnnotation = "connectivity.ecscheck.dev/allowed-probe-role-arns"

	// AllowedProbeImagesAnnotation, on a Namespace, lists (comma or white
	// space separated, exact references) the probe images that checks in
	// that namespace may run besides the controller's --probe-image and its
	// --allowed-probe-images.
	AllowedProbeImagesAnnotation = "connectivity.ecscheck.dev/allowed-probe-images"
)

// ECSConnectivityCheck declares what one ECS service is expected to reach, and
// reports what a probe task running with the service's network and task role
// actually reaches.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ecscheck;ecschecks,categories=ecscheck
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.cluster`
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=`.spec.service`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Targets",type=string,JSONPath=`.status.summary`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Last Probe",type=date,JSONPath=`.status.lastProbeTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ECSConnectivityCheck struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ECSConnectivityCheckSpec   `json:"spec"`
	Status ECSConnectivityCheckStatus `json:"status,omitempty"`
}

// ECSConnectivityCheckList is a list of ECSConnectivityCheck.
//
// +kubebuilder:object:root=true
type ECSConnectivityCheckList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ECSConnectivityCheck `json:"items"`
}
