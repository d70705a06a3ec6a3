package signing

import (
	"fmt"
	"strings"
)

// UntrustedSignerError means notation signatures exist but none was made
// by a certificate that chains to a CA of the trust store (or whose
// subject the trust policy's trustedIdentities name): another signer, or
// the wrong --trust-store.
type UntrustedSignerError struct {
	Ref string
	// Signatures is how many were checked (the cluster stops at three).
	Signatures int
	// Signers are the subjects of the signing certificates found.
	Signers []string
	// Trusted are the subjects of the trust store's certificates.
	Trusted []string
	// Identities are the signer subjects the trust policy pins, if any.
	Identities []string
	// Err is notation's own account of the last failure.
	Err error
}

func (e *UntrustedSignerError) Error() string {
	if len(e.Identities) > 0 {
		return fmt.Sprintf("%s: none of its %d notation signature(s) is by a trusted signer (signed by %s; trusted CAs: %s; trusted identities: %s): %v; hint: the signer must be issued by a trusted CA and match a trusted identity; re-sign with that certificate, or add its subject to the identities",
			e.Ref, e.Signatures, orNone(e.Signers), orNone(e.Trusted), strings.Join(e.Identities, "; "), e.Err)
	}
	return fmt.Sprintf("%s: none of its %d notation signature(s) is by a trusted signer (signed by %s; trusted: %s): %v; hint: pass the CA that issued the signing certificate to --trust-store, or re-sign with kubectl flux-oci sign --sign notation",
		e.Ref, e.Signatures, orNone(e.Signers), orNone(e.Trusted), e.Err)
}

func (e *UntrustedSignerError) Unwrap() error { return e.Err }

// NotationPolicyError means the trust policy has no statement whose
// registryScopes cover the artifact's repository, so notation (and the
// cluster) refuse to verify anything.
type NotationPolicyError struct {
	Ref string
	Err error
}

func (e *NotationPolicyError) Error() string {
	return fmt.Sprintf("%s: no trust policy statement applies to it: %v; hint: add its repository (%s) or \"*\" to registryScopes in %s",
		e.Ref, e.Err, strings.SplitN(e.Ref, "@", 2)[0], NotationTrustPolicyKey)
}

func (e *NotationPolicyError) Unwrap() error { return e.Err }

// NotationRejectedError means a trusted signature failed another check of
// the trust policy (integrity, expiry, certificate validity, revocation),
// or the policy's level would make the cluster ignore the result rather
// than mark the artifact verified.
type NotationRejectedError struct {
	Ref string
	// Check is the failed verification type (trustpolicy.ValidationType),
	// or "level" when the policy is not strict enough to count.
	Check string
	Err   error
}

func (e *NotationRejectedError) Error() string {
	if e.Check == "level" {
		return fmt.Sprintf("%s: %v; hint: source-controller marks the artifact verified only when authenticity is enforced: use signatureVerification.level strict in %s", e.Ref, e.Err, NotationTrustPolicyKey)
	}
	return fmt.Sprintf("%s: the notation signature fails the %s check: %v; hint: re-sign with a valid certificate (kubectl flux-oci sign --sign notation)", e.Ref, e.Check, e.Err)
}

func (e *NotationRejectedError) Unwrap() error { return e.Err }

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
