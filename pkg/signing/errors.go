package signing

import "fmt"

// UnsignedError means the artifact carries no signature of the provider
// at all: for cosign neither a sigstore bundle referrer nor a
// sha256-<digest>.sig tag, for notation no referrer of artifactType
// application/vnd.cncf.notary.signature.
type UnsignedError struct {
	// Ref is the artifact, host/repo@sha256:….
	Ref string
	// Provider is notation, or empty for cosign.
	Provider string
}

func (e *UnsignedError) Error() string {
	if e.Provider == "notation" {
		return fmt.Sprintf("%s has no notation signature (no referrer of artifactType application/vnd.cncf.notary.signature); hint: sign it with kubectl flux-oci sign --sign notation --key leaf.key --cert leaf-chain.pem, or push with --sign notation", e.Ref)
	}
	return fmt.Sprintf("%s has no cosign signature (no sigstore bundle referrer, no .sig tag); hint: sign it with kubectl flux-oci sign --key cosign.key, or push with --sign cosign", e.Ref)
}

// KeyMismatchError means signatures exist but none verifies with the given
// public key: the artifact was signed with another key, or the signature
// bytes were altered.
type KeyMismatchError struct {
	Ref string
	// Format is where the signatures were found; the cluster looks at
	// bundles first and at the .sig tag only when there is no bundle.
	Format Format
	// Signatures is how many were checked.
	Signatures int
	// KeyID identifies the public key tried.
	KeyID string
	// Err is the verifier's own account of the last failure.
	Err error
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("%s: none of its %d %s signature(s) verifies with public key %s: %v; hint: the artifact was signed with another key — pass the matching cosign.pub to --key, or re-sign with kubectl flux-oci sign",
		e.Ref, e.Signatures, e.Format, e.KeyID, e.Err)
}

func (e *KeyMismatchError) Unwrap() error { return e.Err }

// DigestMismatchError means a signature made with the right key vouches
// for other content: the artifact was changed (or its tag moved) and an
// old signature was copied next to it.
type DigestMismatchError struct {
	Ref    string
	Format Format
	// Signed is the digest the signature names; Actual is the artifact's.
	Signed, Actual string
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("%s: the %s signature is valid for this key but names %s, not the artifact's digest %s: the content was replaced after signing; hint: do not trust this artifact — push the intended content again and sign it",
		e.Ref, e.Format, e.Signed, e.Actual)
}
