package bootstrap

import (
	"context"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

// RegistryClient is what bootstrap needs of a registry (artifact.Client).
type RegistryClient interface {
	CheckPush(ctx context.Context, ref name.Reference) error
	Resolve(ctx context.Context, ref name.Reference) (*artifact.Info, error)
	Push(ctx context.Context, tag name.Tag, img v1.Image, extraTags []string) (*artifact.Pushed, error)
}

// Cluster is what bootstrap needs of the cluster (apply.Applier).
type Cluster interface {
	Reachable(ctx context.Context) (string, error)
	Check(ctx context.Context, perms []apply.Permission) error
	Apply(ctx context.Context, objs []*unstructured.Unstructured) ([]apply.Change, error)
	ResetMapper()
	Wait(ctx context.Context, objs []*unstructured.Unstructured, interval time.Duration) error
	Get(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error)
}

// Progress receives what bootstrap is doing, for the user.
type Progress interface {
	Step(format string, args ...any)
	Successf(format string, args ...any)
	Warningf(format string, args ...any)
	Waitingf(format string, args ...any)
}
