// Package artifact moves Flux artifacts in and out of OCI registries: push,
// pull, tag and list, with the media types and annotations of
// `flux push artifact`, so source-controller consumes what it writes.
package artifact

import (
	"fmt"
	"strings"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/name"
)

// ParseURL parses oci://host/repo:tag or oci://host/repo@sha256:… . A
// reference without a tag or digest is refused rather than read as
// ":latest", which Flux users rarely mean.
func ParseURL(url string, insecure bool) (name.Reference, error) {
	rest, err := trimScheme(url)
	if err != nil {
		return nil, err
	}
	ref, err := name.ParseReference(rest, nameOptions(insecure, name.StrictValidation)...)
	if err != nil {
		return nil, fmt.Errorf("invalid artifact URL %q: %w; hint: use oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:DIGEST", url, err)
	}
	return ref, nil
}

// ParseTagURL is ParseURL for verbs that write a tag.
func ParseTagURL(url string, insecure bool) (name.Tag, error) {
	ref, err := ParseURL(url, insecure)
	if err != nil {
		return name.Tag{}, err
	}
	tag, ok := ref.(name.Tag)
	if !ok {
		return name.Tag{}, fmt.Errorf("artifact URL %q names a digest; hint: push to a tag, oci://HOST/REPO:TAG", url)
	}
	return tag, nil
}

// ParseRepositoryURL parses oci://host/repo, without tag or digest.
func ParseRepositoryURL(url string, insecure bool) (name.Repository, error) {
	rest, err := trimScheme(url)
	if err != nil {
		return name.Repository{}, err
	}
	if strings.ContainsAny(rest[strings.LastIndex(rest, "/")+1:], ":@") {
		return name.Repository{}, fmt.Errorf("repository URL %q has a tag or digest; hint: use oci://HOST/REPO", url)
	}
	repo, err := name.NewRepository(rest, nameOptions(insecure, name.StrictValidation)...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("invalid repository URL %q: %w; hint: use oci://HOST/REPO", url, err)
	}
	return repo, nil
}

// NewTag returns the tag called tag in the repository of ref.
func NewTag(ref name.Reference, tag string, insecure bool) (name.Tag, error) {
	t, err := name.NewTag(ref.Context().Name()+":"+tag, nameOptions(insecure, name.StrictValidation)...)
	// The library accepts a leading '.' or '-', which the OCI spec and
	// registries refuse; catch it before anything is pushed.
	if err == nil && (strings.HasPrefix(tag, ".") || strings.HasPrefix(tag, "-")) {
		err = fmt.Errorf("a tag may not start with %q", tag[:1])
	}
	if err != nil {
		return name.Tag{}, fmt.Errorf("invalid tag %q: %w; hint: tags are up to 128 of [A-Za-z0-9_.-], not starting with . or -", tag, err)
	}
	return t, nil
}

// String renders a reference the way users write it.
func String(ref name.Reference) string { return fluxoci.OCIRepositoryPrefix + ref.String() }

func trimScheme(url string) (string, error) {
	if !strings.HasPrefix(url, fluxoci.OCIRepositoryPrefix) {
		return "", fmt.Errorf("URL %q must start with oci://; hint: write oci://%s", url, strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"))
	}
	return strings.TrimPrefix(url, fluxoci.OCIRepositoryPrefix), nil
}

func nameOptions(insecure bool, more ...name.Option) []name.Option {
	if insecure {
		more = append(more, name.Insecure)
	}
	return more
}
