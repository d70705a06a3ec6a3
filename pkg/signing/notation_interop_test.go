package signing

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// notationCLI returns the pinned notation binary (hack/tools/notation,
// built by `make notation-tool` into bin/tools/notation; $NOTATION
// overrides), or skips.
func notationCLI(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("NOTATION")
	if bin == "" {
		bin, _ = filepath.Abs(filepath.Join("..", "..", "bin", "tools", "notation"))
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("notation CLI not found at %s: run `make notation-tool` (hack/signing.mk) to build the pinned v1.3.2, or set NOTATION", bin)
	}
	return bin
}

// notationHome is a throwaway notation configuration: the CA in trust
// store ca:flux-oci, our default strict policy for scope, and, when leaf
// is given, that key as the default signing key. HOME and the XDG
// directories point into it, so the user's own configuration, keys and
// revocation cache are never read.
func notationHome(t *testing.T, scope string, ca *notationtest.CA, leaf *notationtest.Leaf) []string {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "config", "notation")
	store := filepath.Join(cfg, "truststore", "x509", "ca", NotationTrustStoreName)
	if err := os.MkdirAll(store, 0o700); err != nil {
		t.Fatal(err)
	}
	policy, err := DefaultNotationTrustPolicy(scope)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{filepath.Join(store, "ca.crt"): ca.PEM, filepath.Join(cfg, NotationTrustPolicyKey): policy}
	if leaf != nil {
		f := leaf.Write(t, ca)
		keys, _ := json.Marshal(map[string]any{"default": "ci", "keys": []map[string]string{{"name": "ci", "keyPath": f.Key, "certPath": f.Chain}}})
		files[filepath.Join(cfg, "signingkeys.json")] = keys
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "PATH=/usr/bin:/bin"}
}

func runNotation(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestNotationCLIVerifiesOurSignatures: what SignNotation writes, in either
// envelope, `notation verify` accepts offline against a plain-HTTP registry
// without the referrers API, and refuses under another CA.
func TestNotationCLIVerifiesOurSignatures(t *testing.T) {
	bin := notationCLI(t)
	for _, envelope := range []NotationEnvelope{EnvelopeJWS, EnvelopeCOSE} {
		t.Run(string(envelope), func(t *testing.T) {
			host := plainRegistry(t)
			ref := pushRandom(t, host, "fleet:v1")
			key, ca, _ := notationSigner(t, "ci")
			if _, err := SignNotation(context.Background(), ref, key, WithEnvelope(envelope)); err != nil {
				t.Fatal(err)
			}
			env := notationHome(t, host+"/fleet", ca, nil)
			out, err := runNotation(t, bin, env, "verify", "--insecure-registry", ref.String())
			if err != nil {
				t.Fatalf("notation verify: %v\n%s", err, out)
			}
			if !strings.Contains(out, "Successfully verified") || !strings.Contains(out, ref.DigestStr()) {
				t.Errorf("notation verify said:\n%s", out)
			}
			want := map[NotationEnvelope]string{EnvelopeJWS: "application/jose+json", EnvelopeCOSE: "application/cose"}[envelope]
			if out, err := runNotation(t, bin, env, "inspect", "--insecure-registry", "-o", "json", ref.String()); err != nil || !strings.Contains(out, `"mediaType": "`+want+`"`) {
				t.Errorf("notation inspect (want a %s envelope): %v\n%s", want, err, out)
			}
			stranger := notationtest.NewCA(t, "stranger CA")
			if out, err := runNotation(t, bin, notationHome(t, host+"/fleet", stranger, nil), "verify", "--insecure-registry", ref.String()); err == nil {
				t.Errorf("notation verify accepted another CA:\n%s", out)
			}
		})
	}
}

// TestWeVerifyNotationCLISignatures: what `notation sign --key` writes with
// a local key, in both envelope formats, VerifyNotation accepts.
func TestWeVerifyNotationCLISignatures(t *testing.T) {
	bin := notationCLI(t)
	for _, format := range []string{"jws", "cose"} {
		t.Run(format, func(t *testing.T) {
			host := plainRegistry(t)
			ref := pushRandom(t, host, "fleet:v1")
			ca := notationtest.NewCA(t, "ci CA")
			leaf := ca.Issue(t, "ci", notationtest.LeafOptions{})
			env := notationHome(t, host+"/fleet", ca, leaf)
			out, err := runNotation(t, bin, env, "sign", "--insecure-registry", "--signature-format", format, ref.String())
			if err != nil {
				t.Fatalf("notation sign: %v\n%s", err, out)
			}
			v, err := VerifyNotation(context.Background(), parseRef(t, host+"/fleet:v1"), trustFor(t, host+"/fleet", ca))
			if err != nil {
				t.Fatalf("VerifyNotation of notation's %s signature: %v", format, err)
			}
			if !strings.Contains(v.Signer, "CN=ci") {
				t.Errorf("Verified = %+v", v)
			}
			// And our signer sees notation's signature as its own.
			key, err := LoadNotationKey(leaf.KeyPEM, leaf.ChainPEM)
			if err != nil {
				t.Fatal(err)
			}
			if s := mustSignNotation(t, ref, key); !s.Existing {
				t.Errorf("SignNotation did not find notation's %s signature by the same certificate", format)
			}
		})
	}
}
