package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// writeNotationKey writes a CA, a code-signing leaf key and its chain.
func writeNotationKey(t *testing.T, cn string) notationtest.Files {
	t.Helper()
	ca := notationtest.NewCA(t, cn+" CA")
	return ca.Issue(t, cn, notationtest.LeafOptions{}).Write(t, ca)
}

func TestNotationSignAndVerify(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	url := "oci://" + reg.Host + "/fleet"
	ci := writeNotationKey(t, "ci")
	stranger := writeNotationKey(t, "stranger")

	r := run(t, "", "push", url+":v1", "--path", src, "--sign", "notation", "--key", ci.Key, "--cert", ci.Chain, "-o", "json").mustSucceed(t)
	var pushed pushResult
	if err := json.Unmarshal([]byte(r.stdout), &pushed); err != nil || pushed.Signature == nil || pushed.Signature.Format != "notation" || len(pushed.Signature.KeyID) != 16 {
		t.Fatalf("push --sign notation -o json = %s (%v)", r.stdout, err)
	}
	if !strings.Contains(r.stderr, "✔ signed with certificate "+pushed.Signature.KeyID+" (notation)") {
		t.Errorf("push --sign notation progress: %s", r.stderr)
	}

	r = run(t, "", "verify", url+":v1", "--verify-provider", "notation", "--trust-store", ci.CA).mustSucceed(t)
	if r.stdout != pushed.URL+"\n" || !strings.Contains(r.stderr, "verified the notation signature of CN=ci") {
		t.Errorf("verify: %q %q", r.stdout, r.stderr)
	}
	// With the Secret's own policy file.
	policy, _ := signing.DefaultNotationTrustPolicy("*")
	policyFile := filepath.Join(t.TempDir(), "trustpolicy.json")
	os.WriteFile(policyFile, policy, 0o600)
	run(t, "", "verify", url+":v1", "--verify-provider", "notation", "--trust-store", ci.CA, "--trust-policy", policyFile).mustSucceed(t)

	r = run(t, "", "verify", url+":v1", "--verify-provider", "notation", "--trust-store", stranger.CA)
	if r.code != 1 || !strings.Contains(r.stderr, "is by a trusted signer") || !strings.Contains(r.stderr, "hint: pass the CA") {
		t.Errorf("verify with another CA: exit %d; %s", r.code, r.stderr)
	}
	// The cosign verifier sees no cosign signature on a notation-signed artifact.
	_, pub := writeKeyPair(t)
	if r = run(t, "", "verify", url+":v1", "--key", pub); r.code != 1 || !strings.Contains(r.stderr, "has no cosign signature") {
		t.Errorf("cosign verify of a notation signature: exit %d; %s", r.code, r.stderr)
	}

	// Re-pushing the same content signs nothing new.
	r = run(t, "", "push", url+":v1", "--path", src, "--sign", "notation", "--key", ci.Key, "--cert", ci.Chain).mustSucceed(t)
	if !strings.Contains(r.stderr, "already signed by certificate") {
		t.Errorf("second push --sign notation: %s", r.stderr)
	}

	// New content under the same tag, unsigned: verify names the new digest.
	writeFiles(t, src, map[string]string{"new.yaml": "a: b\n"})
	run(t, "", "push", url+":v1", "--path", src).mustSucceed(t)
	r = run(t, "", "verify", url+":v1", "--verify-provider", "notation", "--trust-store", ci.CA)
	if r.code != 1 || !strings.Contains(r.stderr, "has no notation signature") || strings.Contains(r.stderr, pushed.Digest) {
		t.Errorf("verify of re-tagged unsigned content: exit %d; %s", r.code, r.stderr)
	}

	// sign the existing artifact; both providers can sign one artifact.
	r = run(t, "", "sign", url+":v1", "--sign", "notation", "--key", ci.Key, "--cert", ci.Chain).mustSucceed(t)
	if !strings.Contains(r.stderr, "(notation)") || !strings.HasPrefix(r.stdout, url+"@sha256:") {
		t.Errorf("sign: %q %q", r.stdout, r.stderr)
	}
	key, pub := writeKeyPair(t)
	t.Setenv(KeyPasswordEnv, testKeyPassword)
	run(t, "", "sign", url+":v1", "--key", key, "--signature-format", "bundle").mustSucceed(t)
	run(t, "", "verify", url+":v1", "--verify-provider", "notation", "--trust-store", ci.CA).mustSucceed(t)
	run(t, "", "verify", url+":v1", "--key", pub).mustSucceed(t)
	for _, out := range []result{r} {
		if strings.Contains(out.stdout+out.stderr, "PRIVATE KEY") {
			t.Fatal("key material was printed")
		}
	}
}

func TestNotationUsageErrorsExit2(t *testing.T) {
	ci := writeNotationKey(t, "ci")
	key, pub := writeKeyPair(t)
	u := "oci://127.0.0.1:1/app:v1"
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	ca, _ := os.ReadFile(ci.CA)
	os.WriteFile(bundle, append(append([]byte{}, ca...), ca...), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sign", u, "--sign", "notation", "--key", ci.Key}, "notation needs --key and --cert"},
		{[]string{"sign", u, "--sign", "notation", "--key", ci.Key, "--cert", "/no/chain.pem"}, "--cert /no/chain.pem"},
		{[]string{"sign", u, "--sign", "notation", "--key", ci.Key, "--cert", ci.Chain, "--signature-format", "bundle"}, "use jws (the default) or cose"},
		{[]string{"sign", u, "--key", key, "--cert", ci.Chain}, "add --sign notation"},
		{[]string{"sign", u, "--sign", "gpg", "--key", key}, "use cosign or notation"},
		{[]string{"push", u, "--path", ".", "--cert", ci.Chain}, "--sign notation with --cert"},
		{[]string{"push", u, "--path", ".", "--sign", "notation", "--key", ci.Key}, "notation needs --key and --cert"},
		{[]string{"verify", u, "--verify-provider", "notation"}, "--trust-store is required"},
		{[]string{"verify", u, "--verify-provider", "notation", "--trust-store", "/no/ca.crt"}, "--trust-store"},
		{[]string{"verify", u, "--verify-provider", "notation", "--trust-store", ci.Key}, "trusted certificate"},
		{[]string{"verify", u, "--verify-provider", "notation", "--trust-store", ci.CA, "--trust-policy", ci.CA}, "parsing trustpolicy.json"},
		{[]string{"verify", u, "--verify-provider", "notation", "--trust-store", ci.CA, "--key", pub}, "--key is for cosign"},
		{[]string{"verify", u, "--trust-store", ci.CA}, "add --verify-provider notation"},
		{[]string{"verify", u, "--verify-provider", "gpg"}, "use cosign or notation"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, "", c.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, want 2 mentioning %q; stderr: %s", r.code, c.want, r.stderr)
			}
		})
	}
	// A bundle is accepted with a warning: the cluster reads its first CA only.
	r := run(t, "", "verify", u, "--verify-provider", "notation", "--trust-store", bundle)
	if !strings.Contains(r.stderr, "reads only the first") {
		t.Errorf("bundle warning missing: %s", r.stderr)
	}
}

// A bad chain is refused before anything is pushed.
func TestNotationBadChainPushesNothing(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	ci, other := writeNotationKey(t, "ci"), writeNotationKey(t, "other")
	r := run(t, "", "push", "oci://"+reg.Host+"/fleet:v1", "--path", src, "--sign", "notation", "--key", other.Key, "--cert", ci.Chain)
	if r.code != 1 || !strings.Contains(r.stderr, "private key of the first certificate") {
		t.Errorf("mismatched key: exit %d; %s", r.code, r.stderr)
	}
	if n := reg.Count("PUT", "/manifests/"); n != 0 {
		t.Errorf("%d manifests were pushed with an unusable key", n)
	}
}

// --signature-format cose writes notation's other envelope, which verify
// (and source-controller) read as well.
func TestNotationCOSE(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	url := "oci://" + reg.Host + "/fleet:v1"
	ci := writeNotationKey(t, "ci")
	run(t, "", "push", url, "--path", writeFiles(t, t.TempDir(), fleetFiles), "--sign", "notation", "--key", ci.Key, "--cert", ci.Chain, "--signature-format", "cose").mustSucceed(t)
	r := run(t, "", "verify", url, "--verify-provider", "notation", "--trust-store", ci.CA).mustSucceed(t)
	if !strings.Contains(r.stderr, "verified the notation signature of CN=ci") {
		t.Errorf("verify: %s", r.stderr)
	}
	if r := run(t, "", "sign", url, "--key", ci.Key, "--signature-format", "cose"); r.code != ExitUsage || !strings.Contains(r.stderr, "use sig (the .sig tag) or bundle") {
		t.Errorf("cose with cosign: exit %d; %s", r.code, r.stderr)
	}
}
