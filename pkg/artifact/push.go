package artifact

import (
	"context"
	"fmt"
	"time"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Metadata is what an artifact says about its origin, stored as the
// org.opencontainers.image.* annotations Flux reads.
type Metadata struct {
	Source   string
	Revision string
	Created  time.Time
	// Annotations are extra annotations; they may not override the three
	// above.
	Annotations map[string]string
}

// Pushed describes a pushed artifact.
type Pushed struct {
	// Digest of the manifest, "sha256:…".
	Digest string
	// Repository is host/repo.
	Repository string
	// Tags are every tag now pointing at the manifest.
	Tags []string
	// Image is the artifact, for callers that sign or inspect it.
	Image v1.Image
}

// Image assembles the artifact exactly as `flux push artifact` does: an OCI
// image manifest with Flux's config media type, one Flux content layer and
// the created/source/revision annotations. Source and revision are omitted
// when unknown rather than stored empty.
func Image(layer LayerFile, meta Metadata) (v1.Image, error) {
	l, err := newFileLayer(layer, fluxoci.CanonicalContentMediaType)
	if err != nil {
		return nil, fmt.Errorf("invalid layer digest: %w", err)
	}
	annotations := map[string]string{}
	for k, v := range meta.Annotations {
		annotations[k] = v
	}
	annotations[fluxoci.CreatedAnnotation] = meta.Created.UTC().Format(time.RFC3339)
	if meta.Source != "" {
		annotations[fluxoci.SourceAnnotation] = meta.Source
	}
	if meta.Revision != "" {
		annotations[fluxoci.RevisionAnnotation] = meta.Revision
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, fluxoci.CanonicalConfigMediaType)
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg.Created = v1.Time{Time: meta.Created.UTC()}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	img = mutate.Annotations(img, annotations).(v1.Image)
	return mutate.Append(img, mutate.Addendum{Layer: l})
}

// Push uploads the artifact to tag, then points every extra tag at it.
// Blobs the registry already has are not uploaded again.
func (c *Client) Push(ctx context.Context, tag name.Tag, img v1.Image, extraTags []string) (*Pushed, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	pusher, err := remote.NewPusher(c.remoteOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	if err := remote.Write(tag, img, c.remoteOptions(ctx, remote.Reuse(pusher))...); err != nil {
		return nil, explain(fmt.Errorf("pushing %s: %w", String(tag), err))
	}
	out := &Pushed{Digest: digest.String(), Repository: tag.Context().Name(), Tags: []string{tag.TagStr()}, Image: img}
	for _, t := range extraTags {
		if t == tag.TagStr() {
			continue
		}
		extra, err := NewTag(tag, t, c.opts.Insecure)
		if err != nil {
			return nil, err
		}
		if err := pusher.Put(ctx, extra, img); err != nil {
			return nil, explain(fmt.Errorf("tagging %s: %w", String(extra), err))
		}
		out.Tags = append(out.Tags, t)
	}
	return out, nil
}
