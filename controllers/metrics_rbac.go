package controllers

// The secure metrics endpoint (main.go's metricsOptions) asks the API server
// who a scraper is (TokenReview) and whether it may get /metrics
// (SubjectAccessReview), with the manager's own identity.
//
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
