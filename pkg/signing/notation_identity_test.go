package signing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// With trusted identities only the named signer passes: a certificate the
// same CA issued to someone else is refused, and says why.
func TestNotationTrustedIdentities(t *testing.T) {
	ctx := context.Background()
	host := plainRegistry(t)
	key, ca, leaf := notationSigner(t, "release")
	intruderLeaf := ca.Issue(t, "intruder", notationtest.LeafOptions{})
	intruder, err := LoadNotationKey(intruderLeaf.KeyPEM, intruderLeaf.ChainPEM)
	if err != nil {
		t.Fatal(err)
	}
	// A bare distinguished name gets notation's x509.subject prefix.
	policy, err := NotationTrustPolicy([]string{leaf.Cert.Subject.String()}, host+"/fleet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(policy), `"x509.subject: `+leaf.Cert.Subject.String()+`"`) {
		t.Errorf("policy does not pin the signer:\n%s", policy)
	}
	data, err := NotationSecretData(policy, ca.PEM)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := NotationTrustFromSecret(data)
	if err != nil {
		t.Fatal(err)
	}

	good := pushRandom(t, host, "fleet:v1")
	mustSignNotation(t, good, key)
	if _, err := VerifyNotation(ctx, good, trust); err != nil {
		t.Errorf("the pinned signer: %v", err)
	}
	bad := pushRandom(t, host, "fleet:v2")
	mustSignNotation(t, bad, intruder)
	_, err = VerifyNotation(ctx, bad, trust)
	var se *UntrustedSignerError
	if !errors.As(err, &se) || len(se.Identities) != 1 || !strings.Contains(err.Error(), "trusted identities: x509.subject: ") || !strings.Contains(err.Error(), "CN=intruder") {
		t.Errorf("another signer of the same CA: %T %v", err, err)
	}
	// Without identities the same CA's intruder passes: that is what
	// pinning is for.
	if _, err := VerifyNotation(ctx, bad, trustFor(t, host+"/fleet", ca)); err != nil {
		t.Errorf("unpinned policy: %v", err)
	}
}

func TestNotationTrustPolicyRefusesBadIdentities(t *testing.T) {
	for _, id := range []string{"CN=release", "x509.subject:", "x509.subject: C=US, ST=WA"} {
		if _, err := NotationTrustPolicy([]string{id}, "ghcr.io/org/fleet"); err == nil || !strings.Contains(err.Error(), "hint: a trusted identity") {
			t.Errorf("%q: %v", id, err)
		}
	}
	if _, err := NotationTrustPolicy([]string{"*", "C=US, ST=WA, O=Acme"}, "ghcr.io/org/fleet"); err == nil {
		t.Error("a wildcard beside an identity was accepted")
	}
}

// CheckNotationSigner finds, offline, a signer the policy would refuse.
func TestCheckNotationSigner(t *testing.T) {
	ctx := context.Background()
	key, ca, leaf := notationSigner(t, "release")
	stranger, _, _ := notationSigner(t, "stranger")
	if err := CheckNotationSigner(ctx, key, trustFor(t, "ghcr.io/org/fleet", ca), "ghcr.io/org/fleet"); err != nil {
		t.Errorf("the signer the policy trusts: %v", err)
	}
	var se *UntrustedSignerError
	if err := CheckNotationSigner(ctx, stranger, trustFor(t, "ghcr.io/org/fleet", ca), "ghcr.io/org/fleet"); !errors.As(err, &se) || !strings.Contains(err.Error(), "CN=stranger") {
		t.Errorf("another CA's signer: %T %v", err, err)
	}
	policy, _ := NotationTrustPolicy([]string{"C=US, ST=WA, O=kubectl-flux-oci tests, CN=nightly"}, "ghcr.io/org/fleet")
	data, _ := NotationSecretData(policy, ca.PEM)
	pinned, err := NotationTrustFromSecret(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckNotationSigner(ctx, key, pinned, "ghcr.io/org/fleet"); !errors.As(err, &se) || len(se.Identities) != 1 || !strings.Contains(err.Error(), leaf.Cert.Subject.String()) {
		t.Errorf("a subject the identities do not name: %T %v", err, err)
	}
	var pe *NotationPolicyError
	if err := CheckNotationSigner(ctx, key, trustFor(t, "ghcr.io/org/fleet", ca), "ghcr.io/org/other"); !errors.As(err, &pe) {
		t.Errorf("a repository out of scope: %T %v", err, err)
	}
}
