package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

const verifyExample = `  # Check an artifact as Flux will, with the public key of its spec.verify Secret
  kubectl flux-oci verify oci://ghcr.io/org/fleet:production --key cosign.pub

  # Check a notation signature with the CA of the spec.verify Secret (default policy: level strict, this repository)
  kubectl flux-oci verify oci://ghcr.io/org/fleet:production --verify-provider notation --trust-store ca.crt

  # … or with the Secret's own trust policy
  kubectl flux-oci verify oci://ghcr.io/org/fleet:production --verify-provider notation --trust-store ca.crt --trust-policy trustpolicy.json`

// VerifyOptions holds what verify needs.
type VerifyOptions struct {
	g        *globals
	Registry *RegistryFlags
	URL      string
	// Provider is spec.verify.provider. The flag is --verify-provider, as
	// in flux create source oci: --provider is the registry's
	// authentication provider on every verb.
	Provider    string
	Key         string
	TrustStores []string
	TrustPolicy string
	// TrustedIdentities pin the signer in the default trust policy.
	TrustedIdentities []string

	ref   name.Reference
	pub   *signing.PublicKey
	trust *signing.NotationTrust
}

func newVerifyCmd(g *globals) *cobra.Command {
	o := &VerifyOptions{g: g, Registry: NewRegistryFlags(), Provider: ProviderCosign}
	c := &cobra.Command{
		Use:   "verify oci://HOST/REPO:TAG --key cosign.pub",
		Short: "Check an artifact's cosign or notation signature by the rules Flux applies",
		Long: "Verify checks the artifact's signature the way source-controller does for OCIRepository spec.verify.\n" +
			"cosign: with a public key (offline, transparency log ignored, bundles before .sig), and also that the signature\n" +
			"names this artifact's digest. notation: with the trust policy and CA certificates of the Secret (notation-go v1.3.2,\n" +
			"first three signatures, referrers API or referrers tag). It says which check failed: no signature, another key or\n" +
			"an untrusted signer, or a signature for other content.",
		Example: verifyExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE:    runVerb(o),
	}
	f := c.Flags()
	f.StringVar(&o.Provider, "verify-provider", o.Provider, "spec.verify.provider: cosign (with --key) or notation (with --trust-store)")
	f.StringVar(&o.Key, "key", "", "cosign public key (cosign.pub), as stored in the spec.verify Secret")
	f.StringArrayVar(&o.TrustStores, "trust-store", nil, "notation: PEM CA certificate, one per file as one per Secret key (repeatable)")
	f.StringVar(&o.TrustPolicy, "trust-policy", "", "notation: trustpolicy.json of the Secret (default: level strict, any signer issued by --trust-store, scope this repository)")
	f.StringArrayVar(&o.TrustedIdentities, "trusted-identity", nil, "notation: only this signer subject, e.g. \"C=US, ST=WA, O=Acme, CN=release\", in the default trust policy (repeatable)")
	o.Registry.AddFlags(f)
	return c
}

// Complete parses the URL and resolves the registry password.
func (o *VerifyOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	ref, err := o.Registry.CompleteArtifact(o.g.streams.In, o.URL)
	o.ref = ref
	return err
}

// Validate loads the key or the trust material: input that cannot be read
// is a usage error, not a failed verification.
func (o *VerifyOptions) Validate() error {
	switch o.Provider {
	case ProviderCosign:
		if len(o.TrustStores) > 0 || o.TrustPolicy != "" || len(o.TrustedIdentities) > 0 {
			return usageErrorf("--trust-store, --trust-policy and --trusted-identity are for notation; hint: add --verify-provider notation")
		}
		if o.Key == "" {
			return usageErrorf("--key is required; hint: kubectl flux-oci verify %s --key cosign.pub", o.URL)
		}
		pub, err := signing.LoadPublicKeyFile(o.Key)
		if err != nil {
			return usageError(err)
		}
		o.pub = pub
	case ProviderNotation:
		if o.Key != "" {
			return usageErrorf("--key is for cosign; hint: notation trusts CAs: pass --trust-store ca.crt")
		}
		trust, err := o.loadTrust()
		if err != nil {
			return usageError(err)
		}
		o.trust = trust
	default:
		return usageErrorf("--verify-provider %q is not supported; hint: use cosign or notation", o.Provider)
	}
	return o.Registry.Validate()
}

// loadTrust builds what the Secret would hold: the policy (given, or the
// default for this repository) and each --trust-store file as one key.
func (o *VerifyOptions) loadTrust() (*signing.NotationTrust, error) {
	if len(o.TrustStores) == 0 {
		return nil, fmt.Errorf("--trust-store is required; hint: kubectl flux-oci verify %s --verify-provider notation --trust-store ca.crt", o.URL)
	}
	var policy []byte
	var err error
	if o.TrustPolicy != "" {
		if len(o.TrustedIdentities) > 0 {
			return nil, fmt.Errorf("--trusted-identity and --trust-policy are exclusive; hint: put the identities in the policy's trustedIdentities")
		}
		if policy, err = os.ReadFile(o.TrustPolicy); err != nil {
			return nil, fmt.Errorf("--trust-policy: %w; hint: pass the trustpolicy.json of the spec.verify Secret", err)
		}
	} else if policy, err = signing.NotationTrustPolicy(o.TrustedIdentities, o.ref.Context().Name()); err != nil {
		return nil, fmt.Errorf("--trusted-identity: %w", err)
	}
	certs := map[string][]byte{}
	for i, path := range o.TrustStores {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--trust-store: %w; hint: pass the PEM certificate of the CA that issued the signing certificate", err)
		}
		if n := signing.CountCertificates(data); n > 1 {
			o.g.progress().Warningf("%s holds %d certificates; source-controller reads only the first of each Secret key: put each CA in its own key (and its own --trust-store file)", path, n)
		}
		certs[fmt.Sprintf("%d-%s", i, filepath.Base(path))] = data
	}
	trust, err := signing.NewNotationTrust(policy, certs)
	if err != nil {
		return nil, fmt.Errorf("notation trust: %w", err)
	}
	return trust, nil
}

// Run resolves the artifact (registry errors get their hints there), then
// verifies its digest.
func (o *VerifyOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	info, err := client.Resolve(ctx, o.ref)
	if err != nil {
		return err
	}
	digest := o.ref.Context().Digest(info.Digest)
	var v *signing.Verified
	if o.trust != nil {
		opts, err := notationRegistryOptions(ctx, o.Registry, p.V(6))
		if err != nil {
			return err
		}
		if v, err = signing.VerifyNotation(ctx, digest, o.trust, opts...); err != nil {
			return err
		}
		p.Successf("verified the notation signature of %s (certificate %s)", v.Signer, v.KeyID)
	} else {
		v, err = signing.Verify(ctx, digest, o.pub,
			signing.WithRemoteOptions(client.RemoteOptions(ctx)...), signing.WithInsecure(client.Insecure()))
		if err != nil {
			return err
		}
		p.Successf("verified %d %s signature(s) with key %s", v.Signatures, v.Format, v.KeyID)
	}
	fmt.Fprintf(o.g.streams.Out, "oci://%s@%s\n", o.ref.Context().Name(), v.Digest)
	return nil
}
