package bootstrap

import (
	"context"
	"path"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// The RFC's reconciliation intervals: sources poll at --interval, the
// Kustomizations re-apply hourly and retry failures every 5 minutes. A new
// revision is applied at once, whatever the interval.
const (
	kustomizationInterval = time.Hour
	retryInterval         = 5 * time.Minute
)

func (r *Runner) componentsSync() ([]*unstructured.Unstructured, error) {
	o := r.Opts
	reg := o.ComponentsRegistry
	s := base(ComponentsName, o, reg)
	s.Path = "./" + components.DirName
	s.Prune = true
	return syncgen.Objects(s)
}

func (r *Runner) clusterSync() ([]*unstructured.Unstructured, error) {
	o := r.Opts
	reg := o.ClusterRegistry
	s := base(ClusterName, o, reg)
	s.Path = o.ClusterPath
	s.Prune = true
	s.SemVer = o.ClusterSemVer
	// One Secret serves both sources when they pull from the same registry
	// with the same credentials, as the RFC suggests.
	if s.Credentials != nil && sameCredentials(o.ComponentsRegistry, reg) {
		s.SecretName, s.Credentials = ComponentsName, nil
	}
	return syncgen.Objects(s)
}

func base(name string, o Options, reg Registry) syncgen.Sync {
	s := syncgen.Sync{
		Name: name, Namespace: o.Components.Namespace,
		URL: "oci://" + reg.Ref.Context().Name(), Tag: reg.Ref.TagStr(),
		SourceInterval: o.Interval, Interval: kustomizationInterval, RetryInterval: retryInterval,
		Provider: reg.Provider, CA: reg.CA, Insecure: reg.Insecure, Verify: o.Verify,
	}
	if reg.Pull != nil {
		s.SecretName, s.Credentials = name, reg.Pull
	}
	return s
}

func sameCredentials(a, b Registry) bool {
	return a.Pull != nil && b.Pull != nil && *a.Pull == *b.Pull &&
		a.Ref.Context().RegistryStr() == b.Ref.Context().RegistryStr()
}

// SeedKustomization is what an empty cluster artifact holds at
// --cluster-path: a kustomization kustomize builds (an empty file it
// refuses), applying nothing until the fleet is pushed.
func SeedKustomization() []byte {
	return []byte(`# Seeded by kubectl flux-oci bootstrap. Push your fleet to the same URL
# and tag (kubectl flux-oci push) to replace it.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: []
`)
}

// seedCluster pushes a seed artifact when the cluster artifact is missing.
func (r *Runner) seedCluster(ctx context.Context) (*ArtifactResult, error) {
	o := r.Opts
	ref := o.ClusterRegistry.Ref
	info, err := r.ClusterRegistry.Resolve(ctx, ref)
	if err == nil {
		r.Progress.Successf("found %s", info.URL)
		return &ArtifactResult{URL: info.URL, Digest: info.Digest, Tags: []string{ref.TagStr()}, Action: "exists"}, nil
	}
	if !artifact.IsNotFound(err) {
		return nil, err
	}
	files := map[string][]byte{path.Join(path.Clean(o.ClusterPath), "kustomization.yaml"): SeedKustomization()}
	meta := artifact.Metadata{Source: "kubectl-flux-oci bootstrap", Revision: "seed", Created: o.Created}
	res, err := pushFiles(ctx, r.ClusterRegistry, ref, files, meta, true, r.DryRun)
	if err != nil {
		return nil, err
	}
	r.Progress.Successf("%s seed %s", res.Action, res.URL)
	return res, nil
}

// redact replaces Secret data for --export: the objects stay applicable in
// shape, but no credential reaches the terminal.
func redact(objs []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() != "Secret" {
			continue
		}
		data, _, _ := unstructured.NestedMap(o.Object, "data")
		for k := range data {
			data[k] = "UkVEQUNURUQ=" // base64 of REDACTED
		}
		unstructured.SetNestedMap(o.Object, data, "data")
	}
}
