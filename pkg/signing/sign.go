// Package signing signs Flux artifacts with cosign keys or notation
// certificates and verifies them by the rules source-controller applies to
// an OCIRepository with spec.verify.provider: cosign (a Secret of public
// keys) or notation (a Secret with a trust policy and CA certificates). It
// is the only package that imports sigstore, cosign, notation-go and
// oras-go.
//
// Everything is key-based and offline: nothing is uploaded to a
// transparency log, no timestamp authority is asked, and nothing but the
// registry is contacted, because source-controller ignores the
// transparency log when it verifies with a public key and needs no
// timestamp for a notation trust policy without a tsa trust store.
package signing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	cremote "github.com/sigstore/cosign/v3/pkg/cosign/remote"
	"github.com/sigstore/cosign/v3/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
	"github.com/sigstore/cosign/v3/pkg/oci/static"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
	sigpayload "github.com/sigstore/sigstore/pkg/signature/payload"
)

// Signed describes the signature of one artifact.
type Signed struct {
	// Digest is the artifact's, sha256:….
	Digest string
	Format Format
	// Location is where the signature lives: the .sig tag, or the digest
	// of the bundle's referrer manifest.
	Location string
	// Existing is true when this key had already signed the artifact in
	// this format, so nothing was written.
	Existing bool
}

// Sign signs the artifact ref with key and stores the signature next to
// it in the format chosen by WithFormat (default FormatSig). Signing an
// artifact the key has already signed writes nothing, so re-running a
// pipeline does not pile up signatures.
func Sign(ctx context.Context, ref name.Digest, key *PrivateKey, opts ...Option) (*Signed, error) {
	o := makeOptions(opts)
	o.remote = append([]remote.Option{remote.WithContext(ctx)}, o.remote...)
	var (
		out *Signed
		err error
	)
	switch o.format {
	case FormatSig:
		out, err = signSig(ctx, ref, key, o)
	case FormatBundle:
		out, err = signBundle(ctx, ref, key, o)
	default:
		_, err = ParseFormat(string(o.format))
	}
	if err != nil {
		return nil, fmt.Errorf("signing %s: %w", ref, err)
	}
	return out, nil
}

// signSig writes cosign's simple-signing payload, signed by key, as a
// layer of the image tagged sha256-<digest>.sig, keeping the signatures
// already there (other keys, other signers).
func signSig(ctx context.Context, ref name.Digest, key *PrivateKey, o options) (*Signed, error) {
	payload, err := sigpayload.Cosign{Image: ref}.MarshalJSON()
	if err != nil {
		return nil, err
	}
	raw, err := key.sv.SignMessage(bytes.NewReader(payload), sigopts.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	sig, err := static.NewSignature(payload, base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		return nil, err
	}
	copts := o.cosignOptions()
	se, err := ociremote.SignedEntity(ref, copts...)
	if err != nil {
		var nf *ociremote.EntityNotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("the artifact does not exist: %w; hint: check the URL with kubectl flux-oci list", err)
		}
		return nil, fmt.Errorf("reading the artifact: %w", err)
	}
	tag, err := ociremote.SignatureTag(ref, copts...)
	if err != nil {
		return nil, err
	}
	out := &Signed{Digest: ref.DigestStr(), Format: FormatSig, Location: tag.String()}
	// The same check `cosign sign` makes: a signature by this key over the
	// same payload is already there (ECDSA signatures differ every time, so
	// comparing bytes would not find it).
	dd := cremote.NewDupeDetector(key.sv)
	existing, err := se.Signatures()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", tag, err)
	}
	if found, err := dd.Find(existing, sig); err != nil {
		return nil, fmt.Errorf("reading %s: %w", tag, err)
	} else if found != nil {
		out.Existing = true
		return out, nil
	}
	signed, err := mutate.AttachSignatureToEntity(se, sig, mutate.WithDupeDetector(dd))
	if err != nil {
		return nil, err
	}
	if err := ociremote.WriteSignatures(ref.Repository, signed, copts...); err != nil {
		return nil, fmt.Errorf("writing %s: %w", tag, err)
	}
	return out, nil
}
