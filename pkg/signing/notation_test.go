package signing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const notationArtifactType = "application/vnd.cncf.notary.signature"

func TestNotationSignAndVerify(t *testing.T) {
	for _, tc := range []struct {
		name string
		host func(*testing.T) string
	}{
		{"via referrers tag", plainRegistry},
		{"via referrers API", referrersRegistry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			host := tc.host(t)
			ref := pushRandom(t, host, "fleet:v1")
			key, ca, _ := notationSigner(t, "ci")
			s := mustSignNotation(t, ref, key)
			if s.Existing || s.Digest != ref.DigestStr() || s.Format != FormatNotation {
				t.Errorf("Signed = %+v", s)
			}
			trust := trustFor(t, host+"/fleet", ca)
			v, err := VerifyNotation(ctx, parseRef(t, host+"/fleet:v1"), trust)
			if err != nil {
				t.Fatalf("VerifyNotation: %v", err)
			}
			if v.Format != FormatNotation || v.Digest != ref.DigestStr() || v.KeyID != key.ID || !strings.Contains(v.Signer, "CN=ci") {
				t.Errorf("Verified = %+v", v)
			}
			if again := mustSignNotation(t, ref, key); !again.Existing {
				t.Errorf("second SignNotation wrote another signature: %+v", again)
			}
			// A second signer under another CA: each CA verifies its own.
			other, otherCA, _ := notationSigner(t, "release")
			mustSignNotation(t, ref, other)
			for _, c := range []struct {
				trust *NotationTrust
				id    string
			}{{trust, key.ID}, {trustFor(t, host+"/fleet", otherCA), other.ID}} {
				v, err := VerifyNotation(ctx, ref, c.trust)
				if err != nil || v.KeyID != c.id {
					t.Errorf("VerifyNotation after two signers: %+v, %v (want key %s)", v, err, c.id)
				}
			}
			if n := len(notationReferrers(t, ref)); n != 2 {
				t.Errorf("%d notation referrers, want 2", n)
			}
		})
	}
}

// TestNotationReferrersTag: without the referrers API, the signature is
// reachable only through the sha256-<hex> index, which source-controller
// (oras-go) reads.
func TestNotationReferrersTag(t *testing.T) {
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	key, _, _ := notationSigner(t, "ci")
	mustSignNotation(t, ref, key)
	idx, err := remote.Index(ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1)))
	if err != nil {
		t.Fatalf("referrers tag: %v", err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].ArtifactType != notationArtifactType {
		t.Fatalf("referrers tag index = %+v", im.Manifests)
	}
}

func TestNotationVerifyFailures(t *testing.T) {
	ctx := context.Background()
	host := plainRegistry(t)
	key, ca, _ := notationSigner(t, "ci")
	_, strangerCA, _ := notationSigner(t, "stranger")
	trust := trustFor(t, host+"/fleet", ca)

	unsigned := pushRandom(t, host, "fleet:unsigned")
	_, err := VerifyNotation(ctx, unsigned, trust)
	var ue *UnsignedError
	if !errors.As(err, &ue) || ue.Provider != "notation" || !strings.Contains(err.Error(), "--sign notation") {
		t.Errorf("unsigned: %T %v", err, err)
	}

	good := pushRandom(t, host, "fleet:v1")
	mustSignNotation(t, good, key)
	_, err = VerifyNotation(ctx, good, trustFor(t, host+"/fleet", strangerCA))
	var se *UntrustedSignerError
	if !errors.As(err, &se) || se.Signatures != 1 || !strings.Contains(err.Error(), "CN=ci") || !strings.Contains(err.Error(), "CN=stranger CA") {
		t.Errorf("wrong CA: %T %v", err, err)
	}

	_, err = VerifyNotation(ctx, good, trustFor(t, host+"/other", ca))
	var pe *NotationPolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "registryScopes") {
		t.Errorf("scope: %T %v", err, err)
	}

	// The tag moves to other content: its digest has no signature.
	moved := pushRandom(t, host, "fleet:v1")
	_, err = VerifyNotation(ctx, parseRef(t, host+"/fleet:v1"), trust)
	if !errors.As(err, &ue) || ue.Ref != moved.String() {
		t.Errorf("re-tagged: %T %v", err, err)
	}

	// The old signature is copied next to the new content.
	replayNotation(t, good, moved)
	_, err = VerifyNotation(ctx, moved, trust)
	var de *DigestMismatchError
	if !errors.As(err, &de) || de.Format != FormatNotation || de.Signed != good.DigestStr() || de.Actual != moved.DigestStr() {
		t.Errorf("replayed: %T %v", err, err)
	}

	_, err = VerifyNotation(ctx, parseRef(t, host+"/fleet:nope"), trust)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing tag: %v", err)
	}
}

// TestNotationAuditLevelIsNotVerified: at level audit notation passes an
// untrusted signature; source-controller then does not mark the artifact
// verified, and neither does VerifyNotation.
func TestNotationAuditLevelIsNotVerified(t *testing.T) {
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	key, _, _ := notationSigner(t, "ci")
	_, strangerCA, _ := notationSigner(t, "stranger")
	mustSignNotation(t, ref, key)
	policy, _ := DefaultNotationTrustPolicy("*")
	policy = []byte(strings.Replace(string(policy), `"strict"`, `"audit"`, 1))
	trust, err := NewNotationTrust(policy, map[string][]byte{"ca.crt": strangerCA.PEM})
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyNotation(context.Background(), ref, trust)
	var re *NotationRejectedError
	if !errors.As(err, &re) || re.Check != "level" || !strings.Contains(err.Error(), "level strict") {
		t.Errorf("audit: %T %v", err, err)
	}
}

// TestNotationAndCosignShareTheReferrersTag: both providers on one
// artifact, in one referrers index; each verifier finds its own.
func TestNotationAndCosignShareTheReferrersTag(t *testing.T) {
	ctx := context.Background()
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	nkey, ca, _ := notationSigner(t, "ci")
	ckey, _ := newKey(t)
	mustSign(t, ref, ckey, FormatBundle)
	mustSignNotation(t, ref, nkey)
	if _, err := Verify(ctx, ref, ckey.Public); err != nil {
		t.Errorf("cosign Verify next to a notation signature: %v", err)
	}
	if _, err := VerifyNotation(ctx, ref, trustFor(t, host+"/fleet", ca)); err != nil {
		t.Errorf("VerifyNotation next to a cosign bundle: %v", err)
	}
}

func notationReferrers(t *testing.T, ref name.Digest) []v1.Descriptor {
	t.Helper()
	idx, err := remote.Referrers(ref, remote.WithFilter("artifactType", notationArtifactType))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return im.Manifests
}

// replayNotation copies good's notation signature manifest with its
// subject re-pointed at evil, as an attacker with push access could.
func replayNotation(t *testing.T, good, evil name.Digest) {
	t.Helper()
	sigs := notationReferrers(t, good)
	if len(sigs) != 1 {
		t.Fatalf("%d notation signatures on %s", len(sigs), good)
	}
	repointSubject(t, good.Context().Digest(sigs[0].Digest.String()), evil)
}
