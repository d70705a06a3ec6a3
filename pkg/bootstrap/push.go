package bootstrap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

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

// built is an artifact ready to push; Close removes its layer file.
type built struct {
	img    v1.Image
	digest v1.Hash
	layer  *archive.Layer
}

func (b *built) Close() { b.layer.Remove() }

// buildArtifact packages files (slash-separated names) reproducibly: the
// same files and metadata always give the same digest.
func buildArtifact(files map[string][]byte, meta artifact.Metadata) (*built, error) {
	tmp, err := os.MkdirTemp("", "flux-oci-artifact-")
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
	img, err := artifact.Image(artifact.LayerFile{Path: layer.Path, Digest: layer.Digest, DiffID: layer.DiffID, Size: layer.Size}, meta)
	if err != nil {
		layer.Remove()
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		layer.Remove()
		return nil, err
	}
	return &built{img: img, digest: digest, layer: layer}, nil
}

// contentTag is the immutable tag naming an artifact by its digest.
func contentTag(d v1.Hash) string { return d.Hex[:contentTagLen] }

// pushFiles packages files as an artifact and pushes it to tag, plus an
// immutable content tag when withContentTag is set. When tag already points
// at the same digest nothing is pushed: same inputs mean same digest.
func pushFiles(ctx context.Context, client RegistryClient, tag name.Tag, files map[string][]byte, meta artifact.Metadata, withContentTag, dryRun bool) (*ArtifactResult, error) {
	b, err := buildArtifact(files, meta)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	res := &ArtifactResult{URL: "oci://" + tag.Context().Name() + "@" + b.digest.String(), Digest: b.digest.String(), Tags: []string{tag.TagStr()}}
	var extra []string
	if withContentTag {
		extra = []string{contentTag(b.digest)}
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
	if _, err := client.Push(ctx, tag, b.img, extra); err != nil {
		return nil, fmt.Errorf("pushing %s: %w", artifact.String(tag), err)
	}
	res.Action = "pushed"
	return res, nil
}
