package bootstrap

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
)

// Runner performs a bootstrap.
type Runner struct {
	Opts Options
	// ComponentsRegistry and ClusterRegistry push and read each artifact,
	// with the CLI's (write) credentials.
	ComponentsRegistry RegistryClient
	ClusterRegistry    RegistryClient
	// Components applies Flux itself as kustomize-controller would; Sync
	// applies the objects only the CLI owns.
	Components Cluster
	Sync       Cluster
	Progress   Progress
	DryRun     bool
	// Sign, when set, signs an artifact bootstrap pushed (ref's repository,
	// manifest digest). It must be idempotent: re-runs call it again.
	Sign func(ctx context.Context, ref name.Reference, digest string) error
	// Verify, when set, checks that an existing cluster artifact carries a
	// signature the cluster will accept, before anything relies on it.
	Verify func(ctx context.Context, ref name.Reference, digest string) error
}

// Summary is what a bootstrap did (or, with DryRun, would do).
type Summary struct {
	Artifacts []ArtifactResult `json:"artifacts"`
	Changes   []apply.Change   `json:"-"`
}

// pollInterval paces readiness checks; the local cluster answers in ms.
const pollInterval = time.Second

// Run executes both phases. Everything that can fail without changing
// anything (cluster access, RBAC, registry credentials, the components
// build) is checked before the first write; every write is idempotent, so a
// run that failed half-way is completed by running it again.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	o := r.Opts
	sum := &Summary{}
	objs, dir, err := r.preflight(ctx)
	if err != nil {
		return nil, err
	}

	// Phase 1: the components, then their self-update from the registry.
	r.Progress.Step("applying CRDs and the %s namespace", o.Components.Namespace)
	first, rest := apply.Split(objs)
	if err := r.apply(ctx, r.Components, first, sum); err != nil {
		return sum, err
	}
	if !r.DryRun {
		if err := r.wait(ctx, first, "CRDs to be established"); err != nil {
			return sum, err
		}
		r.Components.ResetMapper()
	}
	r.Progress.Step("applying the Flux %s controllers", o.Components.Version)
	if err := r.apply(ctx, r.Components, rest, sum); err != nil {
		return sum, err
	}
	r.Progress.Step("pushing the components artifact to %s", artifact.String(o.ComponentsRegistry.Ref))
	res, err := pushFiles(ctx, r.ComponentsRegistry, o.ComponentsRegistry.Ref, prefixed(components.DirName, dir.Files), r.componentsMetadata(), true, r.DryRun)
	if err != nil {
		return sum, err
	}
	sum.Artifacts = append(sum.Artifacts, *res)
	r.Progress.Successf("%s %s", res.Action, res.URL)
	if err := r.sign(ctx, o.ComponentsRegistry.Ref, res); err != nil {
		return sum, err
	}
	r.Progress.Step("creating the %s source and Kustomization", ComponentsName)
	compSync, err := r.componentsSync()
	if err != nil {
		return sum, err
	}
	if err := r.apply(ctx, r.Sync, compSync, sum); err != nil {
		return sum, err
	}
	if !r.DryRun {
		r.Progress.Waitingf("waiting for the controllers and %s to be ready", ComponentsName)
		if err := r.wait(ctx, append(deployments(rest), fluxObjects(compSync)...), "the controllers and "+ComponentsName); err != nil {
			return sum, err
		}
	}

	// Phase 2: the cluster state.
	r.Progress.Step("checking the cluster artifact %s", artifact.String(o.ClusterRegistry.Ref))
	seed, err := r.seedCluster(ctx)
	if err != nil {
		return sum, err
	}
	sum.Artifacts = append(sum.Artifacts, *seed)
	r.Progress.Step("creating the %s source and Kustomization (path %s)", ClusterName, o.ClusterPath)
	clusterSync, err := r.clusterSync()
	if err != nil {
		return sum, err
	}
	if err := r.apply(ctx, r.Sync, clusterSync, sum); err != nil {
		return sum, err
	}
	if !r.DryRun {
		r.Progress.Waitingf("waiting for %s to be ready", ClusterName)
		if err := r.wait(ctx, fluxObjects(clusterSync), ClusterName); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// preflight checks the cluster, the credentials and the inputs, and builds
// the components: nothing is written.
func (r *Runner) preflight(ctx context.Context) ([]*unstructured.Unstructured, *components.Dir, error) {
	o := r.Opts
	r.Progress.Step("building the Flux %s components", o.Components.Version)
	gotk, err := components.Generate(components.Manifests(), o.Components)
	if err != nil {
		return nil, nil, err
	}
	dir, err := components.NewDir(gotk, o.KustomizationFile)
	if err != nil {
		return nil, nil, err
	}
	objs, err := dir.Build()
	if err != nil {
		return nil, nil, err
	}
	for _, obj := range objs {
		ownedBy(obj, ComponentsName, o.Components.Namespace)
	}
	r.Progress.Successf("built %d objects", len(objs))
	r.Progress.Step("checking the cluster")
	version, err := r.Components.Reachable(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := r.Components.Check(ctx, requiredPermissions(o.Components.Namespace)); err != nil {
		return nil, nil, err
	}
	r.Progress.Successf("Kubernetes %s, permissions sufficient", version)
	r.Progress.Step("checking push access to %s", artifact.String(o.ComponentsRegistry.Ref))
	if err := r.ComponentsRegistry.CheckPush(ctx, o.ComponentsRegistry.Ref); err != nil {
		return nil, nil, err
	}
	r.Progress.Step("checking access to %s", artifact.String(o.ClusterRegistry.Ref))
	if _, err := r.ClusterRegistry.Resolve(ctx, o.ClusterRegistry.Ref); artifact.IsNotFound(err) {
		// It will be seeded: that needs write access.
		if err := r.ClusterRegistry.CheckPush(ctx, o.ClusterRegistry.Ref); err != nil {
			return nil, nil, err
		}
	} else if err != nil {
		return nil, nil, err
	}
	return objs, dir, nil
}

// sign signs an artifact bootstrap pushed or found unchanged (a run that
// failed after pushing is completed by the next, signature included).
func (r *Runner) sign(ctx context.Context, ref name.Reference, res *ArtifactResult) error {
	if r.Sign == nil || r.DryRun {
		return nil
	}
	if err := r.Sign(ctx, ref, res.Digest); err != nil {
		return fmt.Errorf("signing %s: %w", res.URL, err)
	}
	return nil
}

// ownedBy sets the labels kustomize-controller stamps on what it applies,
// so its first reconcile of the components finds nothing to change.
func ownedBy(obj *unstructured.Unstructured, name, namespace string) {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["kustomize.toolkit.fluxcd.io/name"] = name
	labels["kustomize.toolkit.fluxcd.io/namespace"] = namespace
	obj.SetLabels(labels)
}

func (r *Runner) apply(ctx context.Context, c Cluster, objs []*unstructured.Unstructured, sum *Summary) error {
	changes, err := c.Apply(ctx, objs)
	sum.Changes = append(sum.Changes, changes...)
	if err != nil {
		return err
	}
	verb := ""
	if r.DryRun {
		verb = " (dry run)"
	}
	r.Progress.Successf("%s%s", apply.Summary(changes), verb)
	return nil
}

func (r *Runner) wait(ctx context.Context, objs []*unstructured.Unstructured, what string) error {
	ctx, cancel := context.WithTimeout(ctx, r.Opts.Timeout)
	defer cancel()
	if err := r.Components.Wait(ctx, objs, pollInterval); err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	for _, o := range objs {
		if o.GetKind() == "Kustomization" {
			if err := r.waitApplied(ctx, o); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
	}
	return nil
}

// waitApplied waits until a Kustomization has applied the revision its
// OCIRepository holds now: Ready alone may still describe the previous one.
func (r *Runner) waitApplied(ctx context.Context, k *unstructured.Unstructured) error {
	source := &unstructured.Unstructured{}
	source.SetAPIVersion("source.toolkit.fluxcd.io/v1")
	source.SetKind("OCIRepository")
	source.SetNamespace(k.GetNamespace())
	source.SetName(k.GetName())
	for {
		src, err := r.Components.Get(ctx, source)
		if err != nil {
			return err
		}
		live, err := r.Components.Get(ctx, k)
		if err != nil {
			return err
		}
		want, _, _ := unstructured.NestedString(src.Object, "status", "artifact", "revision")
		got, _, _ := unstructured.NestedString(live.Object, "status", "lastAppliedRevision")
		if want != "" && want == got {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Kustomization %s/%s applied %q, its source holds %q: %w", k.GetNamespace(), k.GetName(), got, want, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

func (r *Runner) componentsMetadata() artifact.Metadata {
	opts, _ := json.Marshal(r.Opts.Components) // plain struct: cannot fail
	return artifact.Metadata{
		Source:      "https://github.com/fluxcd/flux2",
		Revision:    r.Opts.Components.Version,
		Created:     r.Opts.Created,
		Annotations: map[string]string{OptionsAnnotation: string(opts)},
	}
}

func deployments(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" {
			out = append(out, o)
		}
	}
	return out
}

// fluxObjects are the sync objects that report readiness (not Secrets).
func fluxObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "Secret" {
			out = append(out, o)
		}
	}
	return out
}

func prefixed(dir string, files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for n, d := range files {
		out[dir+"/"+n] = d
	}
	return out
}

func requiredPermissions(ns string) []apply.Permission {
	var perms []apply.Permission
	for _, p := range []apply.Permission{
		{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"},
		{Resource: "namespaces"},
		{Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
		{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
		{Group: "apps", Resource: "deployments", Namespace: ns},
		{Resource: "secrets", Namespace: ns},
		{Resource: "serviceaccounts", Namespace: ns},
		{Group: "source.toolkit.fluxcd.io", Resource: "ocirepositories", Namespace: ns},
		{Group: "kustomize.toolkit.fluxcd.io", Resource: "kustomizations", Namespace: ns},
	} {
		for _, verb := range []string{"create", "patch"} {
			p.Verb = verb
			perms = append(perms, p)
		}
	}
	return perms
}
