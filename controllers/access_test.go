package controllers

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

const (
	probeRole = "arn:aws:iam::123456789012:role/team-a/ProbeRole"
	execRole  = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
	teamImage = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team-a/probe:1.2"
)

// The allow-lists match exactly: every near miss an attacker with edit in
// one namespace could try stalls, and only what a cluster admin listed, in
// the annotation meant for it, passes.
func TestProbeAdmissionMatchesExactly(t *testing.T) {
	clusterWide := "registry.example/shared/probe:2"
	adm := ProbeAdmission{DefaultImage: probe.DefaultImage, AllowedImages: SplitList(" " + clusterWide + ", ")}
	cases := []struct {
		name        string
		annotations map[string]string
		spec        v1alpha1.ECSConnectivityCheckSpec
		want        string // reason, "" admitted
	}{
		{name: "service's own roles and the default image need no grant", want: ""},
		{name: "the controller's image named explicitly", spec: spec("", "", probe.DefaultImage), want: ""},
		{name: "listed task role", annotations: roles(probeRole), spec: spec(probeRole, "", ""), want: ""},
		{name: "listed task and execution roles among others, newline separated",
			annotations: roles("arn:aws:iam::123456789012:role/other\n" + execRole + "\t" + probeRole), spec: spec(probeRole, execRole, ""), want: ""},
		{name: "unlisted task role", spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "unlisted execution role", annotations: roles(probeRole), spec: spec(probeRole, execRole, ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "role listed only for roleArn, not for the probe",
			annotations: map[string]string{v1alpha1.AllowedRoleARNsAnnotation: probeRole}, spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "another partition", annotations: roles(probeRole),
			spec: spec("arn:aws-cn:iam::123456789012:role/team-a/ProbeRole", "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "another account", annotations: roles(probeRole),
			spec: spec("arn:aws:iam::210987654321:role/team-a/ProbeRole", "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "case differs", annotations: roles("arn:aws:iam::123456789012:role/team-a/proberole"),
			spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "listed ARN is a prefix of the spec's", annotations: roles(probeRole),
			spec: spec(probeRole+"Admin", "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "a path is not a pattern", annotations: roles("arn:aws:iam::123456789012:role/team-a/"),
			spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "a star is not a pattern", annotations: roles("*"), spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "Cyrillic a in the listed ARN", annotations: roles("\u0430rn:aws:iam::123456789012:role/team-a/ProbeRole"),
			spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "fullwidth comma does not separate", annotations: roles(execRole + "\uff0c" + probeRole),
			spec: spec(probeRole, "", ""), want: v1alpha1.ReasonRoleNotAllowed},
		{name: "unlisted roleArn", spec: v1alpha1.ECSConnectivityCheckSpec{RoleArn: probeRole}, want: v1alpha1.ReasonRoleNotAllowed},

		{name: "image listed in the namespace", annotations: images(teamImage), spec: spec("", "", teamImage), want: ""},
		{name: "image listed by the flag", spec: spec("", "", clusterWide), want: ""},
		{name: "unlisted image", spec: spec("", "", "docker.io/attacker/evil:latest"), want: v1alpha1.ReasonImageNotAllowed},
		{name: "image listed as a role", annotations: roles(teamImage), spec: spec("", "", teamImage), want: v1alpha1.ReasonImageNotAllowed},
		{name: "the default image with another tag", spec: spec("", "", "public.ecr.aws/aws-cli/aws-cli:2.0"), want: v1alpha1.ReasonImageNotAllowed},
		{name: "the default image without a tag", spec: spec("", "", "public.ecr.aws/aws-cli/aws-cli"), want: v1alpha1.ReasonImageNotAllowed},
		{name: "listed image as a registry prefix", annotations: images(teamImage),
			spec: spec("", "", teamImage+".evil.example/x"), want: v1alpha1.ReasonImageNotAllowed},
		{name: "listed tag, other digest", annotations: images(teamImage),
			spec: spec("", "", teamImage+"@sha256:"+sha), want: v1alpha1.ReasonImageNotAllowed},
		{name: "image case differs", annotations: images("Registry.example/team-a/probe:1.2"),
			spec: spec("", "", "registry.example/team-a/probe:1.2"), want: v1alpha1.ReasonImageNotAllowed},
		{name: "role fine, image not", annotations: roles(probeRole), spec: spec(probeRole, "", "docker.io/attacker/evil:latest"), want: v1alpha1.ReasonImageNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "payments", Annotations: tc.annotations}}
			err := adm.admit(ns, &tc.spec)
			var stall *stallError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("stalled: %v", err)
			case tc.want != "" && (!errors.As(err, &stall) || stall.reason != tc.want):
				t.Fatalf("got %v, want a stall with reason %s", err, tc.want)
			}
			if tc.want == "" && tc.annotations == nil && adm.needsGrant(&tc.spec) {
				t.Fatal("admitted without any annotation, yet it asks for a namespace grant")
			}
		})
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// The message names the annotation and the whole value that admits the
// check, keeping what is listed, and shows a look-alike as its escape.
func TestProbeAdmissionMessageSaysWhatToSet(t *testing.T) {
	adm := ProbeAdmission{DefaultImage: probe.DefaultImage}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "payments", Annotations: roles("arn:aws:iam::123456789012:role/\u0430dmin")}}
	err := adm.admit(ns, &v1alpha1.ECSConnectivityCheckSpec{TaskRoleArn: probeRole, ExecutionRoleArn: execRole})
	want := `RoleNotAllowed: The task role "arn:aws:iam::123456789012:role/team-a/ProbeRole" (spec.taskRoleArn) and the execution role ` +
		`"arn:aws:iam::123456789012:role/ecsTaskExecutionRole" (spec.executionRoleArn) are not allowed in namespace payments: ` +
		`a cluster admin must add them to the namespace annotation connectivity.ecscheck.dev/allowed-probe-role-arns, setting it to ` +
		`"arn:aws:iam::123456789012:role/\u0430dmin,arn:aws:iam::123456789012:role/team-a/ProbeRole,arn:aws:iam::123456789012:role/ecsTaskExecutionRole" ` +
		`(comma-separated exact values), or remove the override to use the service's own role`
	if err == nil || err.Error() != want {
		t.Fatalf("message:\n%v\nwant:\n%s", err, want)
	}

	err = adm.admit(ns, &v1alpha1.ECSConnectivityCheckSpec{Probe: v1alpha1.ProbeSpec{Image: teamImage}})
	want = `ImageNotAllowed: The probe image "` + teamImage + `" (spec.probe.image) is not allowed in namespace payments: ` +
		`a cluster admin must add it to the namespace annotation connectivity.ecscheck.dev/allowed-probe-images, setting it to "` + teamImage + `" ` +
		`(comma-separated exact values), or, for every namespace, to the controller flag --allowed-probe-images; ` +
		`or remove spec.probe.image to use the controller's image "` + probe.DefaultImage + `"`
	if err == nil || err.Error() != want {
		t.Fatalf("message:\n%v\nwant:\n%s", err, want)
	}
}

func spec(taskRole, execRole, image string) v1alpha1.ECSConnectivityCheckSpec {
	return v1alpha1.ECSConnectivityCheckSpec{Cluster: "prod", Service: "orders-api", TaskRoleArn: taskRole, ExecutionRoleArn: execRole,
		Probe: v1alpha1.ProbeSpec{Image: image}}
}

func roles(v string) map[string]string {
	return map[string]string{v1alpha1.AllowedProbeRoleARNsAnnotation: v}
}

func images(v string) map[string]string {
	return map[string]string{v1alpha1.AllowedProbeImagesAnnotation: v}
}
