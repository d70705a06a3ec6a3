package bootstrap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

// ArtifactResult says what happened to one artifact.
type ArtifactResult struct {
	URL    string   `json:"url"`
	Digest string   `json:"digest"`
	Tags   []string `json:"tags"`
	// Action is pushed, unchanged, would push, or exists (not ours to push).
	Action string `json:"action"`
}

// contentTagLen is how much of the manifest digest names an immutable tag:
// enough to never collide within one repository, short enough to read.
const contentTagLen = 12

// pushFiles packages files (slash-separated names) as an artifact and pushes
// it to tag, plus an immutable content tag when contentTag is set. When tag
// already points at the same digest nothing is pushed: the artifact is
// reproducible, so same inputs mean same digest.
func pushFiles(ctx context.Context, client RegistryClient, tag name.Tag, files map[string][]byte, meta artifact.Metadata, contentTag, dryRun bool) (*ArtifactResult, error) {
	tmp, err := os.MkdirTemp("", "flux-oci-bootstrap-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for n, data := range files {
		p := filepath.Join(tmp, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	listing, err := archive.Walk(tmp, archive.WalkOptions{SkipSourceIgnore: true})
	if err != nil {
		return nil, err
	}
	layer, err := archive.Build(listing.Entries, "")
	if err != nil {
		return nil, err
	}
	defer layer.Remove()
	img, err := artifact.Image(artifact.LayerFile{Path: layer.Path, Digest: layer.Digest, DiffID: layer.DiffID, Size: layer.Size}, meta)
	if err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	res := &ArtifactResult{URL: "oci://" + tag.Context().Name() + "@" + digest.String(), Digest: digest.String(), Tags: []string{tag.TagStr()}}
	var extra []string
	if contentTag {
		extra = []string{digest.Hex[:contentTagLen]}
		res.Tags = append(res.Tags, extra...)
	}
	live, err := client.Resolve(ctx, tag)
	switch {
	case err == nil && live.Digest == res.Digest:
		res.Action = "unchanged"
		return res, nil
	case err != nil && !artifact.IsNotFound(err):
		return nil, err
	case dryRun:
		res.Action = "would push"
		return res, nil
	}
	if _, err := client.Push(ctx, tag, img, extra); err != nil {
		return nil, fmt.Errorf("pushing %s: %w", artifact.String(tag), err)
	}
	res.Action = "pushed"
	return res, nil
}
