package signing

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

const testPassword = "correct horse battery staple"

// newKey returns a fresh key pair, the private half loaded.
func newKey(t *testing.T) (*PrivateKey, *KeyPair) {
	t.Helper()
	kp, err := GenerateKeyPair([]byte(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	key, err := LoadPrivateKey(kp.Private, func() ([]byte, error) { return []byte(testPassword), nil })
	if err != nil {
		t.Fatal(err)
	}
	return key, kp
}

// plainRegistry is like the CNCF distribution v3.1.2 registry the e2e
// suite runs: no referrers API, so bundles go through the referrers tag.
func plainRegistry(t *testing.T) string {
	return registrytest.Start(t, registrytest.Options{}).Host
}

// referrersRegistry answers GET /v2/<repo>/referrers/<digest> (OCI 1.1).
func referrersRegistry(t *testing.T) string {
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushRandom pushes a small random image to host/repo:tag and returns its
// digest reference.
func pushRandom(t *testing.T, host, repoTag string) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	return push(t, host+"/"+repoTag, img)
}

func push(t *testing.T, ref string, img v1.Image) name.Digest {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(d.String())
}

func mustSign(t *testing.T, ref name.Digest, key *PrivateKey, f Format) *Signed {
	t.Helper()
	s, err := Sign(context.Background(), ref, key, WithFormat(f))
	if err != nil {
		t.Fatalf("Sign(%s, %s): %v", ref, f, err)
	}
	return s
}

func parseRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
