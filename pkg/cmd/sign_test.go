package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

const testKeyPassword = "k3y-pa55-never-shown"

// writeKeyPair writes cosign.key (encrypted with testKeyPassword) and
// cosign.pub into a temporary directory.
func writeKeyPair(t *testing.T) (key, pub string) {
	t.Helper()
	kp, err := signing.GenerateKeyPair([]byte(testKeyPassword))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key, pub = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	os.WriteFile(key, kp.Private, 0o600)
	os.WriteFile(pub, kp.Public, 0o644)
	return key, pub
}

func TestSignAndVerify(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	url := "oci://" + reg.Host + "/fleet"
	key, pub := writeKeyPair(t)
	_, otherPub := writeKeyPair(t)
	t.Setenv(KeyPasswordEnv, testKeyPassword)

	r := run(t, "", "push", url+":v1", "--path", src, "--sign", "cosign", "--key", key, "-o", "json").mustSucceed(t)
	var pushed pushResult
	if err := json.Unmarshal([]byte(r.stdout), &pushed); err != nil || pushed.Signature == nil || pushed.Signature.Format != "sig" ||
		!strings.HasSuffix(pushed.Signature.Location, ":"+strings.Replace(pushed.Digest, ":", "-", 1)+".sig") {
		t.Fatalf("push --sign -o json = %s (%v)", r.stdout, err)
	}
	if !strings.Contains(r.stderr, "✔ signed with key "+pushed.Signature.KeyID+" (sig)") {
		t.Errorf("push --sign progress: %s", r.stderr)
	}

	r = run(t, "", "verify", url+":v1", "--key", pub).mustSucceed(t)
	if r.stdout != pushed.URL+"\n" || !strings.Contains(r.stderr, "verified 1 sig signature(s)") {
		t.Errorf("verify: %q %q", r.stdout, r.stderr)
	}
	r = run(t, "", "verify", url+":v1", "--key", otherPub)
	if r.code != 1 || !strings.Contains(r.stderr, "signed with another key") {
		t.Errorf("verify with another key: exit %d; %s", r.code, r.stderr)
	}

	// Re-pushing the same content signs nothing new.
	r = run(t, "", "push", url+":v1", "--path", src, "--sign", "cosign", "--key", key).mustSucceed(t)
	if !strings.Contains(r.stderr, "already signed by key") {
		t.Errorf("second push --sign: %s", r.stderr)
	}

	// New content under the same tag, unsigned: verify names the new digest.
	writeFiles(t, src, map[string]string{"new.yaml": "a: b\n"})
	run(t, "", "push", url+":v1", "--path", src).mustSucceed(t)
	r = run(t, "", "verify", url+":v1", "--key", pub)
	if r.code != 1 || !strings.Contains(r.stderr, "has no cosign signature") || strings.Contains(r.stderr, pushed.Digest) {
		t.Errorf("verify of re-tagged unsigned content: exit %d; %s", r.code, r.stderr)
	}

	// sign an existing artifact, as a bundle this time.
	r = run(t, "", "sign", url+":v1", "--key", key, "--signature-format", "bundle").mustSucceed(t)
	if !strings.Contains(r.stderr, "(bundle)") || !strings.HasPrefix(r.stdout, url+"@sha256:") {
		t.Errorf("sign: %q %q", r.stdout, r.stderr)
	}
	r = run(t, "", "verify", strings.TrimSpace(r.stdout), "--key", pub).mustSucceed(t)
	if !strings.Contains(r.stderr, "verified 1 bundle signature(s)") {
		t.Errorf("verify of a bundle: %s", r.stderr)
	}
	for _, out := range []result{r} {
		if strings.Contains(out.stdout+out.stderr, testKeyPassword) {
			t.Fatal("the key password was printed")
		}
	}
}

func TestSignKeyPassword(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	url := "oci://" + reg.Host + "/fleet:v1"
	key, _ := writeKeyPair(t)

	// No COSIGN_PASSWORD and no terminal: a hint, and nothing pushed.
	t.Setenv(KeyPasswordEnv, "") // restored after the test
	os.Unsetenv(KeyPasswordEnv)
	r := run(t, "", "push", url, "--path", src, "--sign", "cosign", "--key", key)
	if r.code != 1 || !strings.Contains(r.stderr, "export "+KeyPasswordEnv) {
		t.Errorf("no password: exit %d; %s", r.code, r.stderr)
	}
	t.Setenv(KeyPasswordEnv, "wr0ng-"+testKeyPassword)
	r = run(t, "", "push", url, "--path", src, "--sign", "cosign", "--key", key)
	if r.code != 1 || !strings.Contains(r.stderr, "hint: check "+KeyPasswordEnv) || strings.Contains(r.stderr, testKeyPassword) {
		t.Errorf("wrong password: exit %d; %s", r.code, r.stderr)
	}
	if n := reg.Count("PUT", "/manifests/"); n != 0 {
		t.Errorf("%d manifests were pushed with an unusable key", n)
	}
}

func TestSignUsageErrorsExit2(t *testing.T) {
	key, pub := writeKeyPair(t)
	u := "oci://127.0.0.1:1/app:v1"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sign", u}, "--key is required"},
		{[]string{"sign", u, "--key", "/no/cosign.key"}, "--key /no/cosign.key"},
		{[]string{"sign", u, "--key", key, "--signature-format", "dsse"}, "use sig (the .sig tag) or bundle"},
		{[]string{"sign", "ghcr.io/app:v1", "--key", key}, "must start with oci://"},
		{[]string{"verify", u}, "--key is required"},
		{[]string{"verify", u, "--key", key}, "not a PEM public key"},
		{[]string{"verify", u, "--key", "/no/cosign.pub"}, "reading public key"},
		{[]string{"push", u, "--path", ".", "--key", key}, "add --sign cosign"},
		{[]string{"push", u, "--path", ".", "--sign", "gpg", "--key", key}, "--sign cosign"},
		{[]string{"push", u, "--path", ".", "--sign", "cosign"}, "--key is required"},
		{[]string{"push", u, "--path", ".", "--sign", "cosign", "--key", pub, "--signature-format", "x"}, "--signature-format"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := run(t, "", c.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, want 2 mentioning %q; stderr: %s", r.code, c.want, r.stderr)
			}
		})
	}
}
