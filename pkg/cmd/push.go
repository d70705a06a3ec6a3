package cmd

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/gitinfo"
)

const pushExample = `  # Push a directory; source and revision come from its git checkout
  kubectl flux-oci push oci://ghcr.io/org/fleet:$(git rev-parse --short HEAD) --path ./clusters --tag production

  # Push with a token read from standard input, printing the result as JSON
  echo "$TOKEN" | kubectl flux-oci push oci://registry.example.com/app:v1.0.0 --path ./deploy \
    --username ci --password-stdin -o json

  # Push and sign with a cosign key (password from COSIGN_PASSWORD)
  kubectl flux-oci push oci://ghcr.io/org/fleet:v1.2.0 --path ./clusters --sign cosign --key cosign.key

  # Push and sign with notation: a code-signing key and its certificate chain
  kubectl flux-oci push oci://ghcr.io/org/fleet:v1.2.0 --path ./clusters --sign notation --key leaf.key --cert leaf-chain.pem`

// PushOptions holds what push needs.
type PushOptions struct {
	g        *globals
	Registry *RegistryFlags
	Signing  *SignFlags

	URL             string
	Path            string
	Source          string
	Revision        string
	Annotations     []string
	Tags            []string
	IgnorePaths     []string
	NoSourceIgnore  bool
	ResolveSymlinks bool
	Output          string
	// Sign names the signer: cosign, notation, or empty for no signature.
	Sign string

	tag  name.Tag
	meta artifact.Metadata
}

func newPushCmd(g *globals) *cobra.Command {
	o := &PushOptions{g: g, Registry: NewRegistryFlags(), Signing: NewSignFlags(), IgnorePaths: archive.DefaultIgnorePaths()}
	c := &cobra.Command{
		Use:     "push oci://HOST/REPO:TAG --path DIR",
		Short:   "Package a directory or file as a Flux artifact and push it",
		Long:    "Push packages a directory (or one file) the way `flux push artifact` does, so Flux's OCIRepository reads it.\nThe same content always gives the same digest: timestamps, owners and umask are not stored.",
		Example: pushExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE:    runVerb(o),
	}
	f := c.Flags()
	f.StringVarP(&o.Path, "path", "f", "", "directory or file to package")
	f.StringVar(&o.Source, "source", "", "source annotation, e.g. the Git URL (default: remote.origin.url of the checkout holding --path)")
	f.StringVar(&o.Revision, "revision", "", "revision annotation, BRANCH@sha1:COMMIT (default: from the checkout holding --path)")
	f.StringArrayVarP(&o.Annotations, "annotation", "a", nil, "extra manifest annotation KEY=VALUE (repeatable)")
	f.StringSliceVarP(&o.Tags, "tag", "t", nil, "more tags for the same artifact (repeatable)")
	f.StringSliceVar(&o.IgnorePaths, "ignore-paths", o.IgnorePaths, "paths to leave out, in .gitignore format")
	f.BoolVar(&o.NoSourceIgnore, "no-sourceignore", false, "do not read .sourceignore files")
	f.BoolVar(&o.ResolveSymlinks, "resolve-symlinks", false, "store symlinked files and directories as copies of their targets (default: leave them out, as Flux does)")
	f.StringVarP(&o.Output, "output", "o", "", "output format: json")
	f.Bool("reproducible", true, "accepted for `flux push artifact` compatibility; pushes are always reproducible")
	f.MarkHidden("reproducible")
	f.StringVar(&o.Sign, "sign", "", "sign the pushed artifact: cosign (with --key) or notation (with --key and --cert)")
	o.Signing.AddFlagsWithNotation(f)
	o.Registry.AddFlags(f)
	return c
}

// Complete parses the URL and fills source, revision and created from git
// and SOURCE_DATE_EPOCH where flags leave them open.
func (o *PushOptions) Complete(ctx context.Context, args []string) error {
	o.URL = args[0]
	if err := o.Registry.Complete(o.g.streams.In); err != nil {
		return err
	}
	tag, err := artifact.ParseTagURL(o.URL, o.Registry.AllowInsecureHTTP)
	if err != nil {
		return usageError(err)
	}
	o.tag = tag
	o.meta = artifact.Metadata{Source: o.Source, Revision: o.Revision, Created: time.Unix(0, 0).UTC(), Annotations: map[string]string{}}
	var git gitinfo.Info
	var inGit bool
	if o.Path != "" {
		git, inGit = gitinfo.Describe(ctx, o.Path)
	}
	if inGit {
		if o.meta.Source == "" {
			o.meta.Source = git.Source
		}
		if o.meta.Revision == "" {
			o.meta.Revision = git.Revision
		}
		o.meta.Created = git.CommitTime
	}
	if epoch := os.Getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		secs, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return usageErrorf("SOURCE_DATE_EPOCH=%q is not a number of seconds; hint: export SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct)", epoch)
		}
		o.meta.Created = time.Unix(secs, 0).UTC()
	}
	for _, a := range o.Annotations {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return usageErrorf("--annotation %q must be KEY=VALUE", a)
		}
		o.meta.Annotations[k] = v
	}
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *PushOptions) Validate() error {
	if o.Path == "" {
		return usageErrorf("--path is required; hint: kubectl flux-oci push %s --path ./dir", o.URL)
	}
	if _, err := os.Stat(o.Path); err != nil {
		return usageErrorf("--path %s: %v; hint: point --path at an existing directory or file", o.Path, err)
	}
	for _, k := range []string{fluxoci.SourceAnnotation, fluxoci.RevisionAnnotation, fluxoci.CreatedAnnotation} {
		if _, ok := o.meta.Annotations[k]; ok {
			return usageErrorf("--annotation %s is set by the plugin; hint: use --source, --revision or SOURCE_DATE_EPOCH", k)
		}
	}
	for _, t := range o.Tags {
		if _, err := artifact.NewTag(o.tag, t, o.Registry.AllowInsecureHTTP); err != nil {
			return usageError(fmt.Errorf("--tag: %w", err))
		}
	}
	if o.Output != "" && o.Output != "json" {
		return usageErrorf("--output %q is not supported; hint: use -o json", o.Output)
	}
	switch o.Sign {
	case "":
		if o.Signing.Key != "" || o.Signing.Cert != "" {
			return usageErrorf("--key and --cert are only used with --sign; hint: add --sign cosign, or --sign notation with --cert")
		}
	case ProviderCosign:
		if err := o.Signing.ValidateFor(o.Sign, "kubectl flux-oci push "+o.URL+" --path DIR --sign cosign --key cosign.key"); err != nil {
			return err
		}
	case ProviderNotation:
		if err := o.Signing.ValidateFor(o.Sign, "kubectl flux-oci push "+o.URL+" --path DIR --sign notation --key leaf.key --cert leaf-chain.pem"); err != nil {
			return err
		}
	default:
		return usageErrorf("--sign %q is not supported; hint: use --sign cosign or --sign notation", o.Sign)
	}
	return o.Registry.Validate()
}

// pushResult is printed by -o json; the first four fields are those of
// `flux push artifact -o json`.
type pushResult struct {
	URL        string   `json:"url"`
	Repository string   `json:"repository"`
	Tag        string   `json:"tag"`
	Digest     string   `json:"digest"`
	Tags       []string `json:"tags"`
	// Signature is set with --sign.
	Signature *signatureResult `json:"signature,omitempty"`
}

type signatureResult struct {
	Format   string `json:"format"`
	Location string `json:"location"`
	KeyID    string `json:"keyID"`
}

// Run builds the layer and pushes it.
func (o *PushOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	if o.Registry.Password != "" {
		p.Warningf("--password is visible to other users of this machine; prefer --password-stdin or $%s", PasswordEnv)
	}
	// The key is loaded first: a wrong password or a bad certificate chain
	// must not leave an unsigned artifact behind.
	var key *signingKey
	if o.Sign != "" {
		var err error
		if key, err = o.Signing.LoadSigner(o.Sign, o.g.streams.In, o.g.streams.ErrOut); err != nil {
			return err
		}
	}
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	listing, err := archive.Walk(o.Path, archive.WalkOptions{Ignore: o.IgnorePaths, SkipSourceIgnore: o.NoSourceIgnore, ResolveSymlinks: o.ResolveSymlinks})
	if err != nil {
		return err
	}
	for _, s := range listing.Skipped {
		p.Warningf("left out %s: not a regular file or directory (--resolve-symlinks stores symlink targets)", s)
	}
	layer, err := archive.Build(listing.Entries, "")
	if err != nil {
		return fmt.Errorf("packaging %s: %w", o.Path, err)
	}
	defer layer.Remove()
	p.Successf("packaged %d files (%s) from %s into %s", layer.Files, humanBytes(layer.Bytes), o.Path, humanBytes(layer.Size))
	img, err := artifact.Image(artifact.LayerFile{Path: layer.Path, Digest: layer.Digest, DiffID: layer.DiffID, Size: layer.Size}, o.meta)
	if err != nil {
		return err
	}
	p.Actionf("pushing %s", artifact.String(o.tag))
	pushed, err := client.Push(ctx, o.tag, img, o.Tags)
	if err != nil {
		return err
	}
	url := fluxoci.OCIRepositoryPrefix + pushed.Repository + "@" + pushed.Digest
	p.Successf("pushed %s (tags: %s)", url, strings.Join(pushed.Tags, ", "))
	result := pushResult{URL: url, Repository: pushed.Repository, Tag: o.tag.TagStr(), Digest: pushed.Digest, Tags: pushed.Tags}
	if key != nil {
		signed, err := o.Signing.SignWith(ctx, client, o.Registry, p.V(6), o.tag, pushed.Digest, key)
		if err != nil {
			return fmt.Errorf("%s was pushed but not signed: %w; hint: %s", url, err, o.signHint(url))
		}
		reportSignedBy(p, key, signed)
		result.Signature = &signatureResult{Format: string(signed.Format), Location: signed.Location, KeyID: key.ID()}
	}
	if o.Output == "json" {
		return writeJSON(o.g.streams.Out, result)
	}
	fmt.Fprintln(o.g.streams.Out, url)
	return nil
}

// signHint is the command that signs the pushed artifact afterwards.
func (o *PushOptions) signHint(url string) string {
	if o.Sign == ProviderNotation {
		return fmt.Sprintf("kubectl flux-oci sign %s --sign notation --key %s --cert %s", url, o.Signing.Key, o.Signing.Cert)
	}
	return fmt.Sprintf("kubectl flux-oci sign %s --key %s", url, o.Signing.Key)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
