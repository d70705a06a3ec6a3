package bootstrap

import (
	"context"
	"encoding/base64"
	"fmt"
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
	objs, err := syncgen.Objects(s)
	if err != nil || len(o.VerifySecret) == 0 {
		return objs, err
	}
	// Created with the first source, before either OCIRepository needs it.
	return append([]*unstructured.Unstructured{verifySecret(o)}, objs...), nil
}

func verifySecret(o Options) *unstructured.Unstructured {
	data := map[string]any{}
	for k, v := range o.VerifySecret {
		data[k] = base64.StdEncoding.EncodeToString(v)
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata": map[string]any{"name": VerifySecretName, "namespace": o.Components.Namespace},
		"data":     data,
	}}
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
	if len(o.VerifySecret) > 0 {
		s.Verify = &syncgen.Verify{Provider: o.VerifyProvider, SecretRef: VerifySecretName}
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
		if r.Verify != nil {
			if err := r.Verify(ctx, ref, info.Digest); err != nil {
				return nil, fmt.Errorf("%s would fail verification in the cluster: %w; hint: kubectl flux-oci sign %s --key KEY", info.URL, err, artifact.String(ref))
			}
		}
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
	return res, r.sign(ctx, ref, res)
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
