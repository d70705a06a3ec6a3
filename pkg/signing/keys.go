package signing

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/sigstore/cosign/v3/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// PasswordFunc returns the password of an encrypted private key. The CLI
// supplies it (COSIGN_PASSWORD or a terminal prompt) so that the library
// never reads the environment or a terminal itself.
type PasswordFunc func() ([]byte, error)

// PrivateKey is a loaded cosign signing key.
type PrivateKey struct {
	sv signature.SignerVerifier
	// Public is the matching public key.
	Public *PublicKey
}

// PublicKey is a loaded cosign verification key (cosign.pub).
type PublicKey struct {
	key      crypto.PublicKey
	verifier signature.Verifier
	// ID is the first 16 hex digits of the SHA-256 of the key's PKIX form,
	// to tell keys apart in messages.
	ID string
}

// KeyPair is a freshly generated key pair in cosign's file formats.
type KeyPair struct {
	// Private is an encrypted PEM private key (cosign.key).
	Private []byte
	// Public is a PEM public key (cosign.pub).
	Public []byte
}

// GenerateKeyPair makes an ECDSA P-256 key pair exactly as `cosign
// generate-key-pair` does, the private key encrypted with password.
func GenerateKeyPair(password []byte) (*KeyPair, error) {
	kb, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		return nil, fmt.Errorf("generating a cosign key pair: %w", err)
	}
	return &KeyPair{Private: kb.PrivateBytes, Public: kb.PublicBytes}, nil
}

// LoadPrivateKeyFile reads an encrypted cosign private key. password is
// called once, only after the file was read and looks like a cosign key.
func LoadPrivateKeyFile(path string, password PasswordFunc) (*PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading private key %s: %w; hint: pass --key with a cosign.key from kubectl flux-oci generate-key or cosign generate-key-pair", path, err)
	}
	key, err := LoadPrivateKey(data, password)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return key, nil
}

// LoadPrivateKey decrypts a PEM cosign private key ("ENCRYPTED SIGSTORE
// PRIVATE KEY" or the older "ENCRYPTED COSIGN PRIVATE KEY").
func LoadPrivateKey(pemBytes []byte, password PasswordFunc) (*PrivateKey, error) {
	if _, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes); err == nil {
		return nil, fmt.Errorf("this is a public key; hint: sign with the private key (cosign.key), verify with the public one")
	}
	var pass []byte
	if password != nil {
		p, err := password()
		if err != nil {
			return nil, fmt.Errorf("reading the key password: %w", err)
		}
		pass = p
	}
	sv, err := cosign.LoadPrivateKey(pemBytes, pass, nil)
	if err != nil {
		// The library says "decrypt: encrypted: decryption failed" for a
		// wrong password; the password itself is never part of the error.
		return nil, fmt.Errorf("loading the cosign private key: %w; hint: check COSIGN_PASSWORD (the password the key was generated with)", err)
	}
	pub, err := sv.PublicKey()
	if err != nil {
		return nil, err
	}
	pk, err := newPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{sv: sv, Public: pk}, nil
}

// LoadPublicKeyFile reads a PEM public key (cosign.pub).
func LoadPublicKeyFile(path string) (*PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading public key %s: %w; hint: pass --key with the cosign.pub that matches the signing key", path, err)
	}
	key, err := LoadPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	return key, nil
}

// LoadPublicKey parses a PEM public key, as source-controller does with
// each *.pub entry of the spec.verify Secret.
func LoadPublicKey(pemBytes []byte) (*PublicKey, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("not a PEM public key: %w; hint: use the cosign.pub written next to the cosign.key (kubectl flux-oci generate-key, cosign generate-key-pair)", err)
	}
	return newPublicKey(pub)
}

func newPublicKey(pub crypto.PublicKey) (*PublicKey, error) {
	// SHA-256, as source-controller loads it: the hash must agree with how
	// cosign signs with P-256 keys.
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("unsupported public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &PublicKey{key: pub, verifier: v, ID: hex.EncodeToString(sum[:8])}, nil
}

// PEM renders the key as cosign.pub does, for the cluster's verify Secret.
func (k *PublicKey) PEM() ([]byte, error) {
	return cryptoutils.MarshalPublicKeyToPEM(k.key)
}
