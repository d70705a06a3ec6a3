package artifact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Info describes an artifact in a registry.
type Info struct {
	// URL is oci://host/repo@sha256:… .
	URL      string `json:"url"`
	Digest   string `json:"digest"`
	Tag      string `json:"tag,omitempty"`
	Source   string `json:"source,omitempty"`
	Revision string `json:"revision,omitempty"`
	Created  string `json:"created,omitempty"`
	// Annotations holds every manifest annotation, the three above included.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Layer is the content layer Pull reads.
	Layer v1.Descriptor `json:"-"`
}

// Resolve fetches the manifest of ref and finds its content layer: the one
// with Flux's content media type, else the first layer, as Flux does.
func (c *Client) Resolve(ctx context.Context, ref name.Reference) (*Info, error) {
	desc, err := remote.Get(ref, c.remoteOptions(ctx)...)
	if err != nil {
		return nil, explain(fmt.Errorf("fetching %s: %w", String(ref), err))
	}
	return infoFromManifest(ref, desc.Digest.String(), desc.MediaType, desc.Manifest)
}

func infoFromManifest(ref name.Reference, digest string, mt types.MediaType, raw []byte) (*Info, error) {
	if mt.IsIndex() {
		return nil, fmt.Errorf("%s is an image index, not a Flux artifact", String(ref))
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("reading manifest of %s: %w", String(ref), err)
	}
	info := &Info{
		URL:         fluxoci.OCIRepositoryPrefix + ref.Context().Digest(digest).String(),
		Digest:      digest,
		Annotations: m.Annotations,
		Source:      m.Annotations[fluxoci.SourceAnnotation],
		Revision:    m.Annotations[fluxoci.RevisionAnnotation],
		Created:     m.Annotations[fluxoci.CreatedAnnotation],
	}
	if t, ok := ref.(name.Tag); ok {
		info.Tag = t.TagStr()
	}
	if len(m.Layers) == 0 {
		return info, fmt.Errorf("%s has no layers; hint: is it a Flux artifact? it has config media type %q", String(ref), m.Config.MediaType)
	}
	info.Layer = m.Layers[0]
	for _, l := range m.Layers {
		if l.MediaType == fluxoci.CanonicalContentMediaType {
			info.Layer = l
			break
		}
	}
	return info, nil
}

// Download writes the content layer of info to a new temporary file in
// tmpDir, checking its size and digest as it arrives. Nothing is returned
// unless both match: a corrupted or tampered blob never reaches the caller.
func (c *Client) Download(ctx context.Context, ref name.Reference, info *Info, tmpDir string) (path string, err error) {
	blobRef := ref.Context().Digest(info.Layer.Digest.String())
	layer, err := remote.Layer(blobRef, c.remoteOptions(ctx)...)
	if err != nil {
		return "", explain(fmt.Errorf("fetching layer of %s: %w", String(ref), err))
	}
	f, err := os.CreateTemp(tmpDir, "flux-oci-pull-*.tar.gz")
	if err != nil {
		return "", fmt.Errorf("creating a temporary file for the layer: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	rc, err := layer.Compressed()
	if err != nil {
		return "", explain(fmt.Errorf("fetching layer of %s: %w", String(ref), err))
	}
	defer rc.Close()
	// Exactly Size bytes are read and hashed here, so a short, long or
	// altered blob fails with our message, naming what was expected.
	h := sha256.New()
	n, copyErr := io.CopyN(io.MultiWriter(f, h), rc, info.Layer.Size)
	got := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if n == info.Layer.Size && got == info.Layer.Digest.String() {
		return f.Name(), nil
	}
	if n < info.Layer.Size && copyErr != nil && !strings.Contains(copyErr.Error(), "checksum") {
		// The connection failed part-way: not tampering, say so. (The
		// library's own digest check at EOF has no error type, only text.)
		return "", explain(fmt.Errorf("downloading layer of %s: %w", String(ref), copyErr))
	}
	return "", fmt.Errorf("layer of %s failed verification: expected %s (%d bytes), received %s (%d bytes); the registry or something between it and us altered the content", String(ref), info.Layer.Digest, info.Layer.Size, got, n)
}
