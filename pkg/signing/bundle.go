package signing

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/cosign/v3/pkg/cosign"
	cbundle "github.com/sigstore/cosign/v3/pkg/cosign/bundle"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
	"github.com/sigstore/cosign/v3/pkg/types"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
	sigopts "github.com/sigstore/sigstore/pkg/signature/options"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// signBundle writes what `cosign sign --key … --tlog-upload=false` writes
// in cosign v3: a DSSE envelope over an in-toto statement (predicate
// https://sigstore.dev/cosign/sign/v1, subject the artifact's digest) in a
// v0.3 sigstore bundle, attached as a referrer. go-containerregistry
// maintains the sha256-<digest> referrers tag when the registry has no
// referrers API.
func signBundle(ctx context.Context, ref name.Digest, key *PrivateKey, o options) (*Signed, error) {
	copts := o.cosignOptions()
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		return nil, err
	}
	out := &Signed{Digest: h.String(), Format: FormatBundle, Location: "referrers of " + ref.String()}
	// Bundles carry a creation time and a random ECDSA signature, so a
	// second signing would add a second referrer: look first.
	if bundles, _, err := cosign.GetBundles(ctx, ref, copts, o.nameOptions()...); err == nil {
		co := clusterCheckOpts(key.Public, copts)
		for _, b := range bundles {
			if verifyBundle(ctx, co, h, b) == nil {
				out.Existing = true
				return out, nil
			}
		}
	}
	statement := &intotov1.Statement{
		Type:          intotov1.StatementTypeUri,
		Subject:       []*intotov1.ResourceDescriptor{{Digest: map[string]string{h.Algorithm: h.Hex}, Annotations: &structpb.Struct{}}},
		PredicateType: types.CosignSignPredicateType,
		Predicate:     &structpb.Struct{},
	}
	payload, err := protojson.Marshal(statement)
	if err != nil {
		return nil, err
	}
	envelope, err := dsse.WrapSigner(key.sv, types.IntotoPayloadType).SignMessage(bytes.NewReader(payload), sigopts.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	signer, err := cryptoutils.MarshalPublicKeyToPEM(key.Public.key)
	if err != nil {
		return nil, err
	}
	// No transparency-log entry and no timestamp: the cluster ignores both
	// for key-based verification, and nothing but the registry is reached.
	data, err := cbundle.MakeNewBundle(key.Public.key, nil, payload, envelope, signer, nil)
	if err != nil {
		return nil, fmt.Errorf("assembling the sigstore bundle: %w", err)
	}
	if err := ociremote.WriteAttestationNewBundleFormat(ref, data, types.CosignSignPredicateType, copts...); err != nil {
		return nil, fmt.Errorf("writing the bundle referrer: %w", err)
	}
	return out, nil
}

// verifyBundle is source-controller's check of one bundle: the key's
// signature over the DSSE envelope and a statement subject equal to the
// artifact's digest.
func verifyBundle(ctx context.Context, co *cosign.CheckOpts, h v1.Hash, b *sgbundle.Bundle) error {
	want, err := hex.DecodeString(h.Hex)
	if err != nil {
		return err
	}
	if _, err := cosign.VerifyNewBundle(ctx, co, verify.WithArtifactDigest(h.Algorithm, want), b); err != nil {
		return err
	}
	if _, ok := b.Content.(*protobundle.Bundle_DsseEnvelope); !ok {
		return fmt.Errorf("bundle does not contain a DSSE envelope")
	}
	return nil
}

func verifyBundles(ctx context.Context, digest name.Digest, h v1.Hash, bundles []*sgbundle.Bundle, pub *PublicKey, co *cosign.CheckOpts) (*Verified, error) {
	var (
		ok       int
		lastErr  error
		mismatch *DigestMismatchError
	)
	for _, b := range bundles {
		err := verifyBundle(ctx, co, h, b)
		if err == nil {
			ok++
			continue
		}
		lastErr = err
		// Valid for the key but not for this digest: a replayed bundle.
		if _, kerr := cosign.VerifyNewBundle(ctx, co, verify.WithoutArtifactUnsafe(), b); kerr == nil {
			mismatch = &DigestMismatchError{Ref: digest.String(), Format: FormatBundle, Signed: bundleSubject(b), Actual: h.String()}
		}
	}
	switch {
	case ok > 0:
		return &Verified{Digest: h.String(), Format: FormatBundle, Signatures: ok, KeyID: pub.ID}, nil
	case mismatch != nil:
		return nil, mismatch
	}
	return nil, &KeyMismatchError{Ref: digest.String(), Format: FormatBundle, Signatures: len(bundles), KeyID: pub.ID, Err: lastErr}
}

// bundleSubject is the digest(s) a bundle's statement names, for messages.
func bundleSubject(b *sgbundle.Bundle) string {
	env, ok := b.Content.(*protobundle.Bundle_DsseEnvelope)
	if !ok || env.DsseEnvelope == nil {
		return "(no statement)"
	}
	var st struct {
		Subject []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if json.Unmarshal(env.DsseEnvelope.Payload, &st) != nil {
		return "(unreadable statement)"
	}
	var names []string
	for _, s := range st.Subject {
		for alg, hex := range s.Digest {
			names = append(names, alg+":"+hex)
		}
	}
	return strings.Join(names, ", ")
}
