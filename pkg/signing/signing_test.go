package signing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v3/pkg/cosign"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
)

// cosignAccepts verifies with cosign's own top-level functions, the way
// `cosign verify --key --insecure-ignore-tlog` does (claims checked), as a
// check of Sign that does not go through Verify.
func cosignAccepts(t *testing.T, ref name.Digest, pub *PublicKey, f Format) {
	t.Helper()
	ctx := context.Background()
	co := &cosign.CheckOpts{SigVerifier: pub.verifier, IgnoreTlog: true, Offline: true}
	var err error
	switch f {
	case FormatSig:
		co.ClaimVerifier = cosign.SimpleClaimVerifier
		_, _, err = cosign.VerifyImageSignatures(ctx, ref, co)
	case FormatBundle:
		co.NewBundleFormat = true
		co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
		_, _, err = cosign.VerifyImageAttestations(ctx, ref, co)
	}
	if err != nil {
		t.Fatalf("cosign library rejects the %s signature of %s: %v", f, ref, err)
	}
}

func TestSignAndVerify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		host   func(*testing.T) string
		format Format
	}{
		{"sig", plainRegistry, FormatSig},
		{"bundle via referrers tag", plainRegistry, FormatBundle},
		{"bundle via referrers API", referrersRegistry, FormatBundle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			host := tc.host(t)
			ref := pushRandom(t, host, "fleet:v1")
			key, kp := newKey(t)
			s := mustSign(t, ref, key, tc.format)
			if s.Existing || s.Digest != ref.DigestStr() || s.Format != tc.format {
				t.Errorf("Signed = %+v", s)
			}
			cosignAccepts(t, ref, key.Public, tc.format)

			pub, err := LoadPublicKey(kp.Public)
			if err != nil {
				t.Fatal(err)
			}
			// Through the tag, as a user names it.
			v, err := Verify(ctx, parseRef(t, host+"/fleet:v1"), pub)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Format != tc.format || v.Signatures != 1 || v.Digest != ref.DigestStr() || v.KeyID != pub.ID {
				t.Errorf("Verified = %+v", v)
			}

			// Signing again with the same key writes nothing.
			if again := mustSign(t, ref, key, tc.format); !again.Existing {
				t.Errorf("second Sign wrote another signature: %+v", again)
			}
			// A second key adds its signature next to the first.
			other, _ := newKey(t)
			mustSign(t, ref, other, tc.format)
			for _, k := range []*PublicKey{pub, other.Public} {
				v, err := Verify(ctx, ref, k)
				if err != nil || v.Signatures != 1 {
					t.Errorf("Verify with key %s after two signers: %+v, %v", k.ID, v, err)
				}
			}
		})
	}
}

func TestSigTagLayout(t *testing.T) {
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	key, _ := newKey(t)
	s := mustSign(t, ref, key, FormatSig)
	want := host + "/fleet:sha256-" + strings.TrimPrefix(ref.DigestStr(), "sha256:") + ".sig"
	if s.Location != want {
		t.Errorf("Location = %s, want %s", s.Location, want)
	}
	mustSign(t, ref, key, FormatSig)
	sigs, err := ociremote.Signatures(parseRef(t, want))
	if err != nil {
		t.Fatal(err)
	}
	list, _ := sigs.Get()
	if len(list) != 1 {
		t.Fatalf("%s has %d signatures after signing twice, want 1", want, len(list))
	}
	p, _ := list[0].Payload()
	if !strings.Contains(string(p), `"docker-manifest-digest":"`+ref.DigestStr()+`"`) || !strings.Contains(string(p), `"type":"cosign container image signature"`) {
		t.Errorf("payload = %s", p)
	}
}

func TestVerifyFailures(t *testing.T) {
	ctx := context.Background()
	for _, f := range []Format{FormatSig, FormatBundle} {
		t.Run(string(f), func(t *testing.T) {
			host := plainRegistry(t)
			key, _ := newKey(t)
			stranger, _ := newKey(t)

			unsigned := pushRandom(t, host, "unsigned:v1")
			_, err := Verify(ctx, unsigned, key.Public)
			var ue *UnsignedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "hint:") {
				t.Errorf("unsigned: %T %v", err, err)
			}

			signed := pushRandom(t, host, "fleet:v1")
			mustSign(t, signed, key, f)
			_, err = Verify(ctx, signed, stranger.Public)
			var ke *KeyMismatchError
			if !errors.As(err, &ke) || ke.Format != f || ke.KeyID != stranger.Public.ID {
				t.Errorf("another key: %T %v", err, err)
			}

			// The tag moves to other content: its digest has no signature.
			moved := pushRandom(t, host, "fleet:v1")
			_, err = Verify(ctx, parseRef(t, host+"/fleet:v1"), key.Public)
			if !errors.As(err, &ue) || ue.Ref != moved.String() {
				t.Errorf("re-tagged: %T %v", err, err)
			}

			_, err = Verify(ctx, parseRef(t, host+"/fleet:nope"), key.Public)
			if err == nil || !strings.Contains(err.Error(), "does not exist") {
				t.Errorf("missing tag: %v", err)
			}
		})
	}
}

// TestBundlesHideSig follows the cluster: once an artifact has a sigstore
// bundle, its .sig tag is not read, so a key that only signed .sig fails.
func TestBundlesHideSig(t *testing.T) {
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	bundleKey, _ := newKey(t)
	sigKey, _ := newKey(t)
	mustSign(t, ref, sigKey, FormatSig)
	if _, err := Verify(context.Background(), ref, sigKey.Public); err != nil {
		t.Fatal(err)
	}
	mustSign(t, ref, bundleKey, FormatBundle)
	_, err := Verify(context.Background(), ref, sigKey.Public)
	var ke *KeyMismatchError
	if !errors.As(err, &ke) || ke.Format != FormatBundle {
		t.Errorf("with a bundle by another key: %T %v", err, err)
	}
}

func TestSignMissingArtifact(t *testing.T) {
	host := plainRegistry(t)
	key, _ := newKey(t)
	ref := parseRef(t, host+"/fleet@sha256:"+strings.Repeat("0", 64)).(name.Digest)
	for _, f := range []Format{FormatSig, FormatBundle} {
		if _, err := Sign(context.Background(), ref, key, WithFormat(f), WithRemoteOptions(remote.WithUserAgent("t"))); err == nil {
			t.Errorf("%s: signing a missing artifact succeeded", f)
		}
	}
}
