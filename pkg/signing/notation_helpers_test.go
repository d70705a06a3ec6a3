package signing

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// notationSigner makes a CA and a code-signing leaf under it, loaded.
func notationSigner(t *testing.T, cn string) (*NotationKey, *notationtest.CA, *notationtest.Leaf) {
	t.Helper()
	ca := notationtest.NewCA(t, cn+" CA")
	leaf := ca.Issue(t, cn, notationtest.LeafOptions{})
	key, err := LoadNotationKey(leaf.KeyPEM, leaf.ChainPEM)
	if err != nil {
		t.Fatal(err)
	}
	return key, ca, leaf
}

// trustFor is the spec.verify Secret a bootstrap would write: the default
// strict policy scoped to scope and the CAs as separate keys.
func trustFor(t *testing.T, scope string, cas ...*notationtest.CA) *NotationTrust {
	t.Helper()
	policy, err := DefaultNotationTrustPolicy(scope)
	if err != nil {
		t.Fatal(err)
	}
	var pems [][]byte
	for _, ca := range cas {
		pems = append(pems, ca.PEM)
	}
	data, err := NotationSecretData(policy, pems...)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := NotationTrustFromSecret(data)
	if err != nil {
		t.Fatal(err)
	}
	return trust
}

func mustSignNotation(t *testing.T, ref name.Digest, key *NotationKey) *Signed {
	t.Helper()
	s, err := SignNotation(context.Background(), ref, key)
	if err != nil {
		t.Fatalf("SignNotation(%s): %v", ref, err)
	}
	return s
}
