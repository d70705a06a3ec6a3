package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// The test certificates' subjects (notationtest): C, ST and O, as notation
// requires of a trusted identity, and the CN.
func testSubject(cn string) string {
	return "C=US, ST=WA, O=kubectl-flux-oci tests, CN=" + cn
}

func TestVerifyTrustedIdentity(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	url := "oci://" + reg.Host + "/fleet:v1"
	ca := notationtest.NewCA(t, "shared CA")
	release := ca.Issue(t, "release", notationtest.LeafOptions{}).Write(t, ca)
	run(t, "", "push", url, "--path", writeFiles(t, t.TempDir(), fleetFiles), "--sign", "notation", "--key", release.Key, "--cert", release.Chain).mustSucceed(t)

	verify := func(extra ...string) result {
		return run(t, "", append([]string{"verify", url, "--verify-provider", "notation", "--trust-store", release.CA}, extra...)...)
	}
	verify("--trusted-identity", testSubject("release")).mustSucceed(t)
	verify("--trusted-identity", "x509.subject: "+testSubject("release")).mustSucceed(t)
	if r := verify("--trusted-identity", testSubject("nightly")); r.code != 1 || !strings.Contains(r.stderr, "trusted identities: x509.subject: "+testSubject("nightly")) {
		t.Errorf("another identity: exit %d; %s", r.code, r.stderr)
	}
	if r := verify("--trusted-identity", "CN=release"); r.code != ExitUsage || !strings.Contains(r.stderr, "C, ST and O") {
		t.Errorf("an identity notation cannot use: exit %d; %s", r.code, r.stderr)
	}
	policy := filepath.Join(t.TempDir(), "trustpolicy.json")
	writeFiles(t, filepath.Dir(policy), map[string]string{"trustpolicy.json": "{}"})
	if r := verify("--trusted-identity", testSubject("release"), "--trust-policy", policy); r.code != ExitUsage || !strings.Contains(r.stderr, "exclusive") {
		t.Errorf("with --trust-policy: exit %d; %s", r.code, r.stderr)
	}
	_, pub := writeKeyPair(t)
	if r := run(t, "", "verify", url, "--key", pub, "--trusted-identity", testSubject("release")); r.code != ExitUsage || !strings.Contains(r.stderr, "for notation") {
		t.Errorf("with cosign: exit %d; %s", r.code, r.stderr)
	}
}

// bootstrap pins the identities in the trust policy of the flux-verify
// Secret, and refuses them where they would not apply.
func TestBootstrapNotationIdentity(t *testing.T) {
	ca := notationtest.NewCA(t, "e2e CA")
	files := ca.Issue(t, "flux-oci signer", notationtest.LeafOptions{}).Write(t, ca)
	f := newBootstrapFlags()
	f.url, f.clusterURL = "oci://r.example.com/flux:x", "oci://r.example.com/fleet:x"
	f.verifyNotationCA, f.verifyNotationIdentity = []string{files.CA}, []string{testSubject("flux-oci signer")}
	o, err := f.toOptions(t.Context(), strings.NewReader(""), "flux-system", false)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := signing.NotationTrustFromSecret(o.VerifySecret)
	if err != nil {
		t.Fatal(err)
	}
	if ids := trust.Identities(); len(ids) != 1 || ids[0] != "x509.subject: "+testSubject("flux-oci signer") {
		t.Errorf("trusted identities in the Secret = %q", ids)
	}

	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--verify-notation-identity", testSubject("x")}, "--sign notation or --verify-notation-ca"},
		{[]string{"--sign", "cosign", "--key", "k", "--verify-notation-identity", testSubject("x")}, "--sign notation or --verify-notation-ca"},
		{[]string{"--verify-notation-ca", files.CA, "--verify-notation-identity", "CN=x"}, "--verify-notation-identity: "},
		{[]string{"--verify-notation-ca", files.CA, "--verify-provider", "notation", "--verify-secret-ref", "mine", "--verify-notation-identity", testSubject("x")}, "exclusive"},
	} {
		if r := run(t, "", exportArgs(c.flags...)...); r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d; %s", c.flags, r.code, r.stderr)
		}
	}
}

// bootstrap --sign notation refuses, before anything is contacted, a
// certificate the trust policy it would store refuses.
func TestBootstrapRefusesASignerTheSourcesWouldRefuse(t *testing.T) {
	ca := notationtest.NewCA(t, "release CA")
	files := ca.Issue(t, "release", notationtest.LeafOptions{}).Write(t, ca)
	other := notationtest.NewCA(t, "other CA")
	otherFiles := other.Issue(t, "x", notationtest.LeafOptions{}).Write(t, other)
	sign := []string{"--sign", "notation", "--key", files.Key, "--cert", files.Chain}

	run(t, "", exportArgs(append(sign, "--verify-notation-identity", testSubject("release"))...)...).mustSucceed(t)
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--verify-notation-identity", testSubject("nightly")}, "identities: x509.subject: " + testSubject("nightly")},
		{[]string{"--verify-notation-ca", otherFiles.CA}, "CAs: CN=other CA"},
	} {
		r := run(t, "", exportArgs(append(sign, c.flags...)...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "the sources would refuse what --cert signs") || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%v: exit %d\n%s", c.flags, r.code, r.stderr)
		}
	}
}
