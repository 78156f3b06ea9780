package metrics

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// AuthFilterProvider guards /metrics under --metrics-secure: a caller must
// present a bearer token the API server authenticates (TokenReview) and
// authorises for the request's path and verb (SubjectAccessReview, e.g.
// the nonResourceURLs [/metrics] verbs [get] of the chart's metrics-reader
// ClusterRole). It does what controller-runtime's
// filters.WithAuthenticationAndAuthorization does, with client-go alone,
// which keeps k8s.io/apiserver out of the controller's dependencies. The
// controller's ServiceAccount needs create on tokenreviews and
// subjectaccessreviews.
func AuthFilterProvider(c *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	cs, err := kubernetes.NewForConfigAndClient(c, httpClient)
	if err != nil {
		return nil, fmt.Errorf("metrics authentication client: %w", err)
	}
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || strings.TrimSpace(token) == "" {
				http.Error(w, "Unauthorized: a bearer token is required", http.StatusUnauthorized)
				return
			}
			tr, err := cs.AuthenticationV1().TokenReviews().Create(r.Context(), &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: strings.TrimSpace(token)}}, metav1.CreateOptions{})
			if err != nil {
				log.Error(err, "metrics: TokenReview failed")
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				return
			}
			if !tr.Status.Authenticated {
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			u := tr.Status.User
			extra := map[string]authzv1.ExtraValue{}
			for k, v := range u.Extra {
				extra[k] = authzv1.ExtraValue(v)
			}
			sar, err := cs.AuthorizationV1().SubjectAccessReviews().Create(r.Context(), &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
				User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
				NonResourceAttributes: &authzv1.NonResourceAttributes{Path: r.URL.Path, Verb: strings.ToLower(r.Method)},
			}}, metav1.CreateOptions{})
			if err != nil {
				log.Error(err, "metrics: SubjectAccessReview failed")
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				return
			}
			if !sar.Status.Allowed {
				http.Error(w, fmt.Sprintf("Forbidden: %s may not %s %s", u.Username, strings.ToLower(r.Method), r.URL.Path), http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		}), nil
	}, nil
}
