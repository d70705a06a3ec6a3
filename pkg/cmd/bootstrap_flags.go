package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/bootstrap"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// Environment variables for the passwords that have no stdin flag.
const (
	ClusterPasswordEnv = "OCI_CLUSTER_PASSWORD"
	PullPasswordEnv    = "OCI_PULL_PASSWORD"
)

type bootstrapFlags struct {
	registry *RegistryFlags // --url's registry: --username, --password-stdin, --ca-file, …

	url, clusterURL, clusterPath, clusterSemVer, kustomization string
	clusterUsername, clusterPassword                           string
	pullUsername, pullPassword                                 string
	clusterPullUsername, clusterPullPassword                   string

	version, registryPath, imagePullSecret, clusterDomain, logLevel string
	componentsList, componentsExtra, tolerationKeys                 []string
	networkPolicy, watchAllNamespaces                               bool

	verifyProvider, verifySecretRef, verifySubject, verifyIssuer string
	sign, verifyKey                                              string
	verifyNotationCA                                             []string
	verifyNotationIdentity                                       []string
	signing                                                      *SignFlags

	interval              time.Duration
	export, dryRun, force bool
}

func newBootstrapFlags() *bootstrapFlags {
	d := components.Defaults(components.Latest())
	return &bootstrapFlags{
		registry: NewRegistryFlags(), signing: NewSignFlags(), clusterPath: "./", version: d.Version, registryPath: d.Registry,
		clusterDomain: d.ClusterDomain, logLevel: d.LogLevel, componentsList: d.Components,
		networkPolicy: d.NetworkPolicy, watchAllNamespaces: d.WatchAllNamespaces, interval: time.Minute,
	}
}

func (f *bootstrapFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "artifact for the Flux components, oci://REGISTRY/REPO:TAG")
	fs.StringVar(&f.kustomization, "kustomization", "", "kustomization.yaml layered over the components (patches, images, …)")
	fs.StringVar(&f.clusterURL, "cluster-url", "", "artifact holding the cluster state, oci://REGISTRY/REPO:TAG (seeded if missing)")
	fs.StringVar(&f.clusterPath, "cluster-path", f.clusterPath, "directory of the cluster artifact to apply")
	fs.StringVar(&f.clusterSemVer, "cluster-semver", "", "follow the newest cluster artifact tag in this semver range instead of --cluster-url's tag")
	fs.StringVar(&f.clusterUsername, "cluster-username", "", "user for --cluster-url (default: --username when the registry is the same); password from --cluster-password or $"+ClusterPasswordEnv)
	fs.StringVar(&f.clusterPassword, "cluster-password", "", "password for --cluster-username")
	fs.StringVar(&f.pullUsername, "pull-username", "", "read-only user stored in the cluster for --url (default: the push credentials); password from --pull-password or $"+PullPasswordEnv)
	fs.StringVar(&f.pullPassword, "pull-password", "", "password for --pull-username")
	fs.StringVar(&f.clusterPullUsername, "cluster-pull-username", "", "read-only user stored in the cluster for --cluster-url (default: --pull-username on the same registry)")
	fs.StringVar(&f.clusterPullPassword, "cluster-pull-password", "", "password for --cluster-pull-username")
	fs.StringVar(&f.version, "version", f.version, fmt.Sprintf("Flux version to install (embedded: %v)", components.Versions()))
	fs.StringSliceVar(&f.componentsList, "components", f.componentsList, "Flux controllers to install")
	fs.StringSliceVar(&f.componentsExtra, "components-extra", nil, fmt.Sprintf("more controllers: %v", components.ExtraComponents()))
	fs.StringVar(&f.registryPath, "registry", f.registryPath, "registry of the controller images")
	fs.StringVar(&f.imagePullSecret, "image-pull-secret", "", "Secret in the namespace for pulling controller images")
	fs.BoolVar(&f.networkPolicy, "network-policy", f.networkPolicy, "restrict the controllers' network access")
	fs.BoolVar(&f.watchAllNamespaces, "watch-all-namespaces", f.watchAllNamespaces, "reconcile objects in every namespace")
	fs.StringVar(&f.clusterDomain, "cluster-domain", f.clusterDomain, "the cluster's DNS domain")
	fs.StringVar(&f.logLevel, "log-level", f.logLevel, "controllers' log level: debug, info or error")
	fs.StringSliceVar(&f.tolerationKeys, "toleration-keys", nil, "taint keys the controllers tolerate")
	fs.StringVar(&f.verifyProvider, "verify-provider", "", "verify artifacts in the cluster: cosign or notation")
	fs.StringVar(&f.verifySecretRef, "verify-secret-ref", "", "Secret with the cosign public keys or notation trust policy")
	fs.StringVar(&f.verifySubject, "verify-subject", "", "keyless cosign: OIDC subject regexp")
	fs.StringVar(&f.verifyIssuer, "verify-issuer", "", "keyless cosign: OIDC issuer regexp")
	fs.StringVar(&f.sign, "sign", "", "sign both artifacts: cosign (with --key) or notation (with --key and --cert); the sources then verify them")
	fs.StringVar(&f.verifyKey, "verify-key", "", "cosign.pub the sources verify with, stored in the "+bootstrap.VerifySecretName+" Secret (default with --sign cosign: the public half of --key)")
	fs.StringSliceVar(&f.verifyNotationCA, "verify-notation-ca", nil, "notation: CA certificates (PEM) the sources trust, under a strict trust policy (default with --sign notation: the root of --cert)")
	fs.StringArrayVar(&f.verifyNotationIdentity, "verify-notation-identity", nil, "notation: accept only this signer subject, e.g. \"C=US, ST=WA, O=Acme, CN=release\" (repeatable; default: any certificate the CAs issued)")
	f.signing.AddFlagsWithNotation(fs)
	fs.DurationVar(&f.interval, "interval", f.interval, "how often Flux polls the registry")
	fs.BoolVar(&f.export, "export", false, "print what would be pushed and applied (Secrets redacted); contact nothing")
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would change in the registry and the cluster, changing nothing")
	fs.BoolVar(&f.force, "force-conflicts", false, "take over fields owned by other field managers")
	f.registry.AddFlags(fs)
}

// clusterRegistryFlags are the credentials for --cluster-url: its own, or
// --url's when the registry is the same and none were given.
func (f *bootstrapFlags) clusterRegistryFlags() *RegistryFlags {
	r := *f.registry
	if f.clusterUsername != "" {
		r.Username, r.password = f.clusterUsername, f.clusterPassword
	} else if !f.sameRegistry() {
		r.Username, r.password = "", ""
	}
	return &r
}

func (f *bootstrapFlags) sameRegistry() bool {
	a, errA := artifact.ParseURL(f.url, f.registry.AllowInsecureHTTP)
	b, errB := artifact.ParseURL(f.clusterURL, f.registry.AllowInsecureHTTP)
	return errA == nil && errB == nil && a.Context().RegistryStr() == b.Context().RegistryStr()
}

func envOr(v, key string) string {
	if v != "" {
		return v
	}
	return os.Getenv(key)
}

// toOptions resolves every flag into bootstrap.Options. Credentials to store
// in the cluster are looked up only when resolveStored is set: --export
// contacts nothing, not even a credential helper.
func (f *bootstrapFlags) toOptions(ctx context.Context, in io.Reader, namespace string, resolveStored bool) (*bootstrap.Options, error) {
	if err := f.registry.Complete(in); err != nil {
		return nil, err
	}
	f.clusterPassword = envOr(f.clusterPassword, ClusterPasswordEnv)
	f.pullPassword = envOr(f.pullPassword, PullPasswordEnv)
	if f.url == "" || f.clusterURL == "" {
		return nil, usageErrorf("--url and --cluster-url are required; hint: --url oci://REGISTRY/flux-manifests:TAG --cluster-url oci://REGISTRY/fleet:TAG")
	}
	insecure := f.registry.AllowInsecureHTTP
	compRef, err := artifact.ParseTagURL(f.url, insecure)
	if err != nil {
		return nil, usageError(fmt.Errorf("--url: %w", err))
	}
	clusterRef, err := artifact.ParseTagURL(f.clusterURL, insecure)
	if err != nil {
		return nil, usageError(fmt.Errorf("--cluster-url: %w", err))
	}
	var ca []byte
	if f.registry.CAFile != "" {
		if ca, err = os.ReadFile(f.registry.CAFile); err != nil {
			return nil, usageErrorf("--ca-file: %v", err)
		}
	}
	c := components.Defaults(f.version)
	c.Namespace, c.Registry, c.ImagePullSecret = namespace, f.registryPath, f.imagePullSecret
	c.NetworkPolicy, c.WatchAllNamespaces = f.networkPolicy, f.watchAllNamespaces
	c.ClusterDomain, c.LogLevel, c.TolerationKeys = f.clusterDomain, f.logLevel, f.tolerationKeys
	c.Components = append(append([]string{}, f.componentsList...), f.componentsExtra...)
	opts := &bootstrap.Options{
		Components: c, KustomizationFile: f.kustomization, ClusterPath: f.clusterPath, ClusterSemVer: f.clusterSemVer,
		ComponentsRegistry: bootstrap.Registry{Ref: compRef, Provider: f.registry.Provider, CA: ca, Insecure: insecure},
		ClusterRegistry:    bootstrap.Registry{Ref: clusterRef, Provider: f.registry.Provider, CA: ca, Insecure: insecure},
		Interval:           f.interval, Timeout: f.registry.Timeout, Created: sourceDateEpoch(),
	}
	if f.verifyProvider != "" {
		opts.Verify = &syncgen.Verify{Provider: f.verifyProvider, SecretRef: f.verifySecretRef, Subject: f.verifySubject, Issuer: f.verifyIssuer}
	}
	if f.verifyKey != "" {
		if f.verifySecretRef != "" {
			return nil, usageErrorf("--verify-key and --verify-secret-ref are exclusive; hint: --verify-key makes the Secret for you")
		}
		pub, err := signing.LoadPublicKeyFile(f.verifyKey)
		if err != nil {
			return nil, usageError(fmt.Errorf("--verify-key: %w", err))
		}
		pem, err := pub.PEM()
		if err != nil {
			return nil, err
		}
		opts.VerifyProvider, opts.VerifySecret = ProviderCosign, map[string][]byte{"cosign.pub": pem}
	}
	if len(f.verifyNotationCA) > 0 {
		var cas [][]byte
		for _, file := range f.verifyNotationCA {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, usageErrorf("--verify-notation-ca: %v", err)
			}
			cas = append(cas, data)
		}
		if opts.VerifySecret, err = notationSecret(opts, cas, f.verifyNotationIdentity); err != nil {
			return nil, err
		}
		opts.VerifyProvider = ProviderNotation
	}
	if opts.ComponentsRegistry.Pull, err = f.stored(ctx, compRef.Context().RegistryStr(), f.pullUsername, f.pullPassword, f.registry, resolveStored); err != nil {
		return nil, err
	}
	clusterPullUser, clusterPullPass := f.clusterPullUsername, f.clusterPullPassword
	if clusterPullUser == "" && f.sameRegistry() {
		clusterPullUser, clusterPullPass = f.pullUsername, f.pullPassword
	}
	if opts.ClusterRegistry.Pull, err = f.stored(ctx, clusterRef.Context().RegistryStr(), clusterPullUser, clusterPullPass, f.clusterRegistryFlags(), resolveStored); err != nil {
		return nil, err
	}
	return opts, nil
}

// stored returns the credentials the cluster keeps for one registry: the
// pull-only ones if given, else those the CLI pushes with.
func (f *bootstrapFlags) stored(ctx context.Context, registry, user, pass string, push *RegistryFlags, resolve bool) (*syncgen.Credentials, error) {
	if user != "" {
		if pass == "" {
			return nil, usageErrorf("pull user %s has no password; hint: pass --pull-password or set $%s", user, PullPasswordEnv)
		}
		return &syncgen.Credentials{Registry: registry, Username: user, Password: pass}, nil
	}
	if !resolve {
		// --export shows the shape of the Secret without looking anything up.
		if push.Username == "" && push.password == "" {
			return nil, nil
		}
		return &syncgen.Credentials{Registry: registry, Username: push.Username, Password: push.password}, nil
	}
	u, p, ok, err := push.credentials().Stored(ctx, registry)
	if err != nil || !ok {
		return nil, err
	}
	return &syncgen.Credentials{Registry: registry, Username: u, Password: p}, nil
}

func sourceDateEpoch() time.Time {
	if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(s, 0).UTC()
	}
	return time.Unix(0, 0).UTC()
}

// notationSecret is the verify Secret for notation: a strict trust policy
// scoped to both repositories, pinned to identities if any, and the CAs.
func notationSecret(o *bootstrap.Options, cas [][]byte, identities []string) (map[string][]byte, error) {
	policy, err := signing.NotationTrustPolicy(identities, o.ComponentsRegistry.Ref.Context().Name(), o.ClusterRegistry.Ref.Context().Name())
	if err != nil {
		return nil, usageError(fmt.Errorf("--verify-notation-identity: %w", err))
	}
	data, err := signing.NotationSecretData(policy, cas...)
	if err != nil {
		return nil, usageError(fmt.Errorf("--verify-notation-ca: %w", err))
	}
	return data, nil
}
