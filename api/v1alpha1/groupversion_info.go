// Package v1alpha1 contains the ECSConnectivityCheck API of the
// connectivity.ecscheck.dev group.
// +kubebuilder:object:generate=true
// +groupName=connectivity.ecscheck.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every type in this package.
	GroupVersion = schema.GroupVersion{Group: "connectivity.ecscheck.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme;
	// apimachinery's, so the API package needs nothing of controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &ECSConnectivityCheck{}, &ECSConnectivityCheckList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
