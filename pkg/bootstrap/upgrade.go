package bootstrap

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/mod/semver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/objdiff"
)

// UpgradeRegistry is what upgrade needs of the registry.
type UpgradeRegistry interface {
	RegistryClient
	Download(ctx context.Context, ref name.Reference, info *artifact.Info, tmpDir string) (string, error)
	Tag(ctx context.Context, src name.Reference, tags []string) (string, error)
}

// UpgradeOptions configure an upgrade.
type UpgradeOptions struct {
	// Ref is the components artifact's tag, as given to bootstrap --url.
	Ref name.Tag
	// Version is the Flux version to move to; empty means the newest embedded.
	Version        string
	AllowDowngrade bool
	// ExpectDigest, when set, is the digest Ref must point at; otherwise the
	// digest read at the start is expected. Either way Ref is moved only if
	// it still points there.
	ExpectDigest string
	DryRun       bool
	Created      time.Time
	// Sign, when set, signs the rebuilt artifact before the tag moves, so
	// the cluster never sees an unsigned revision.
	Sign func(ctx context.Context, ref name.Reference, digest string) error
}

// UpgradeResult describes an upgrade.
type UpgradeResult struct {
	From, To   string // Flux versions
	OldDigest  string
	NewDigest  string
	ContentTag string
	// Action: "nothing to do", "would push" or "upgraded".
	Action string
	Diff   objdiff.Result
	// Objects are the new components, for waiting on them.
	Objects []*unstructured.Unstructured `json:"-"`
}

// Upgrade rebuilds the components artifact at opts.Ref for another Flux
// version with the options bootstrap recorded in it, pushes it under its
// content tag and moves the tag, without touching the cluster.
func Upgrade(ctx context.Context, reg UpgradeRegistry, opts UpgradeOptions, p Progress) (*UpgradeResult, error) {
	p.Step("reading %s", artifact.String(opts.Ref))
	info, err := reg.Resolve(ctx, opts.Ref)
	if err != nil {
		return nil, err
	}
	expected := info.Digest
	if opts.ExpectDigest != "" && opts.ExpectDigest != expected {
		return nil, fmt.Errorf("%s points at %s, not the expected %s: it was moved; hint: re-run without --expect-digest to upgrade from the current revision", artifact.String(opts.Ref), expected, opts.ExpectDigest)
	}
	recorded, ok := info.Annotations[OptionsAnnotation]
	if !ok {
		return nil, fmt.Errorf("%s has no %s annotation: it was not made by kubectl flux-oci bootstrap; hint: run bootstrap once to adopt it", artifact.String(opts.Ref), OptionsAnnotation)
	}
	var current components.Options
	if err := json.Unmarshal([]byte(recorded), &current); err != nil {
		return nil, fmt.Errorf("reading the options recorded in %s: %w", artifact.String(opts.Ref), err)
	}
	files, err := fetchFiles(ctx, reg, opts.Ref, info)
	if err != nil {
		return nil, err
	}
	target := opts.Version
	if target == "" {
		target = components.Latest()
	}
	res := &UpgradeResult{From: current.Version, To: target, OldDigest: expected}
	if semver.Compare(target, current.Version) < 0 && !opts.AllowDowngrade {
		return nil, fmt.Errorf("%s runs Flux %s; %s would be a downgrade; hint: pass --allow-downgrade if you mean it", artifact.String(opts.Ref), current.Version, target)
	}
	next := current
	next.Version = target
	if err := next.Validate(components.Versions()); err != nil {
		return nil, err
	}
	p.Step("rebuilding the components for Flux %s", target)
	gotk, err := components.Generate(components.Manifests(), next)
	if err != nil {
		return nil, err
	}
	oldDir := &components.Dir{Files: files}
	newFiles := map[string][]byte{}
	for n, d := range files {
		newFiles[n] = d
	}
	newFiles[components.ComponentsFile] = gotk
	newDir := &components.Dir{Files: newFiles}
	oldObjs, err := oldDir.Build()
	if err != nil {
		return nil, fmt.Errorf("building the deployed components: %w", err)
	}
	if res.Objects, err = newDir.Build(); err != nil {
		return nil, err
	}
	res.Diff = objdiff.Compare(oldObjs, res.Objects)
	if res.Diff.Empty() {
		res.Action = "nothing to do"
		return res, nil
	}
	created := opts.Created
	if created.IsZero() {
		created = time.Unix(0, 0).UTC() // as bootstrap: reproducible digests
	}
	meta := artifact.Metadata{Source: "https://github.com/fluxcd/flux2", Revision: target, Created: created,
		Annotations: map[string]string{OptionsAnnotation: mustJSON(next)}}
	b, err := buildArtifact(prefixed(components.DirName, newFiles), meta)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	res.NewDigest, res.ContentTag = b.digest.String(), contentTag(b.digest)
	if opts.DryRun {
		res.Action = "would push"
		return res, nil
	}
	ct, err := artifact.NewTag(opts.Ref, res.ContentTag, false)
	if err != nil {
		return nil, err
	}
	p.Step("pushing %s", artifact.String(ct))
	if _, err := reg.Push(ctx, ct, b.img, nil); err != nil {
		return nil, err
	}
	if opts.Sign != nil {
		p.Step("signing %s", res.NewDigest)
		if err := opts.Sign(ctx, ct, res.NewDigest); err != nil {
			return nil, fmt.Errorf("signing %s (the tag was not moved): %w", res.NewDigest, err)
		}
	}
	p.Step("moving %s to %s", opts.Ref.TagStr(), res.NewDigest)
	if err := compareAndMove(ctx, reg, opts.Ref, expected, ct); err != nil {
		return nil, err
	}
	res.Action = "upgraded"
	return res, nil
}

// compareAndMove points tag at src only if it still points at expected.
// Registries have no compare-and-swap; reading right before writing makes
// the window a round trip, and a move seen there stops the upgrade.
func compareAndMove(ctx context.Context, reg UpgradeRegistry, tag name.Tag, expected string, src name.Tag) error {
	now, err := reg.Resolve(ctx, tag)
	if err != nil {
		return err
	}
	if now.Digest != expected {
		return fmt.Errorf("%s was moved from %s to %s while upgrading; it was left alone (the new revision is at %s); hint: re-run to upgrade from the current revision", artifact.String(tag), expected, now.Digest, artifact.String(src))
	}
	_, err = reg.Tag(ctx, src, []string{tag.TagStr()})
	return err
}

// fetchFiles downloads the artifact and returns the files of its
// flux-system directory, relative to it.
func fetchFiles(ctx context.Context, reg UpgradeRegistry, ref name.Tag, info *artifact.Info) (map[string][]byte, error) {
	tmp, err := os.MkdirTemp("", "flux-oci-upgrade-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	blob, err := reg.Download(ctx, ref, info, tmp)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(blob)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := filepath.Join(tmp, "out")
	if _, err := archive.Extract(f, out, archive.ExtractOptions{MaxSize: 256 << 20}); err != nil {
		return nil, fmt.Errorf("extracting %s: %w", artifact.String(ref), err)
	}
	root := filepath.Join(out, components.DirName)
	listing, err := archive.Walk(root, archive.WalkOptions{SkipSourceIgnore: true})
	if err != nil {
		return nil, fmt.Errorf("%s has no %s directory: %w", artifact.String(ref), components.DirName, err)
	}
	files := map[string][]byte{}
	for _, e := range listing.Entries {
		if e.Dir {
			continue
		}
		data, err := os.ReadFile(e.Path)
		if err != nil {
			return nil, err
		}
		files[path.Clean(e.Name)] = data
	}
	if _, ok := files[components.ComponentsFile]; !ok {
		return nil, fmt.Errorf("%s lacks %s/%s", artifact.String(ref), components.DirName, components.ComponentsFile)
	}
	return files, nil
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v) // plain structs: cannot fail
	return string(data)
}

// RunningVersions reads the images of the controller Deployments, to show
// what the cluster runs after an upgrade.
func RunningVersions(ctx context.Context, c Follower, objs []*unstructured.Unstructured) ([]string, error) {
	var out []string
	for _, o := range deployments(objs) {
		live, err := c.Get(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, img := range objdiff.Images(live) {
			out = append(out, fmt.Sprintf("%s: %s", o.GetName(), img[strings.LastIndex(img, "/")+1:]))
		}
	}
	return out, nil
}
