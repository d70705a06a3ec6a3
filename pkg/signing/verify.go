package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sigstore/cosign/v3/pkg/cosign"
	"github.com/sigstore/cosign/v3/pkg/oci"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
	sigpayload "github.com/sigstore/sigstore/pkg/signature/payload"
)

// Verified describes an artifact whose signature checked out.
type Verified struct {
	// Digest is the artifact's, sha256:….
	Digest string
	// Format is the kind of signature that was checked: bundle when the
	// artifact has any sigstore bundle (the cluster then ignores .sig).
	Format Format
	// Signatures is how many signatures verified with the key.
	Signatures int
	// KeyID identifies the public key (cosign) or the signing
	// certificate (notation).
	KeyID string
	// Signer is the subject of the signing certificate (notation only).
	Signer string
}

// Verify checks that ref carries a cosign signature by pub, applying the
// rules of source-controller v1.9 for spec.verify with a public key:
// offline, transparency log ignored; sigstore bundles (OCI referrers, or
// the referrers tag) win, and only when there is none is the
// sha256-<digest>.sig tag read. On top of those rules a .sig payload must
// name the artifact's digest, as `cosign verify` requires (the cluster
// does not check this for .sig; see DigestMismatchError).
//
// The errors are distinct: *UnsignedError, *KeyMismatchError and
// *DigestMismatchError; anything else is a registry or input problem.
func Verify(ctx context.Context, ref name.Reference, pub *PublicKey, opts ...Option) (*Verified, error) {
	o := makeOptions(opts)
	o.remote = append([]remote.Option{remote.WithContext(ctx)}, o.remote...)
	copts := o.cosignOptions()
	digest, err := ociremote.ResolveDigest(ref, copts...)
	if err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("verifying %s: the artifact does not exist: %w; hint: check the URL with kubectl flux-oci list", ref, err)
		}
		return nil, fmt.Errorf("verifying %s: %w", ref, err)
	}
	h, err := v1.NewHash(digest.DigestStr())
	if err != nil {
		return nil, err
	}
	co := clusterCheckOpts(pub, copts)
	// source-controller falls back to .sig on any failure to list bundles,
	// not only on "none": the same here, or the verdicts could differ.
	bundles, _, err := cosign.GetBundles(ctx, digest, copts, o.nameOptions()...)
	if err == nil && len(bundles) > 0 {
		return verifyBundles(ctx, digest, h, bundles, pub, co)
	}
	return verifySigs(ctx, digest, h, pub, co, copts)
}

// clusterCheckOpts are the options source-controller's CosignVerifier
// builds for a public key (internal/oci/cosign in v1.9.5), so a verdict
// here is the verdict the cluster reaches.
func clusterCheckOpts(pub *PublicKey, copts []ociremote.Option) *cosign.CheckOpts {
	return &cosign.CheckOpts{
		RegistryClientOpts: copts,
		SigVerifier:        pub.verifier,
		Offline:            true,
		IgnoreTlog:         true,
	}
}

// verifySigs checks the layers of the sha256-<digest>.sig image one by one
// (what cosign.VerifyImageSignatures does after fetching them), so that a
// wrong key and a replayed signature are told apart.
func verifySigs(ctx context.Context, digest name.Digest, h v1.Hash, pub *PublicKey, co *cosign.CheckOpts, copts []ociremote.Option) (*Verified, error) {
	tag, err := ociremote.SignatureTag(digest, copts...)
	if err != nil {
		return nil, err
	}
	sigs, err := ociremote.Signatures(tag, copts...)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: reading %s: %w", digest, tag, err)
	}
	list, err := sigs.Get()
	if err != nil {
		return nil, fmt.Errorf("verifying %s: reading %s: %w", digest, tag, err)
	}
	if len(list) == 0 {
		return nil, &UnsignedError{Ref: digest.String()}
	}
	var (
		ok       int
		lastErr  error
		mismatch *DigestMismatchError
	)
	for _, sig := range list {
		if _, err := cosign.VerifyImageSignature(ctx, sig, h, co); err != nil {
			lastErr = err
			continue
		}
		if err := cosign.SimpleClaimVerifier(sig, h, nil); err != nil {
			mismatch = &DigestMismatchError{Ref: digest.String(), Format: FormatSig, Signed: sigDigest(sig), Actual: h.String()}
			continue
		}
		ok++
	}
	switch {
	case ok > 0:
		return &Verified{Digest: h.String(), Format: FormatSig, Signatures: ok, KeyID: pub.ID}, nil
	case mismatch != nil:
		return nil, mismatch
	}
	return nil, &KeyMismatchError{Ref: digest.String(), Format: FormatSig, Signatures: len(list), KeyID: pub.ID, Err: lastErr}
}

// sigDigest is the digest a simple-signing payload names, for messages.
func sigDigest(sig oci.Signature) string {
	p, err := sig.Payload()
	if err != nil {
		return "(unreadable payload)"
	}
	var ss sigpayload.SimpleContainerImage
	if json.Unmarshal(p, &ss) != nil || ss.Critical.Image.DockerManifestDigest == "" {
		return "(no digest)"
	}
	return ss.Critical.Image.DockerManifestDigest
}
