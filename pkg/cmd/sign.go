package cmd

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

const signExample = `  # Sign a pushed artifact with a cosign key (password from COSIGN_PASSWORD or a prompt)
  kubectl flux-oci sign oci://ghcr.io/org/fleet:v1.2.0 --key cosign.key

  # Store a sigstore bundle (OCI referrer) instead of the .sig tag
  kubectl flux-oci sign oci://ghcr.io/org/fleet@sha256:… --key cosign.key --signature-format bundle`

// SignOptions holds what sign needs.
type SignOptions struct {
	g        *globals
	Registry *RegistryFlags
	Signing  *SignFlags
	URL      string
	ref      name.Reference
}

func newSignCmd(g *globals) *cobra.Command {
	o := &SignOptions{g: g, Registry: NewRegistryFlags(), Signing: NewSignFlags()}
	c := &cobra.Command{
		Use:   "sign oci://HOST/REPO:TAG --key cosign.key",
		Short: "Sign an artifact with a cosign key, for OCIRepository spec.verify",
		Long: "Sign makes a cosign signature of the artifact's digest with a private key and stores it in the registry next to it.\n" +
			"Nothing is sent anywhere else: no transparency log, no certificate authority. Flux verifies it with the public key\n" +
			"(OCIRepository spec.verify.provider: cosign); check it first with kubectl flux-oci verify.",
		Example: signExample,
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
	o.Signing.AddFlags(c.Flags())
	o.Registry.AddFlags(c.Flags())
	return c
}

// Complete parses the URL and resolves the registry password.
func (o *SignOptions) Complete(args []string) error {
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

// Validate checks the flags before anything is read or sent.
func (o *SignOptions) Validate() error {
	if err := o.Signing.Validate("kubectl flux-oci sign " + o.URL + " --key cosign.key"); err != nil {
		return err
	}
	return o.Registry.Validate()
}

// Run resolves the tag to a digest, which is what is signed, and signs it.
func (o *SignOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	key, err := o.Signing.LoadKey(o.g.streams.In, o.g.streams.ErrOut)
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
	signed, err := o.Signing.Sign(ctx, client, o.ref, info.Digest, key)
	if err != nil {
		return err
	}
	reportSigned(p, key, signed)
	fmt.Fprintf(o.g.streams.Out, "oci://%s@%s\n", o.ref.Context().Name(), info.Digest)
	return nil
}
