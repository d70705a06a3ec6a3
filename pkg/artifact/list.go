package artifact

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

// TagFilter selects and orders tags for List.
type TagFilter struct {
	// SemVer keeps tags that are versions within the range, newest first.
	SemVer string
	// Regex keeps tags that match.
	Regex string
}

// Apply filters and orders tags. Without SemVer the registry's order is kept.
func (f TagFilter) Apply(tags []string) ([]string, error) {
	var re *regexp.Regexp
	if f.Regex != "" {
		var err error
		if re, err = regexp.Compile(f.Regex); err != nil {
			return nil, fmt.Errorf("invalid --regex %q: %w", f.Regex, err)
		}
	}
	var constraint *semver.Constraints
	if f.SemVer != "" {
		var err error
		if constraint, err = semver.NewConstraint(f.SemVer); err != nil {
			return nil, fmt.Errorf("invalid --semver %q: %w; hint: use a range such as \">=1.0.0 <2.0.0\" or \"1.x\"", f.SemVer, err)
		}
	}
	var kept []string
	versions := map[string]*semver.Version{}
	for _, t := range tags {
		if re != nil && !re.MatchString(t) {
			continue
		}
		if constraint != nil {
			v, err := semver.NewVersion(t)
			if err != nil || !constraint.Check(v) {
				continue
			}
			versions[t] = v
		}
		kept = append(kept, t)
	}
	if constraint != nil {
		sort.SliceStable(kept, func(i, j int) bool { return versions[kept[i]].GreaterThan(versions[kept[j]]) })
	}
	return kept, nil
}

// Tags lists the tags of a repository, every page of them.
func (c *Client) Tags(ctx context.Context, repo name.Repository) ([]string, error) {
	tags, err := remote.List(repo, c.remoteOptions(ctx)...)
	if err != nil {
		return nil, explain(fmt.Errorf("listing oci://%s: %w", repo.Name(), err))
	}
	return tags, nil
}

// List describes the artifact behind each tag. Manifests are fetched
// concurrently, at most Options.Jobs at a time, over one authenticated
// connection pool; one GET per tag yields both digest and annotations.
func (c *Client) List(ctx context.Context, repo name.Repository, tags []string) ([]Info, error) {
	puller, err := remote.NewPuller(c.remoteOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Jobs)
	for i, t := range tags {
		g.Go(func() error {
			tag := repo.Tag(t)
			desc, err := puller.Get(gctx, tag)
			if err != nil {
				return explain(fmt.Errorf("fetching %s: %w", String(tag), err))
			}
			info, err := infoFromManifest(tag, desc.Digest.String(), desc.MediaType, desc.Manifest)
			if info == nil {
				return err
			}
			// A tag whose manifest has no layers is still listed; each
			// goroutine writes its own slot, so no lock is needed.
			out[i] = *info
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
