package signing

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cosignCLI returns the pinned cosign binary (hack/tools/cosign, built by
// `make cosign-tool` into bin/tools/cosign; $COSIGN overrides), or skips.
func cosignCLI(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("COSIGN")
	if bin == "" {
		bin, _ = filepath.Abs(filepath.Join("..", "..", "bin", "tools", "cosign"))
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("cosign CLI not found at %s: run `make cosign-tool` (hack/signing.mk) to build the pinned one, or set COSIGN", bin)
	}
	return bin
}

// runCosign runs the CLI with a throwaway HOME and TUF root, so it neither
// reads the user's Docker credentials nor finds a cached trust root, and
// nothing but the test registry can answer it.
func runCosign(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(context.Background(), bin, args...)
	cmd.Env = append([]string{"HOME=" + home, "TUF_ROOT=" + filepath.Join(home, "tuf"), "PATH=/usr/bin:/bin"}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeKeys(t *testing.T, kp *KeyPair) (keyFile, pubFile string) {
	dir := t.TempDir()
	keyFile, pubFile = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(keyFile, kp.Private, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, kp.Public, 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, pubFile
}

// TestCosignCLIVerifiesOurSignatures: what Sign writes is what `cosign
// verify --key` accepts offline, in both formats.
func TestCosignCLIVerifiesOurSignatures(t *testing.T) {
	bin := cosignCLI(t)
	for _, f := range []Format{FormatSig, FormatBundle} {
		t.Run(string(f), func(t *testing.T) {
			host := plainRegistry(t)
			ref := pushRandom(t, host, "fleet:v1")
			key, kp := newKey(t)
			mustSign(t, ref, key, f)
			_, pubFile := writeKeys(t, kp)
			out, err := runCosign(t, bin, nil, "verify", "--key", pubFile, "--insecure-ignore-tlog=true", "--allow-insecure-registry", "--allow-http-registry", ref.String())
			if err != nil {
				t.Fatalf("cosign verify: %v\n%s", err, out)
			}
			if !strings.Contains(out, ref.DigestStr()) {
				t.Errorf("cosign verify printed no digest:\n%s", out)
			}
			_, otherKP := newKey(t)
			_, otherPub := writeKeys(t, otherKP)
			if out, err := runCosign(t, bin, nil, "verify", "--key", otherPub, "--insecure-ignore-tlog=true", "--allow-insecure-registry", "--allow-http-registry", ref.String()); err == nil {
				t.Errorf("cosign verify accepted another key:\n%s", out)
			}
		})
	}
}

// TestWeVerifyCosignCLISignatures: what `cosign sign --key
// --tlog-upload=false` writes, Verify accepts, in both formats.
func TestWeVerifyCosignCLISignatures(t *testing.T) {
	bin := cosignCLI(t)
	for _, f := range []Format{FormatSig, FormatBundle} {
		t.Run(string(f), func(t *testing.T) {
			host := plainRegistry(t)
			ref := pushRandom(t, host, "fleet:v1")
			key, kp := newKey(t)
			keyFile, _ := writeKeys(t, kp)
			args := []string{"sign", "--key", keyFile, "--tlog-upload=false", "--use-signing-config=false", "--allow-insecure-registry", "--allow-http-registry", "--yes",
				"--new-bundle-format=" + map[Format]string{FormatSig: "false", FormatBundle: "true"}[f], ref.String()}
			out, err := runCosign(t, bin, []string{"COSIGN_PASSWORD=" + testPassword}, args...)
			if err != nil {
				t.Fatalf("cosign sign: %v\n%s", err, out)
			}
			v, err := Verify(context.Background(), ref, key.Public)
			if err != nil {
				t.Fatalf("Verify of cosign's %s signature: %v", f, err)
			}
			if v.Format != f {
				t.Errorf("cosign wrote %s, Verify read %s", f, v.Format)
			}
		})
	}
}
