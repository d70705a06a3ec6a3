package cmd

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/bootstrap"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

const bootstrapExample = `  # The RFC's story 1: components and cluster state from a registry
  echo "$TOKEN" | kubectl flux-oci bootstrap \
    --url oci://ghcr.io/org/flux-manifests:production --username bot --password-stdin \
    --kustomization flux-manifests/kustomization.yaml \
    --cluster-url oci://ghcr.io/org/fleet-manifests:production --cluster-path clusters/production

  # Keep only read-only credentials in the cluster
  OCI_PASSWORD=$WRITE_TOKEN kubectl flux-oci bootstrap --url oci://registry.example.com/flux:prod --username ci \
    --pull-username reader --pull-password "$READ_TOKEN" \
    --cluster-url oci://registry.example.com/fleet:prod --cluster-path clusters/prod

  # Everything that would be pushed and applied, touching nothing
  kubectl flux-oci bootstrap --url oci://ghcr.io/org/flux:prod --cluster-url oci://ghcr.io/org/fleet:prod \
    --cluster-path clusters/prod --export`

// BootstrapOptions holds what bootstrap needs.
type BootstrapOptions struct {
	g    *globals
	f    *bootstrapFlags
	opts bootstrap.Options
	key  *signingKey
}

func newBootstrapCmd(g *globals) *cobra.Command {
	o := &BootstrapOptions{g: g, f: newBootstrapFlags()}
	c := &cobra.Command{
		Use:   "bootstrap --url oci://REG/REPO:TAG --cluster-url oci://REG/REPO:TAG --cluster-path PATH",
		Short: "Install Flux from a registry and sync the cluster from an OCI artifact",
		Long: `Bootstrap installs Flux without Git, in two phases (the Flux RFC "Flux Bootstrap for
OCI-compliant Container Registries"):

1. It builds the Flux components, applies them, pushes them to --url (with an
   immutable content tag) and creates the flux-components Secret, OCIRepository
   and Kustomization, so Flux updates itself from the registry.
2. It creates the flux-system Secret, OCIRepository and Kustomization that
   apply --cluster-path of the --cluster-url artifact, pushing a seed if the
   artifact does not exist yet.

Everything is checked before the first change, and running it again with
the same inputs changes nothing.`,
		Example: bootstrapExample,
		Args:    exactArgs(0, "no arguments (everything is a flag)"),
		RunE:    runVerb(o),
	}
	o.f.addFlags(c.Flags())
	return c
}

// Complete resolves passwords, namespaces and registries from the flags.
func (o *BootstrapOptions) Complete(ctx context.Context, _ []string) error {
	ns := *o.g.configFlags.Namespace
	if ns == "" {
		ns = "flux-system"
	}
	opts, err := o.f.toOptions(ctx, o.g.streams.In, ns, !o.f.export)
	if err != nil {
		return err
	}
	o.opts = *opts
	if len(o.f.verifyNotationIdentity) > 0 {
		if o.f.sign != ProviderNotation && len(o.f.verifyNotationCA) == 0 {
			return usageErrorf("--verify-notation-identity pins the signer of notation signatures; hint: use it with --sign notation or --verify-notation-ca")
		}
		if o.f.verifySecretRef != "" {
			return usageErrorf("--verify-notation-identity and --verify-secret-ref are exclusive; hint: put the identities in the trust policy of your Secret")
		}
	}
	switch o.f.sign {
	case "":
		if o.f.signing.Key != "" || o.f.signing.Cert != "" {
			return usageErrorf("--key and --cert are only used with --sign; hint: add --sign cosign or --sign notation")
		}
		return nil
	case ProviderCosign, ProviderNotation:
	default:
		return usageErrorf("--sign %q is not supported; hint: use --sign cosign or --sign notation", o.f.sign)
	}
	if err := o.f.signing.ValidateFor(o.f.sign, "kubectl flux-oci bootstrap … --sign "+o.f.sign+" --key KEY"); err != nil {
		return err
	}
	// Loaded (and decrypted) before anything else: a wrong password costs nothing.
	if o.key, err = o.f.signing.LoadSigner(o.f.sign, o.g.streams.In, o.g.streams.ErrOut); err != nil {
		return err
	}
	if o.f.verifySecretRef != "" {
		return nil // the user's own Secret: what it trusts is theirs to say
	}
	if len(o.opts.VerifySecret) == 0 {
		// By default the sources verify with what signs.
		if o.f.sign == ProviderCosign {
			pub, err := o.key.cosign.Public.PEM()
			o.opts.VerifyProvider, o.opts.VerifySecret = ProviderCosign, map[string][]byte{"cosign.pub": pub}
			return err
		}
		root := o.key.notation.Chain[len(o.key.notation.Chain)-1]
		o.opts.VerifyProvider = ProviderNotation
		if o.opts.VerifySecret, err = notationSecret(&o.opts, [][]byte{pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})}, o.f.verifyNotationIdentity); err != nil {
			return err
		}
	}
	return o.checkSignerAccepted(ctx)
}

// checkSignerAccepted makes sure the sources will accept what bootstrap
// signs, before anything is pushed or applied: a notation certificate that
// the trust policy refuses (another CA, a subject the identities do not
// name) would otherwise leave both sources failing verification.
func (o *BootstrapOptions) checkSignerAccepted(ctx context.Context) error {
	if o.f.sign != ProviderNotation || o.opts.VerifyProvider != ProviderNotation {
		return nil
	}
	trust, err := signing.NotationTrustFromSecret(o.opts.VerifySecret)
	if err != nil {
		return err
	}
	for _, ref := range []name.Reference{o.opts.ComponentsRegistry.Ref, o.opts.ClusterRegistry.Ref} {
		err := signing.CheckNotationSigner(ctx, o.key.notation, trust, ref.Context().Name())
		var se *signing.UntrustedSignerError
		if errors.As(err, &se) {
			identities := "any"
			if len(se.Identities) > 0 {
				identities = strings.Join(se.Identities, "; ")
			}
			return usageErrorf("the sources would refuse what --cert signs: its certificate %s is not trusted (CAs: %s; identities: %s): %v; hint: pass the CA that issued it to --verify-notation-ca and its subject to --verify-notation-identity",
				o.key.notation.Leaf.Subject, strings.Join(se.Trusted, "; "), identities, se.Err)
		}
		if err != nil {
			return fmt.Errorf("the sources would refuse what --cert signs: %w", err)
		}
	}
	return nil
}

// Validate checks the options before anything is contacted.
func (o *BootstrapOptions) Validate() error {
	if o.f.export && o.f.dryRun {
		return usageErrorf("--export and --dry-run are exclusive; hint: --export prints, --dry-run asks the cluster")
	}
	if o.f.kustomization != "" {
		if _, err := os.Stat(o.f.kustomization); err != nil {
			return usageErrorf("--kustomization %s: %v", o.f.kustomization, err)
		}
	}
	if err := o.opts.Validate(); err != nil {
		return usageError(err)
	}
	return nil
}

// Run exports, or bootstraps and prints the summary.
func (o *BootstrapOptions) Run(ctx context.Context) error {
	if o.f.export {
		out, err := bootstrap.Export(o.opts)
		if err != nil {
			return err
		}
		_, err = o.g.streams.Out.Write(out)
		return err
	}
	p := o.g.progress()
	compClient, err := o.f.registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	clusterClient, err := o.f.clusterRegistryFlags().NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	compApplier, err := apply.New(o.g.configFlags, apply.Options{FieldManager: bootstrap.FieldManager, Force: o.f.force, DryRun: o.f.dryRun})
	if err != nil {
		return err
	}
	syncApplier, err := apply.New(o.g.configFlags, apply.Options{FieldManager: bootstrap.SyncFieldManager, Force: o.f.force, DryRun: o.f.dryRun})
	if err != nil {
		return err
	}
	r := &bootstrap.Runner{
		Opts: o.opts, ComponentsRegistry: compClient, ClusterRegistry: clusterClient,
		Components: compApplier, Sync: syncApplier, Progress: &steps{progress: p}, DryRun: o.f.dryRun,
	}
	clientFor := func(ref name.Reference) *artifact.Client {
		if ref.Context().Name() == o.opts.ComponentsRegistry.Ref.Context().Name() {
			return compClient
		}
		return clusterClient
	}
	flagsFor := func(ref name.Reference) *RegistryFlags {
		if clientFor(ref) == compClient {
			return o.f.registry
		}
		return o.f.clusterRegistryFlags()
	}
	if o.key != nil {
		r.Sign = func(ctx context.Context, ref name.Reference, digest string) error {
			signed, err := o.f.signing.SignWith(ctx, clientFor(ref), flagsFor(ref), p.V(6), ref, digest, o.key)
			if err == nil {
				reportSignedBy(p, o.key, signed)
			}
			return err
		}
	}
	if len(o.opts.VerifySecret) > 0 {
		r.Verify = func(ctx context.Context, ref name.Reference, digest string) error {
			return o.verify(ctx, clientFor(ref), flagsFor(ref), ref.Context().Digest(digest))
		}
	}
	start := time.Now()
	sum, err := r.Run(ctx)
	if sum != nil {
		o.printSummary(sum)
	}
	if err != nil {
		return err
	}
	verb := "bootstrapped"
	if o.f.dryRun {
		verb = "dry run complete: nothing was changed"
	}
	p.Successf("%s in %s (Flux %s)", verb, time.Since(start).Round(100*time.Millisecond), o.opts.Components.Version)
	return nil
}

func (o *BootstrapOptions) printSummary(sum *bootstrap.Summary) {
	w := o.g.streams.Out
	fmt.Fprintln(w, "artifacts:")
	for _, a := range sum.Artifacts {
		fmt.Fprintf(w, "  %s  %s  tags=%v\n", a.Action, a.URL, a.Tags)
	}
	fmt.Fprintf(w, "objects: %s\n", apply.Summary(sum.Changes))
	for _, c := range sum.Changes {
		if c.Action != apply.Unchanged {
			fmt.Fprintf(w, "  %s %s\n", c.Action, c.Ref)
		}
	}
}

// steps numbers bootstrap's steps on stderr.
type steps struct {
	progress
	n int
}

func (s *steps) Step(format string, args ...any) {
	s.n++
	s.Actionf("[%d] "+format, append([]any{s.n}, args...)...)
}

// verify checks an artifact with what the cluster will verify it with.
func (o *BootstrapOptions) verify(ctx context.Context, c *artifact.Client, reg *RegistryFlags, ref name.Digest) error {
	if o.opts.VerifyProvider == ProviderNotation {
		trust, err := signing.NotationTrustFromSecret(o.opts.VerifySecret)
		if err != nil {
			return err
		}
		opts, err := notationRegistryOptions(ctx, reg, nil)
		if err != nil {
			return err
		}
		_, err = signing.VerifyNotation(ctx, ref, trust, opts...)
		return err
	}
	pub, err := signing.LoadPublicKey(o.opts.VerifySecret["cosign.pub"])
	if err != nil {
		return err
	}
	_, err = signing.Verify(ctx, ref, pub, signing.WithRemoteOptions(c.RemoteOptions(ctx)...), signing.WithInsecure(c.Insecure()))
	return err
}
