package cmd

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

const verifyExample = `  # Check an artifact as Flux will, with the public key of its spec.verify Secret
  kubectl flux-oci verify oci://ghcr.io/org/fleet:production --key cosign.pub`

// VerifyOptions holds what verify needs.
type VerifyOptions struct {
	g        *globals
	Registry *RegistryFlags
	URL      string
	Key      string
	ref      name.Reference
	pub      *signing.PublicKey
}

func newVerifyCmd(g *globals) *cobra.Command {
	o := &VerifyOptions{g: g, Registry: NewRegistryFlags()}
	c := &cobra.Command{
		Use:   "verify oci://HOST/REPO:TAG --key cosign.pub",
		Short: "Check an artifact's cosign signature by the rules Flux applies",
		Long: "Verify checks the artifact's cosign signature with a public key the way source-controller does for\n" +
			"OCIRepository spec.verify.provider: cosign (offline, transparency log ignored, bundles before .sig), and\n" +
			"also that the signature names this artifact's digest. It says which check failed: no signature, another key,\n" +
			"or a signature for other content.",
		Example: verifyExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	c.Flags().StringVar(&o.Key, "key", "", "cosign public key (cosign.pub), as stored in the spec.verify Secret")
	o.Registry.AddFlags(c.Flags())
	return c
}

// Complete parses the URL and resolves the registry password.
func (o *VerifyOptions) Complete(args []string) error {
	o.URL = args[0]
	if err := o.Registry.Complete(o.g.streams.In); err != nil {
		return err
	}
	ref, err := artifact.ParseURL(o.URL, o.Registry.AllowInsecureHTTP)
	if err != nil {
		return usageError(err)
	}
	o.ref = ref
	return nil
}

// Validate loads the public key: a key that cannot be read is a usage
// error, not a failed verification.
func (o *VerifyOptions) Validate() error {
	if o.Key == "" {
		return usageErrorf("--key is required; hint: kubectl flux-oci verify %s --key cosign.pub", o.URL)
	}
	pub, err := signing.LoadPublicKeyFile(o.Key)
	if err != nil {
		return usageError(err)
	}
	o.pub = pub
	return o.Registry.Validate()
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
	v, err := signing.Verify(ctx, o.ref.Context().Digest(info.Digest), o.pub,
		signing.WithRemoteOptions(client.RemoteOptions(ctx)...), signing.WithInsecure(client.Insecure()))
	if err != nil {
		return err
	}
	p.Successf("verified %d %s signature(s) with key %s", v.Signatures, v.Format, v.KeyID)
	fmt.Fprintf(o.g.streams.Out, "oci://%s@%s\n", o.ref.Context().Name(), v.Digest)
	return nil
}
