package signing

import (
	"context"
	"fmt"

	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// CheckNotationSigner tells, before anything is pushed or applied, whether
// signatures by key would pass trust for artifacts in repository (host/path)
// as the cluster checks them: it signs a stand-in descriptor in memory and
// verifies that envelope with notation's verifier. A certificate from
// another CA, a subject the trusted identities do not name, or a
// repository outside the policy's scopes gives the error VerifyNotation
// would give. Nothing is contacted.
func CheckNotationSigner(ctx context.Context, key *NotationKey, trust *NotationTrust, repository string) error {
	desc := ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageManifest,
		Digest:    digest.FromString("kubectl-flux-oci signer check"),
		Size:      1,
	}
	artifactRef := repository + "@" + desc.Digest.String()
	if _, err := trust.policy.GetApplicableTrustPolicy(artifactRef); err != nil {
		return &NotationPolicyError{Ref: repository, Err: err}
	}
	envelope, _, err := key.signer.Sign(ctx, desc, notation.SignerSignOptions{SignatureMediaType: jws.MediaTypeEnvelope, SigningAgent: "kubectl-flux-oci"})
	if err != nil {
		return fmt.Errorf("signing with the notation key: %w", err)
	}
	v, err := trust.verifier()
	if err != nil {
		return err
	}
	outcome, err := v.Verify(ctx, desc, envelope, notation.VerifierVerifyOptions{ArtifactReference: artifactRef, SignatureMediaType: jws.MediaTypeEnvelope})
	if err == nil {
		return nil
	}
	failed := enforcedFailure(outcome)
	if failed != nil && failed.Type == trustpolicy.TypeAuthenticity {
		return trust.untrusted(repository, 1, []string{key.Leaf.Subject.String()}, failed.Error)
	}
	if failed != nil {
		return &NotationRejectedError{Ref: repository, Check: string(failed.Type), Err: failed.Error}
	}
	return &NotationRejectedError{Ref: repository, Check: "signature", Err: err}
}
