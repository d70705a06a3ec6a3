package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

// A generated pair signs on push and verifies, and the private key is
// encrypted with the password and readable by its owner only.
func TestGenerateKeySignsAndVerifies(t *testing.T) {
	t.Setenv(KeyPasswordEnv, testKeyPassword)
	prefix := filepath.Join(t.TempDir(), "fleet")
	r := run(t, "", "generate-key", "--output-key-prefix", prefix).mustSucceed(t)
	key, pub := prefix+".key", prefix+".pub"
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", fi, err)
	}
	loaded, err := signing.LoadPrivateKeyFile(key, func() ([]byte, error) { return []byte(testKeyPassword), nil })
	if err != nil {
		t.Fatal(err)
	}
	if want := "key: " + key + "\npublic-key: " + pub + "\nid: " + loaded.Public.ID + "\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	if _, err := signing.LoadPrivateKeyFile(key, func() ([]byte, error) { return []byte("wrong"), nil }); err == nil {
		t.Error("the private key opens with a wrong password")
	}
	if strings.Contains(r.stdout+r.stderr, testKeyPassword) {
		t.Error("the password appears in the output")
	}

	reg := registrytest.Start(t, registrytest.Options{})
	url := "oci://" + reg.Host + "/fleet:v1"
	run(t, "", "push", url, "--path", writeFiles(t, t.TempDir(), fleetFiles), "--sign", "cosign", "--key", key).mustSucceed(t)
	run(t, "", "verify", url, "--key", pub).mustSucceed(t)
}

// Existing keys are kept unless --force, checked before anything is
// written; without a password source nothing is written either.
func TestGenerateKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "cosign")
	os.WriteFile(prefix+".pub", []byte("mine"), 0o644)

	t.Setenv(KeyPasswordEnv, testKeyPassword)
	r := run(t, "", "generate-key", "--output-key-prefix", prefix)
	if r.code != 1 || !strings.Contains(r.stderr, "cosign.pub already exists") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("existing public key: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(prefix + ".key"); err == nil {
		t.Error("the private key was written although the public one exists")
	}
	run(t, "", "generate-key", "--output-key-prefix", prefix, "--force").mustSucceed(t)
	if data, _ := os.ReadFile(prefix + ".pub"); string(data) == "mine" {
		t.Error("--force kept the old public key")
	}

	r = run(t, "", "generate-key", "--output-key-prefix", filepath.Join(dir, "missing", "k"))
	if r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("missing directory: exit %d %s", r.code, r.stderr)
	}

	os.Unsetenv(KeyPasswordEnv)
	other := filepath.Join(dir, "other")
	r = run(t, "", "generate-key", "--output-key-prefix", other)
	if r.code != 1 || !strings.Contains(r.stderr, "export "+KeyPasswordEnv) {
		t.Errorf("no password: exit %d %s", r.code, r.stderr)
	}
	if entries, _ := filepath.Glob(other + ".*"); len(entries) != 0 {
		t.Errorf("files written without a password: %v", entries)
	}
}
