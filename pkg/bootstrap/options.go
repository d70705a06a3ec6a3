// Package bootstrap installs Flux from OCI artifacts in the RFC's two
// phases: the components, which then update themselves from the registry,
// and the cluster state, synced from a second artifact. It composes the
// registry, components, apply and syncgen packages; it prints nothing and
// reports through a Progress.
package bootstrap

import (
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// Names of the objects bootstrap creates, as the RFC names them.
const (
	ComponentsName = "flux-components"
	ClusterName    = "flux-system"
	// FieldManager is kustomize-controller's: the CLI applies the components
	// as kustomize-controller will, so ownership passes over without a seam
	// and a field dropped from the artifact is pruned from the cluster.
	FieldManager = "kustomize-controller"
	// SyncFieldManager owns the objects only the CLI writes.
	SyncFieldManager = "kubectl-flux-oci"
	// VerifySecretName holds what both sources verify with: cosign keys
	// (every key ending in .pub) or notation's trust policy and CAs.
	VerifySecretName = "flux-verify"
	// OptionsAnnotation records how the components artifact was built, so
	// upgrade can rebuild it for another Flux version.
	OptionsAnnotation = "dev.flux-oci.bootstrap.options"
)

// Registry is where one artifact lives and how to reach it.
type Registry struct {
	Ref name.Tag
	// Pull are the credentials stored in the cluster; nil for workload
	// identity or anonymous pulls.
	Pull *syncgen.Credentials
	// Provider is generic, aws, azure or gcp.
	Provider string
	CA       []byte
	Insecure bool
}

// Options are everything bootstrap needs.
type Options struct {
	Components components.Options
	// KustomizationFile is the user's kustomization.yaml; may be empty.
	KustomizationFile string

	ComponentsRegistry Registry
	ClusterRegistry    Registry
	ClusterPath        string
	ClusterSemVer      string
	Verify             *syncgen.Verify
	// VerifyProvider (cosign or notation) with VerifySecret, the data of the
	// VerifySecretName Secret (cosign.pub, or notation's trustpolicy.json
	// and CA certificates): both sources verify against it.
	VerifyProvider string
	VerifySecret   map[string][]byte

	// Interval is how often sources are polled; the Kustomizations
	// reconcile on their own, slower intervals.
	Interval time.Duration
	Timeout  time.Duration
	// Created stamps both artifacts (reproducible digests).
	Created time.Time
	// Force takes over fields owned by other managers.
	Force bool
}

// Validate checks what can be checked without a network.
func (o *Options) Validate() error {
	if err := o.Components.Validate(components.Versions()); err != nil {
		return err
	}
	if o.ClusterPath == "" {
		return fmt.Errorf("--cluster-path is empty; hint: the directory in the fleet artifact to apply, e.g. clusters/production")
	}
	if o.Interval <= 0 || o.Timeout <= 0 {
		return fmt.Errorf("--interval and --timeout must be positive")
	}
	if v := o.Verify; v != nil {
		if v.Provider != "cosign" && v.Provider != "notation" {
			return fmt.Errorf("--verify-provider %q; hint: use cosign or notation", v.Provider)
		}
		if v.Provider == "notation" && v.SecretRef == "" {
			return fmt.Errorf("--verify-provider notation needs --verify-secret-ref (trust policy and store)")
		}
	}
	return nil
}
