package controllers_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type corev1Namespace struct{ corev1.Namespace }

func (n *corev1Namespace) get(t *testing.T, name string) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: name}, &n.Namespace); err != nil {
		t.Fatal(err)
	}
}

func (n *corev1Namespace) annotate(t *testing.T, key, value string) {
	t.Helper()
	patch := client.MergeFrom(n.DeepCopy())
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	n.Annotations[key] = value
	if err := env.Client.Patch(context.Background(), &n.Namespace, patch); err != nil {
		t.Fatal(err)
	}
}
