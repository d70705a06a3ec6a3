package bootstrap

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
)

// Export renders everything bootstrap would push and apply, with Secret
// data redacted, without contacting the cluster or a registry.
func Export(o Options) ([]byte, error) {
	gotk, err := components.Generate(components.Manifests(), o.Components)
	if err != nil {
		return nil, err
	}
	dir, err := components.NewDir(gotk, o.KustomizationFile)
	if err != nil {
		return nil, err
	}
	objs, err := dir.Build()
	if err != nil {
		return nil, err
	}
	r := &Runner{Opts: o}
	comp, err := r.componentsSync()
	if err != nil {
		return nil, err
	}
	cluster, err := r.clusterSync()
	if err != nil {
		return nil, err
	}
	redact(comp)
	redact(cluster)
	var names []string
	for n := range dir.Files {
		names = append(names, components.DirName+"/"+n)
	}
	sort.Strings(names)
	header := fmt.Sprintf("# kubectl flux-oci bootstrap --export (Flux %s)\n# Artifact %s (and an immutable content tag) holds: %s\n# Artifact %s is seeded with %s/kustomization.yaml if missing.\n# Secret data is redacted.\n",
		o.Components.Version, artifact.String(o.ComponentsRegistry.Ref), strings.Join(names, ", "),
		artifact.String(o.ClusterRegistry.Ref), o.ClusterPath)
	for _, obj := range objs {
		ownedBy(obj, ComponentsName, o.Components.Namespace)
	}
	return components.Marshal(header, append(append(objs, comp...), cluster...))
}
