package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/ecscheck/ecscheck/api/v1alpha1"
	"github.com/ecscheck/ecscheck/internal/probe"
)

// admission holds the CRD's schema as the API server uses it: structural
// (for defaults and CEL) and OpenAPI (for types, patterns, enums, bounds).
type admission struct {
	structural *structuralschema.Structural
	openAPI    apiservervalidation.SchemaCreateValidator
	cel        *cel.Validator
}

var (
	admissionOnce sync.Once
	admissionVal  *admission
	admissionErr  error
)

// loadAdmission compiles the embedded CRD's v1alpha1 schema once.
func loadAdmission() (*admission, error) {
	admissionOnce.Do(func() {
		c := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(crdYAML, c); err != nil {
			admissionErr = fmt.Errorf("reading the embedded CRD: %w", err)
			return
		}
		var v1 *apiextensionsv1.JSONSchemaProps
		for _, v := range c.Spec.Versions {
			if v.Name == v1alpha1.GroupVersion.Version && v.Schema != nil {
				v1 = v.Schema.OpenAPIV3Schema
			}
		}
		if v1 == nil {
			admissionErr = fmt.Errorf("the embedded CRD has no %s schema", v1alpha1.GroupVersion.Version)
			return
		}
		internal := &apiextensions.JSONSchemaProps{}
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1, internal, nil); err != nil {
			admissionErr = fmt.Errorf("converting the CRD schema: %w", err)
			return
		}
		ss, err := structuralschema.NewStructural(internal)
		if err != nil {
			admissionErr = fmt.Errorf("the CRD schema is not structural: %w", err)
			return
		}
		openAPI, _, err := apiservervalidation.NewSchemaValidator(internal)
		if err != nil {
			admissionErr = fmt.Errorf("compiling the CRD schema: %w", err)
			return
		}
		admissionVal = &admission{structural: ss, openAPI: openAPI, cel: cel.NewValidator(ss, true, celconfig.PerCallLimit)}
	})
	return admissionVal, admissionErr
}

// admit applies the CRD's defaults, OpenAPI validation and CEL rules to one
// object (as decoded from YAML), as the API server does on create, and then
// the probe's own Go checks of each target (probe.WireTarget). It returns
// the errors in the API server's words, one per line.
func admit(ctx context.Context, obj map[string]any) ([]string, error) {
	a, err := loadAdmission()
	if err != nil {
		return nil, err
	}
	structuraldefaulting.Default(obj, a.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, obj, a.openAPI)
	if len(errs) == 0 {
		celErrs, _ := a.cel.Validate(ctx, nil, a.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	return errorLines(errs), nil
}

// wireErrors are the targets the probe would refuse to send.
func wireErrors(check *v1alpha1.ECSConnectivityCheck) []string {
	var out []string
	for i, t := range check.Spec.Targets {
		if _, err := probe.WireTarget(fmt.Sprint(i), t); err != nil {
			out = append(out, fmt.Sprintf("spec.targets[%d]: %v", i, err))
		}
	}
	return out
}

func errorLines(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, strings.TrimPrefix(e.Error(), "<nil>."))
	}
	return out
}
