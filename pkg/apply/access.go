package apply

import (
	"context"
	"fmt"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Permission is one verb on one resource, as `kubectl auth can-i` asks.
type Permission struct {
	Verb, Group, Resource, Namespace string
}

func (p Permission) String() string {
	r := p.Resource
	if p.Group != "" {
		r += "." + p.Group
	}
	if p.Namespace != "" {
		return fmt.Sprintf("%s %s in namespace %s", p.Verb, r, p.Namespace)
	}
	return p.Verb + " " + r
}

// Reachable checks that the cluster answers, so a wrong context or a dead
// API server is reported before anything else is attempted.
func (a *Applier) Reachable(ctx context.Context) (string, error) {
	dc, err := a.factory.ToDiscoveryClient()
	if err != nil {
		return "", err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("the cluster is unreachable: %w; hint: check --kubeconfig and --context", err)
	}
	return v.GitVersion, nil
}

// Check asks the API server whether the current user may do each of perms,
// and names every one that is missing.
func (a *Applier) Check(ctx context.Context, perms []Permission) error {
	cs, err := a.factory.KubernetesClientSet()
	if err != nil {
		return err
	}
	var missing []string
	for _, p := range perms {
		review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authv1.ResourceAttributes{Verb: p.Verb, Group: p.Group, Resource: p.Resource, Namespace: p.Namespace},
		}}
		out, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("checking permissions: %w", err)
		}
		if !out.Status.Allowed {
			missing = append(missing, p.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing RBAC permissions: %s; hint: bootstrap needs cluster-admin or an equivalent role (--as to impersonate one)", strings.Join(missing, ", "))
	}
	return nil
}
