package artifact

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tag points each of tags at the manifest src names, and returns its digest.
// The manifest is fetched once and written back unchanged, so the digest
// cannot differ between the tags.
func (c *Client) Tag(ctx context.Context, src name.Reference, tags []string) (string, error) {
	desc, err := remote.Get(src, c.remoteOptions(ctx)...)
	if err != nil {
		return "", explain(fmt.Errorf("fetching %s: %w", String(src), err))
	}
	pusher, err := remote.NewPusher(c.remoteOptions(ctx)...)
	if err != nil {
		return "", err
	}
	for _, t := range tags {
		dst, err := NewTag(src, t, c.opts.Insecure)
		if err != nil {
			return "", err
		}
		if err := pusher.Put(ctx, dst, desc); err != nil {
			return "", explain(fmt.Errorf("tagging %s: %w", String(dst), err))
		}
	}
	return desc.Digest.String(), nil
}
