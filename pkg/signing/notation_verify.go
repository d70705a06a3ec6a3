package signing

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
)

// VerifyNotation checks ref's notation signatures against trust by the
// rules of source-controller v1.9.5 for spec.verify.provider: notation:
// notation-go v1.3.2's verifier with the Secret's trust policy and
// certificates, no plugins, the first three signatures at most, signatures
// found through the referrers API or the referrers tag, and success only
// when the outcome would mark the artifact verified (authenticity
// enforced and passed).
//
// The errors are distinct: *UnsignedError (Provider notation),
// *UntrustedSignerError, *DigestMismatchError (Format notation),
// *NotationPolicyError and *NotationRejectedError; anything else is a
// registry or input problem.
func VerifyNotation(ctx context.Context, ref name.Reference, trust *NotationTrust, opts ...Option) (*Verified, error) {
	o := makeOptions(opts)
	remote, err := o.orasRepository(ref)
	if err != nil {
		return nil, err
	}
	repo := registry.NewRepository(remote)
	desc, err := repo.Resolve(ctx, ref.Identifier())
	if err != nil {
		if errors.Is(err, errdef.ErrNotFound) {
			return nil, fmt.Errorf("verifying %s: the artifact does not exist: %w; hint: check the URL with kubectl flux-oci list", ref, err)
		}
		return nil, fmt.Errorf("verifying %s: %w", ref, err)
	}
	// The cluster names the artifact by its digest reference; registry
	// scopes are matched against this form.
	artifactRef := ref.Context().Digest(desc.Digest.String()).Name()
	if _, err := trust.policy.GetApplicableTrustPolicy(artifactRef); err != nil {
		return nil, &NotationPolicyError{Ref: artifactRef, Err: err}
	}
	v, err := trust.verifier()
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", artifactRef, err)
	}
	_, outcomes, err := notation.Verify(ctx, v, repo, notation.VerifyOptions{ArtifactReference: artifactRef, MaxSignatureAttempts: maxNotationSignatures})
	if err != nil {
		return nil, diagnoseNotation(ctx, v, repo, desc, artifactRef, trust, err)
	}
	return clusterOutcome(artifactRef, desc, outcomes)
}

// clusterOutcome is source-controller's checkOutcome: a skipped
// verification, or a logged (not enforced) authenticity failure, leaves
// the artifact unverified even though notation returned no error.
func clusterOutcome(artifactRef string, desc ocispec.Descriptor, outcomes []*notation.VerificationOutcome) (*Verified, error) {
	if len(outcomes) == 0 {
		return nil, fmt.Errorf("signature verification failed for all the signatures associated with %s", artifactRef)
	}
	outcome := outcomes[0]
	if outcome.VerificationLevel == trustpolicy.LevelSkip {
		return nil, &NotationRejectedError{Ref: artifactRef, Check: "level", Err: errors.New("the trust policy statement skips verification")}
	}
	for _, r := range outcome.VerificationResults {
		if r.Error != nil && r.Type == trustpolicy.TypeAuthenticity {
			return nil, &NotationRejectedError{Ref: artifactRef, Check: "level", Err: fmt.Errorf("authenticity failed but is only logged at level %s: %w", outcome.VerificationLevel.Name, r.Error)}
		}
	}
	out := &Verified{Digest: desc.Digest.String(), Format: FormatNotation, Signatures: 1}
	if outcome.EnvelopeContent != nil && len(outcome.EnvelopeContent.SignerInfo.CertificateChain) > 0 {
		leaf := outcome.EnvelopeContent.SignerInfo.CertificateChain[0]
		out.KeyID, out.Signer = certID(leaf.Raw), leaf.Subject.String()
	}
	return out, nil
}

// diagnoseNotation runs the verifier on each signature the cluster would
// try, to tell a missing signature, an untrusted signer and a replayed
// signature apart; notation.Verify joins them into one error.
func diagnoseNotation(ctx context.Context, v notation.Verifier, repo registry.Repository, desc ocispec.Descriptor, artifactRef string, trust *NotationTrust, verr error) error {
	var (
		n         int
		signers   []string
		mismatch  *DigestMismatchError
		untrusted error
		rejected  *NotationRejectedError
	)
	err := repo.ListSignatures(ctx, desc, func(manifests []ocispec.Descriptor) error {
		for _, m := range manifests {
			if n >= maxNotationSignatures {
				return errStopListing
			}
			n++
			blob, blobDesc, err := repo.FetchSignatureBlob(ctx, m)
			if err != nil {
				return err
			}
			outcome, err := v.Verify(ctx, desc, blob, notation.VerifierVerifyOptions{ArtifactReference: artifactRef, SignatureMediaType: blobDesc.MediaType})
			if outcome != nil && outcome.EnvelopeContent != nil && len(outcome.EnvelopeContent.SignerInfo.CertificateChain) > 0 {
				signers = append(signers, outcome.EnvelopeContent.SignerInfo.CertificateChain[0].Subject.String())
			}
			if err == nil {
				continue
			}
			failed := enforcedFailure(outcome)
			switch {
			case failed == nil && outcome != nil && outcome.EnvelopeContent != nil:
				// Every check passed but the payload names other content.
				signed := "(unreadable payload)"
				if t, terr := envelopeTarget(outcome.EnvelopeContent); terr == nil {
					signed = t.Digest.String()
				}
				mismatch = &DigestMismatchError{Ref: artifactRef, Format: FormatNotation, Signed: signed, Actual: desc.Digest.String()}
			case failed != nil && failed.Type == trustpolicy.TypeAuthenticity:
				untrusted = failed.Error
			case failed != nil:
				rejected = &NotationRejectedError{Ref: artifactRef, Check: string(failed.Type), Err: failed.Error}
			default:
				rejected = &NotationRejectedError{Ref: artifactRef, Check: "signature", Err: err}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopListing) {
		return fmt.Errorf("verifying %s: listing notation signatures: %w (notation: %v)", artifactRef, err, verr)
	}
	switch {
	case n == 0:
		return &UnsignedError{Ref: artifactRef, Provider: "notation"}
	case mismatch != nil:
		return mismatch
	case untrusted != nil:
		return trust.untrusted(artifactRef, n, signers, untrusted)
	case rejected != nil:
		return rejected
	}
	return fmt.Errorf("verifying %s: %w", artifactRef, verr)
}

// enforcedFailure is the first failed check the policy enforces.
func enforcedFailure(o *notation.VerificationOutcome) *notation.ValidationResult {
	if o == nil {
		return nil
	}
	for _, r := range o.VerificationResults {
		if r != nil && r.Error != nil && r.Action == trustpolicy.ActionEnforce {
			return r
		}
	}
	return nil
}
