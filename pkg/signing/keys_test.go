package signing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKeys(t *testing.T) {
	kp, err := GenerateKeyPair([]byte(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(kp.Private), "ENCRYPTED SIGSTORE PRIVATE KEY") || !strings.Contains(string(kp.Public), "PUBLIC KEY") {
		t.Fatalf("key pair:\n%s\n%s", kp.Private, kp.Public)
	}
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	os.WriteFile(keyFile, kp.Private, 0o600)
	os.WriteFile(pubFile, kp.Public, 0o644)
	pw := func(p string) PasswordFunc { return func() ([]byte, error) { return []byte(p), nil } }

	key, err := LoadPrivateKeyFile(keyFile, pw(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKeyFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if key.Public.ID != pub.ID || len(pub.ID) != 16 {
		t.Errorf("key IDs: private %q, public %q", key.Public.ID, pub.ID)
	}

	asked := false
	for _, tc := range []struct {
		name string
		load func() error
		want string
	}{
		{"wrong password", func() error { _, err := LoadPrivateKeyFile(keyFile, pw("wrong-"+testPassword)); return err }, "COSIGN_PASSWORD"},
		{"password func fails", func() error {
			_, err := LoadPrivateKeyFile(keyFile, func() ([]byte, error) { return nil, errors.New("no terminal") })
			return err
		}, "no terminal"},
		{"public key to sign", func() error {
			_, err := LoadPrivateKeyFile(pubFile, func() ([]byte, error) { asked = true; return nil, nil })
			return err
		}, "this is a public key"},
		{"missing key", func() error { _, err := LoadPrivateKeyFile(filepath.Join(dir, "nope.key"), pw("")); return err }, "hint: pass --key"},
		{"private key to verify", func() error { _, err := LoadPublicKeyFile(keyFile); return err }, "not a PEM public key"},
	} {
		err := tc.load()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("%s: the password is in the error: %v", tc.name, err)
		}
	}
	if asked {
		t.Error("the password was asked for a public key")
	}
}

func TestParseFormat(t *testing.T) {
	for in, ok := range map[string]bool{"sig": true, "bundle": true, "": false, "dsse": false} {
		if _, err := ParseFormat(in); (err == nil) != ok {
			t.Errorf("ParseFormat(%q) = %v", in, err)
		}
	}
}
