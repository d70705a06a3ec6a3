package signing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/notaryproject/notation-core-go/signature"
	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/registry"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
)

// FormatNotation is a Notary Project signature: a JWS envelope (notation's
// default) in a manifest of artifactType
// application/vnd.cncf.notary.signature whose subject is the artifact, an
// OCI 1.1 referrer, listed in the sha256-<digest> referrers tag where the
// registry has no referrers API. It is not a --signature-format value:
// cosign and notation are told apart by --sign.
const FormatNotation Format = "notation"

// maxNotationSignatures is source-controller v1.9.5's
// VerifyOptions.MaxSignatureAttempts: only the first three notation
// signatures of an artifact are ever tried.
const maxNotationSignatures = 3

// SignNotation signs the artifact ref with key the way `notation sign
// --key` does with a local key (a JWS envelope, or COSE WithEnvelope; no
// timestamp: nothing but the registry is contacted) and stores the
// signature as a referrer. When key's
// certificate has already signed this digest, nothing is written.
func SignNotation(ctx context.Context, ref name.Digest, key *NotationKey, opts ...Option) (*Signed, error) {
	o := makeOptions(opts)
	out, err := signNotation(ctx, ref, key, o)
	if err != nil {
		return nil, fmt.Errorf("signing %s with notation: %w", ref, err)
	}
	return out, nil
}

func signNotation(ctx context.Context, ref name.Digest, key *NotationKey, o options) (*Signed, error) {
	remote, err := o.orasRepository(ref)
	if err != nil {
		return nil, err
	}
	repo := registry.NewRepository(remote)
	out := &Signed{Digest: ref.DigestStr(), Format: FormatNotation, Location: "referrers of " + ref.String()}
	desc, err := repo.Resolve(ctx, ref.DigestStr())
	if err != nil {
		if errors.Is(err, errdef.ErrNotFound) {
			return nil, fmt.Errorf("the artifact does not exist: %w; hint: check the URL with kubectl flux-oci list", err)
		}
		return nil, fmt.Errorf("reading the artifact: %w", err)
	}
	// notation writes a new signature on every run (signing time and, for
	// ECDSA, the signature differ), so look for this certificate's first.
	found, err := signedBy(ctx, repo, desc, key)
	if err != nil {
		return nil, err
	}
	if found {
		out.Existing = true
		return out, nil
	}
	_, err = notation.Sign(ctx, key.signer, repo, notation.SignOptions{
		SignerSignOptions: notation.SignerSignOptions{SignatureMediaType: o.envelope.mediaType(), SigningAgent: "kubectl-flux-oci"},
		ArtifactReference: ref.DigestStr(),
	})
	if err != nil {
		return nil, fmt.Errorf("writing the notation signature: %w", err)
	}
	return out, nil
}

func (e NotationEnvelope) mediaType() string {
	if e == EnvelopeCOSE {
		return cose.MediaTypeEnvelope
	}
	return jws.MediaTypeEnvelope
}

// signedBy reports whether one of the artifact's notation signatures is an
// intact envelope made by key's certificate over this very descriptor.
func signedBy(ctx context.Context, repo registry.Repository, desc ocispec.Descriptor, key *NotationKey) (bool, error) {
	var found bool
	err := repo.ListSignatures(ctx, desc, func(manifests []ocispec.Descriptor) error {
		for _, m := range manifests {
			blob, blobDesc, err := repo.FetchSignatureBlob(ctx, m)
			if err != nil {
				return err
			}
			content, err := openEnvelope(blobDesc.MediaType, blob)
			if err != nil || len(content.SignerInfo.CertificateChain) == 0 {
				continue
			}
			target, err := envelopeTarget(content)
			if err == nil && content.SignerInfo.CertificateChain[0].Equal(key.Leaf) && target.Digest == desc.Digest {
				found = true
				return errStopListing
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopListing) {
		return false, fmt.Errorf("listing notation signatures: %w", err)
	}
	return found, nil
}

// errStopListing ends a signature listing early; a constant, so no
// package state.
const errStopListing = listingDone("stop listing")

type listingDone string

func (e listingDone) Error() string { return string(e) }

// openEnvelope parses an envelope and checks its signature against the
// certificate it carries (integrity only: whom to trust is the verifier's
// business).
func openEnvelope(mediaType string, blob []byte) (*signature.EnvelopeContent, error) {
	env, err := signature.ParseEnvelope(mediaType, blob)
	if err != nil {
		return nil, err
	}
	return env.Verify()
}

// envelopeTarget is the descriptor a Notary Project payload names.
func envelopeTarget(c *signature.EnvelopeContent) (ocispec.Descriptor, error) {
	var p struct {
		TargetArtifact ocispec.Descriptor `json:"targetArtifact"`
	}
	if err := json.Unmarshal(c.Payload.Content, &p); err != nil {
		return ocispec.Descriptor{}, err
	}
	return p.TargetArtifact, nil
}
