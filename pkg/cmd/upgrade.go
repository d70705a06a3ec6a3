package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/bootstrap"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
)

const upgradeExample = `  # From CI, with registry access only: rebuild for the newest embedded Flux
  echo "$TOKEN" | kubectl flux-oci upgrade --url oci://ghcr.io/org/flux-manifests:production \
    --username bot --password-stdin

  # See what would change: objects added, removed, changed; images old -> new
  kubectl flux-oci upgrade --url oci://ghcr.io/org/flux-manifests:production --dry-run

  # With cluster access: wait until Flux has rolled the controllers out
  kubectl flux-oci upgrade --url oci://ghcr.io/org/flux-manifests:production --wait`

// UpgradeOptions holds what upgrade needs.
type UpgradeOptions struct {
	g              *globals
	Registry       *RegistryFlags
	URL            string
	Version        string
	AllowDowngrade bool
	ExpectDigest   string
	DryRun         bool
	Wait           bool
	Sign           string
	Signing        *SignFlags
	ref            name.Tag
	key            *signingKey
}

func newUpgradeCmd(g *globals) *cobra.Command {
	o := &UpgradeOptions{g: g, Registry: NewRegistryFlags(), Signing: NewSignFlags()}
	c := &cobra.Command{
		Use:   "upgrade --url oci://REG/REPO:TAG",
		Short: "Upgrade Flux by rebuilding its components artifact in the registry",
		Long: `Upgrade reads the components artifact that bootstrap pushed, rebuilds it for
another Flux version with the options recorded in it (and the kustomization
it carries), pushes it under its content tag and moves TAG to it, but only
if TAG still points where it did at the start. Flux then updates itself.
Cluster access is needed only for --wait.`,
		Example: upgradeExample,
		Args:    exactArgs(0, "no arguments (everything is a flag)"),
		RunE:    runVerb(o),
	}
	f := c.Flags()
	f.StringVar(&o.URL, "url", "", "the components artifact, as given to bootstrap --url")
	f.StringVar(&o.Version, "version", components.Latest(), fmt.Sprintf("Flux version to move to (embedded: %v)", components.Versions()))
	f.BoolVar(&o.AllowDowngrade, "allow-downgrade", false, "allow moving to an older Flux version")
	f.StringVar(&o.ExpectDigest, "expect-digest", "", "upgrade only if --url's tag points at this digest (sha256:…)")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the object-level diff and push nothing")
	f.BoolVar(&o.Wait, "wait", false, "wait until Flux applied the new revision and the controllers rolled out (needs cluster access)")
	f.StringVar(&o.Sign, "sign", "", "sign the rebuilt artifact before moving the tag: cosign (with --key) or notation (with --key and --cert)")
	o.Signing.AddFlagsWithNotation(f)
	o.Registry.AddFlags(f)
	return c
}

func (o *UpgradeOptions) Complete(context.Context, []string) error {
	if err := o.Registry.Complete(o.g.streams.In); err != nil {
		return err
	}
	if o.URL == "" {
		return usageErrorf("--url is required; hint: the URL given to bootstrap --url, e.g. oci://ghcr.io/org/flux-manifests:production")
	}
	ref, err := artifact.ParseTagURL(o.URL, o.Registry.AllowInsecureHTTP)
	if err != nil {
		return usageError(fmt.Errorf("--url: %w", err))
	}
	o.ref = ref
	return nil
}

func (o *UpgradeOptions) Validate() error {
	if o.ExpectDigest != "" && !strings.HasPrefix(o.ExpectDigest, "sha256:") {
		return usageErrorf("--expect-digest %q; hint: give the full sha256:… digest", o.ExpectDigest)
	}
	if o.DryRun && o.Wait {
		return usageErrorf("--dry-run and --wait are exclusive")
	}
	switch o.Sign {
	case "":
		if o.Signing.Key != "" || o.Signing.Cert != "" {
			return usageErrorf("--key and --cert are only used with --sign; hint: add --sign cosign or --sign notation")
		}
	case ProviderCosign, ProviderNotation:
		if err := o.Signing.ValidateFor(o.Sign, "kubectl flux-oci upgrade --url "+o.URL+" --sign "+o.Sign+" --key KEY"); err != nil {
			return err
		}
	default:
		return usageErrorf("--sign %q is not supported; hint: use --sign cosign or --sign notation", o.Sign)
	}
	return o.Registry.Validate()
}

func (o *UpgradeOptions) Run(ctx context.Context) error {
	p := o.g.progress()
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	var applier *apply.Applier
	if o.Wait {
		// Checked before anything is pushed: --wait without a cluster fails early.
		if applier, err = apply.New(o.g.configFlags, apply.Options{FieldManager: bootstrap.SyncFieldManager}); err != nil {
			return err
		}
	}
	uo := bootstrap.UpgradeOptions{
		Ref: o.ref, Version: o.Version, AllowDowngrade: o.AllowDowngrade, ExpectDigest: o.ExpectDigest,
		DryRun: o.DryRun, Created: sourceDateEpoch(),
	}
	if o.Sign != "" {
		// Decrypted before anything is pushed: a wrong password costs nothing.
		if o.key, err = o.Signing.LoadSigner(o.Sign, o.g.streams.In, o.g.streams.ErrOut); err != nil {
			return err
		}
		uo.Sign = func(ctx context.Context, ref name.Reference, digest string) error {
			signed, err := o.Signing.SignWith(ctx, client, o.Registry, p.V(6), ref, digest, o.key)
			if err == nil {
				reportSignedBy(p, o.key, signed)
			}
			return err
		}
	}
	regCtx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	res, err := bootstrap.Upgrade(regCtx, client, uo, &steps{progress: p})
	if err != nil {
		return err
	}
	o.print(res)
	if res.Action != "upgraded" || !o.Wait {
		return nil
	}
	ns := res.Objects[0].GetNamespace()
	for _, obj := range res.Objects {
		if obj.GetKind() == "Deployment" {
			ns = obj.GetNamespace()
		}
	}
	p.Waitingf("waiting for %s/%s to apply %s", ns, bootstrap.ComponentsName, res.NewDigest)
	waitCtx, cancelWait := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancelWait()
	revision := o.ref.TagStr() + "@" + res.NewDigest
	if err := bootstrap.Reconcile(waitCtx, applier, ns, bootstrap.ComponentsName, revision, res.Objects); err != nil {
		return err
	}
	running, err := bootstrap.RunningVersions(waitCtx, applier, res.Objects)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.g.streams.Out, "running:")
	for _, r := range running {
		fmt.Fprintf(o.g.streams.Out, "  %s\n", r)
	}
	return nil
}

func (o *UpgradeOptions) print(res *bootstrap.UpgradeResult) {
	w := o.g.streams.Out
	fmt.Fprintf(w, "flux: %s -> %s\n", res.From, res.To)
	if res.Action == "nothing to do" {
		fmt.Fprintf(w, "nothing to do: %s already holds these components\n", artifact.String(o.ref))
		return
	}
	for _, c := range res.Diff.Changes {
		fmt.Fprintf(w, "  %s %s\n", c.Kind, c.Ref)
	}
	for _, img := range res.Diff.Images {
		fmt.Fprintf(w, "  image %s: %s -> %s\n", img.Workload, img.From, img.To)
	}
	switch res.Action {
	case "would push":
		fmt.Fprintf(w, "would push %s (tag %s) and move %s from %s\n", res.NewDigest, res.ContentTag, o.ref.TagStr(), res.OldDigest)
	case "upgraded":
		fmt.Fprintf(w, "upgraded: %s now points at oci://%s@%s (was %s)\n", o.ref.TagStr(), o.ref.Context().Name(), res.NewDigest, res.OldDigest)
	}
}
