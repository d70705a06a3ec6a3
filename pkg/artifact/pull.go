package artifact

import (
	"context"
	"encoding/json"
	"errors"
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
	rc, err := c.Open(ctx, ref, info)
	if err != nil {
		return "", err
	}
	defer rc.Close()
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
	_, err = io.Copy(f, rc)
	return f.Name(), err
}

// Open streams the content layer of info. The stream ends with an error
// instead of io.EOF unless exactly the expected bytes arrived: a caller that
// reads to the end knows the content was verified; one that stops early
// must not trust what it read.
func (c *Client) Open(ctx context.Context, ref name.Reference, info *Info) (io.ReadCloser, error) {
	blobRef := ref.Context().Digest(info.Layer.Digest.String())
	layer, err := remote.Layer(blobRef, c.remoteOptions(ctx)...)
	if err != nil {
		return nil, explain(fmt.Errorf("fetching layer of %s: %w", String(ref), err))
	}
	// The library's reader hashes what it reads and fails at the end on a
	// digest other than the one asked for; hashing again here would double
	// what is the largest cost after inflating.
	rc, err := layer.Compressed()
	if err != nil {
		return nil, explain(fmt.Errorf("fetching layer of %s: %w", String(ref), err))
	}
	return &verifying{rc: rc, ref: ref, want: info.Layer}, nil
}

// verifying bounds a blob to the size the manifest gives and turns the
// library's digest check into a clear error.
type verifying struct {
	rc   io.ReadCloser
	ref  name.Reference
	want v1.Descriptor
	n    int64
	err  error
}

func (v *verifying) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	// Never more than the manifest announced, plus one byte to notice more.
	if left := v.want.Size + 1 - v.n; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := v.rc.Read(p)
	v.n += int64(n)
	switch {
	case v.n > v.want.Size:
		v.err = v.mismatch(fmt.Sprintf("received more than %d bytes", v.want.Size))
		return n, v.err
	case errors.Is(err, io.EOF) && v.n != v.want.Size:
		v.err = v.mismatch(fmt.Sprintf("received %d bytes", v.n))
		return n, v.err
	case errors.Is(err, io.EOF):
		// The library compared the digest before it reported EOF.
		v.err = io.EOF
		return n, io.EOF
	case err != nil && strings.Contains(err.Error(), "error verifying"):
		// The library's failed digest or size check: it has no exported
		// error type, only text, which names the digest received.
		v.err = v.mismatch(err.Error())
		return n, v.err
	case err != nil:
		// The connection failed part-way: not tampering, say so.
		v.err = explain(fmt.Errorf("downloading layer of %s: %w", String(v.ref), err))
		return n, v.err
	}
	return n, nil
}

func (v *verifying) mismatch(detail string) error {
	return fmt.Errorf("layer of %s failed verification: expected %s (%d bytes): %s; the registry or something between it and us altered the content", String(v.ref), v.want.Digest, v.want.Size, detail)
}

func (v *verifying) Close() error { return v.rc.Close() }
