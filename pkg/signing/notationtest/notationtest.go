// Package notationtest makes throwaway X.509 material for notation signing
// in tests: a self-signed root CA and code-signing leaf certificates that
// pass notation's certificate requirements
// (notation-core-go x509.ValidateCodeSigningCertChain). Nothing here is
// fit for production keys: no revocation information, short lifetimes.
package notationtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a self-signed root that issues code-signing certificates.
type CA struct {
	Cert *x509.Certificate
	// PEM is the root certificate: the trust store entry (ca.crt in the
	// spec.verify Secret, --trust-store for verify).
	PEM []byte
	key *ecdsa.PrivateKey
}

// Leaf is a code-signing certificate and its key.
type Leaf struct {
	Cert *x509.Certificate
	// KeyPEM is the PKCS#8 private key, unencrypted, as notation's local
	// signing keys are.
	KeyPEM []byte
	// ChainPEM is the leaf followed by the root: notation signs only with a
	// chain that ends in a self-signed root.
	ChainPEM []byte
}

// Files are a Leaf and its CA written to disk.
type Files struct {
	Key, Chain, CA string
}

// LeafOptions adjust an issued certificate.
type LeafOptions struct {
	// NotBefore and NotAfter default to now-1h and now+24h.
	NotBefore, NotAfter time.Time
	// ExtKeyUsage defaults to code signing; notation refuses server auth,
	// client auth, e-mail protection, time stamping and OCSP signing.
	ExtKeyUsage []x509.ExtKeyUsage
}

// NewCA makes a root CA named cn. ECDSA P-256 keeps key generation fast.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject(cn),
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, PEM: certPEM(der), key: key}
}

// Issue makes a code-signing leaf certificate named cn.
func (ca *CA) Issue(t testing.TB, cn string, o LeafOptions) *Leaf {
	t.Helper()
	now := time.Now()
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(24 * time.Hour)
	}
	if o.ExtKeyUsage == nil {
		o.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject(cn),
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           o.ExtKeyUsage,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Leaf{
		Cert:     cert,
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		ChainPEM: append(certPEM(der), ca.PEM...),
	}
}

// Write puts the leaf's key (mode 0600), its chain and the CA into a new
// temporary directory, named as notation's docs name them.
func (l *Leaf) Write(t testing.TB, ca *CA) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Key: filepath.Join(dir, "leaf.key"), Chain: filepath.Join(dir, "leaf-chain.pem"), CA: filepath.Join(dir, "ca.crt")}
	for path, data := range map[string][]byte{f.Key: l.KeyPEM, f.Chain: l.ChainPEM, f.CA: ca.PEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// subject names test certificates with the attributes notation requires of
// a trusted identity (C, ST and O), so tests can pin them.
func subject(cn string) pkix.Name {
	return pkix.Name{CommonName: cn, Organization: []string{"kubectl-flux-oci tests"}, Province: []string{"WA"}, Country: []string{"US"}}
}
