package signing

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/cosign/v3/pkg/cosign"
)

// An attacker who can write to the repository replaces the artifact and
// copies the old signature next to the new content. Verify must say so.

func TestReplayedSigIsDigestMismatch(t *testing.T) {
	ctx := context.Background()
	host := plainRegistry(t)
	key, _ := newKey(t)
	good := pushRandom(t, host, "fleet:v1")
	mustSign(t, good, key, FormatSig)
	evil := pushRandom(t, host, "fleet:v1")
	copyTag(t, sigTag(t, good), sigTag(t, evil))

	_, err := Verify(ctx, parseRef(t, host+"/fleet:v1"), key.Public)
	var de *DigestMismatchError
	if !errors.As(err, &de) || de.Signed != good.DigestStr() || de.Actual != evil.DigestStr() || de.Format != FormatSig {
		t.Fatalf("replayed .sig: %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "content was replaced") {
		t.Errorf("message: %v", err)
	}

	// Why the extra check: with exactly source-controller v1.9.5's options
	// (no claim verifier), cosign accepts the replayed .sig signature. The
	// cluster would apply the tampered artifact; `verify` refuses it.
	if _, _, err := cosign.VerifyImageSignatures(ctx, evil, clusterCheckOpts(key.Public, nil)); err != nil {
		t.Logf("the cluster's rules now reject a replayed .sig too (%v): update the comment in Verify", err)
	}
}

func TestReplayedBundleIsDigestMismatch(t *testing.T) {
	ctx := context.Background()
	host := plainRegistry(t)
	key, _ := newKey(t)
	good := pushRandom(t, host, "fleet:v1")
	mustSign(t, good, key, FormatBundle)
	evil := pushRandom(t, host, "fleet:v1")

	// Re-point the bundle's referrer manifest at the new content.
	idx, err := remote.Referrers(good)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 {
		t.Fatalf("referrers of %s: %v %v", good, im, err)
	}
	repointSubject(t, good.Context().Digest(im.Manifests[0].Digest.String()), evil)

	_, err = Verify(ctx, evil, key.Public)
	var de *DigestMismatchError
	if !errors.As(err, &de) || de.Signed != good.DigestStr() || de.Format != FormatBundle {
		t.Fatalf("replayed bundle: %T %v", err, err)
	}
}

func sigTag(t *testing.T, d name.Digest) name.Tag {
	return d.Context().Tag("sha256-" + strings.TrimPrefix(d.DigestStr(), "sha256:") + ".sig")
}

func copyTag(t *testing.T, from, to name.Tag) {
	t.Helper()
	desc, err := remote.Get(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Tag(to, desc); err != nil {
		t.Fatal(err)
	}
}

type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error)        { return r, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// repointSubject copies the referrer manifest ref with its subject set to
// evil, as an attacker with push access could replay a signature.
func repointSubject(t *testing.T, ref, evil name.Digest) {
	t.Helper()
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	evilDesc, err := remote.Head(evil)
	if err != nil {
		t.Fatal(err)
	}
	m["subject"] = v1.Descriptor{MediaType: evilDesc.MediaType, Digest: evilDesc.Digest, Size: evilDesc.Size}
	raw, _ := json.Marshal(m)
	h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
	if err := remote.Put(evil.Context().Digest(h.String()), rawManifest(raw)); err != nil {
		t.Fatal(err)
	}
}
