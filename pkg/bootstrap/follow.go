package bootstrap

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Follower is what following Flux in the cluster needs.
type Follower interface {
	Wait(ctx context.Context, objs []*unstructured.Unstructured, interval time.Duration) error
	Get(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error)
	Annotate(ctx context.Context, obj *unstructured.Unstructured, key, value string) error
}

// flux returns a reference to a Flux object of kind in namespace.
func flux(kind, namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	switch kind {
	case "OCIRepository":
		u.SetAPIVersion("source.toolkit.fluxcd.io/v1")
	case "Kustomization":
		u.SetAPIVersion("kustomize.toolkit.fluxcd.io/v1")
	}
	u.SetKind(kind)
	u.SetNamespace(namespace)
	u.SetName(name)
	return u
}

// Reconcile asks Flux to fetch and apply a source now, then waits until
// the source holds revision (TAG@sha256:…), its Kustomization applied it,
// and then objs are ready.
func Reconcile(ctx context.Context, c Follower, namespace, name, revision string, objs []*unstructured.Unstructured) error {
	src, ks := flux("OCIRepository", namespace, name), flux("Kustomization", namespace, name)
	if err := c.Annotate(ctx, src, "reconcile.fluxcd.io/requestedAt", time.Now().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	for {
		s, err := c.Get(ctx, src)
		if err != nil {
			return err
		}
		k, err := c.Get(ctx, ks)
		if err != nil {
			return err
		}
		got, _, _ := unstructured.NestedString(s.Object, "status", "artifact", "revision")
		applied, _, _ := unstructured.NestedString(k.Object, "status", "lastAppliedRevision")
		if got == revision && applied == revision {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s/%s to apply %s: the source holds %q, the Kustomization applied %q: %w", namespace, name, revision, got, applied, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
	return c.Wait(ctx, append(deployments(objs), ks), pollInterval)
}
