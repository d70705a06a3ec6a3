package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

func TestLoadNotationKey(t *testing.T) {
	ca := notationtest.NewCA(t, "ci CA")
	leaf := ca.Issue(t, "ci", notationtest.LeafOptions{})
	other := ca.Issue(t, "other", notationtest.LeafOptions{})
	tls := ca.Issue(t, "web", notationtest.LeafOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	f := leaf.Write(t, ca)
	if k, err := LoadNotationKeyFiles(f.Key, f.Chain); err != nil || len(k.Chain) != 2 || len(k.ID) != 16 {
		t.Fatalf("LoadNotationKeyFiles: %+v, %v", k, err)
	}
	leafOnly := leaf.ChainPEM[:len(leaf.ChainPEM)-len(ca.PEM)]
	for _, tc := range []struct {
		name       string
		key, chain []byte
		want       string
	}{
		{"key of another certificate", other.KeyPEM, leaf.ChainPEM, "private key of the first certificate"},
		{"no root in the chain", leaf.KeyPEM, leafOnly, "self-signed root"},
		{"server-auth certificate", tls.KeyPEM, tls.ChainPEM, "extended key usage"},
		{"chain and key swapped", leaf.ChainPEM, leaf.KeyPEM, "hint: --key"},
	} {
		_, err := LoadNotationKey(tc.key, tc.chain)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%s: key material in the error: %v", tc.name, err)
		}
	}
	if _, err := LoadNotationKeyFiles(filepath.Join(t.TempDir(), "nope.key"), f.Chain); err == nil || !strings.Contains(err.Error(), "hint: pass --key") {
		t.Errorf("missing key file: %v", err)
	}
}

func TestNotationTrustFollowsTheCluster(t *testing.T) {
	policy, err := DefaultNotationTrustPolicy("127.0.0.1:5000/fleet")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"level": "strict"`, `"registryScopes": [`, `"ca:flux-oci"`, `"trustedIdentities": [`, `"version": "1.0"`} {
		if !strings.Contains(string(policy), want) {
			t.Errorf("policy lacks %s:\n%s", want, policy)
		}
	}
	if _, err := DefaultNotationTrustPolicy("oci://ghcr.io/org/fleet:v1"); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("bad scope: %v", err)
	}

	a, b := notationtest.NewCA(t, "a"), notationtest.NewCA(t, "b")
	data, err := NotationSecretData(policy, append(append([]byte{}, a.PEM...), b.PEM...))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 3 || data["ca.crt"] == nil || data["ca-1.crt"] == nil || CountCertificates(data["ca-1.crt"]) != 1 {
		t.Errorf("Secret keys: %v", keysOf(data))
	}
	if _, err := NotationTrustFromSecret(map[string][]byte{"ca.crt": a.PEM}); err == nil || !strings.Contains(err.Error(), NotationTrustPolicyKey) {
		t.Errorf("no policy: %v", err)
	}
	if _, err := NotationTrustFromSecret(map[string][]byte{NotationTrustPolicyKey: policy, "ca.pub": a.PEM}); err == nil || !strings.Contains(err.Error(), "*.crt or *.pem") {
		t.Errorf("no certificates: %v", err)
	}
}

// TestNotationBundleEntryReadsFirstOnly: source-controller decodes one PEM
// block per Secret key, so a CA second in a bundle is not trusted.
func TestNotationBundleEntryReadsFirstOnly(t *testing.T) {
	host := plainRegistry(t)
	ref := pushRandom(t, host, "fleet:v1")
	key, ca, _ := notationSigner(t, "ci")
	mustSignNotation(t, ref, key)
	first := notationtest.NewCA(t, "first")
	policy, _ := DefaultNotationTrustPolicy("*")
	trust, err := NewNotationTrust(policy, map[string][]byte{"bundle.pem": append(append([]byte{}, first.PEM...), ca.PEM...)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyNotation(context.Background(), ref, trust)
	var se *UntrustedSignerError
	if !errors.As(err, &se) {
		t.Errorf("CA second in a bundle: %T %v", err, err)
	}
}

func keysOf(m map[string][]byte) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}
