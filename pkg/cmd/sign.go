package cmd

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"
)

const signExample = `  # Sign a pushed artifact with a cosign key (password from COSIGN_PASSWORD or a prompt)
  kubectl flux-oci sign oci://ghcr.io/org/fleet:v1.2.0 --key cosign.key

  # Store a sigstore bundle (OCI referrer) instead of the .sig tag
  kubectl flux-oci sign oci://ghcr.io/org/fleet@sha256:… --key cosign.key --signature-format bundle

  # Sign with notation: a code-signing key and its certificate chain (leaf first, root CA last)
  kubectl flux-oci sign oci://ghcr.io/org/fleet:v1.2.0 --sign notation --key leaf.key --cert leaf-chain.pem`

// SignOptions holds what sign needs.
type SignOptions struct {
	g        *globals
	Registry *RegistryFlags
	Signing  *SignFlags
	URL      string
	// Sign is the provider, cosign by default. It is --sign, as on push,
	// so a push --sign … command line becomes a sign command line by
	// changing the verb; --provider already names the registry's
	// authentication provider on every verb, as in flux push artifact.
	Sign string
	ref  name.Reference
}

func newSignCmd(g *globals) *cobra.Command {
	o := &SignOptions{g: g, Registry: NewRegistryFlags(), Signing: NewSignFlags(), Sign: ProviderCosign}
	c := &cobra.Command{
		Use:   "sign oci://HOST/REPO:TAG --key cosign.key",
		Short: "Sign an artifact with a cosign key or a notation certificate, for OCIRepository spec.verify",
		Long: "Sign makes a signature of the artifact's digest with a private key and stores it in the registry next to it:\n" +
			"cosign (the default) with a cosign key pair, or notation (--sign notation) with a key and its X.509 certificate chain.\n" +
			"Nothing is sent anywhere else: no transparency log, no timestamp authority. Flux verifies it with spec.verify\n" +
			"(provider cosign with the public key, or notation with a trust policy and the CA); check it first with kubectl flux-oci verify.",
		Example: signExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE:    runVerb(o),
	}
	c.Flags().StringVar(&o.Sign, "sign", o.Sign, "signature provider: cosign (--key cosign.key) or notation (--key and --cert)")
	o.Signing.AddFlagsWithNotation(c.Flags())
	o.Registry.AddFlags(c.Flags())
	return c
}

// Complete parses the URL and resolves the registry password.
func (o *SignOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	ref, err := o.Registry.CompleteArtifact(o.g.streams.In, o.URL)
	o.ref = ref
	return err
}

// Validate checks the flags before anything is read or sent.
func (o *SignOptions) Validate() error {
	example := "kubectl flux-oci sign " + o.URL + " --key cosign.key"
	if o.Sign == ProviderNotation {
		example = "kubectl flux-oci sign " + o.URL + " --sign notation --key leaf.key --cert leaf-chain.pem"
	}
	if err := o.Signing.ValidateFor(o.Sign, example); err != nil {
		return err
	}
	return o.Registry.Validate()
}

// Run resolves the tag to a digest, which is what is signed, and signs it.
func (o *SignOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	key, err := o.Signing.LoadSigner(o.Sign, o.g.streams.In, o.g.streams.ErrOut)
	if err != nil {
		return err
	}
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	info, err := client.Resolve(ctx, o.ref)
	if err != nil {
		return err
	}
	signed, err := o.Signing.SignWith(ctx, client, o.Registry, p.V(6), o.ref, info.Digest, key)
	if err != nil {
		return err
	}
	reportSignedBy(p, key, signed)
	fmt.Fprintf(o.g.streams.Out, "oci://%s@%s\n", o.ref.Context().Name(), info.Digest)
	return nil
}
