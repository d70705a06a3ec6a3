package signing

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"

	corex509 "github.com/notaryproject/notation-core-go/x509"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/signer"
)

// NotationKey is a notation signing identity: a private key and the
// certificate chain that vouches for it, from the leaf to a self-signed
// root, as `notation sign` uses a local key.
type NotationKey struct {
	signer notation.Signer
	// Leaf is the signing certificate.
	Leaf *x509.Certificate
	// Chain is the leaf and its issuers, leaf first.
	Chain []*x509.Certificate
	// ID is the first 16 hex digits of the SHA-256 of the leaf
	// certificate, to tell signers apart in messages.
	ID string
}

// LoadNotationKeyFiles reads a PEM private key (PKCS#8, PKCS#1 or SEC 1,
// unencrypted, as notation's local keys are) and a PEM certificate chain.
func LoadNotationKeyFiles(keyPath, chainPath string) (*NotationKey, error) {
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("reading private key %s: %w; hint: pass --key with the PEM key of the signing certificate", keyPath, err)
	}
	chainPEM, err := os.ReadFile(chainPath)
	if err != nil {
		return nil, fmt.Errorf("reading certificate chain %s: %w; hint: pass --cert with the PEM chain, signing certificate first, root CA last", chainPath, err)
	}
	k, err := LoadNotationKey(keyPEM, chainPEM)
	if err != nil {
		return nil, fmt.Errorf("notation key %s with certificates %s: %w", keyPath, chainPath, err)
	}
	return k, nil
}

// LoadNotationKey checks the key against the chain's first certificate
// and the chain against notation's certificate requirements (code-signing
// leaf, issued in order, ending in a self-signed root), so a bad chain is
// reported before anything is pushed rather than by the signer.
func LoadNotationKey(keyPEM, chainPEM []byte) (*NotationKey, error) {
	// tls.X509KeyPair parses every key format notation reads and proves
	// the key belongs to the first certificate. Its errors never quote
	// key bytes.
	pair, err := tls.X509KeyPair(chainPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w; hint: --key must be the unencrypted PEM private key of the first certificate in --cert", err)
	}
	chain := make([]*x509.Certificate, 0, len(pair.Certificate))
	for _, der := range pair.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("parsing the certificate chain: %w", err)
		}
		chain = append(chain, c)
	}
	if err := corex509.ValidateCodeSigningCertChain(chain, nil); err != nil {
		return nil, fmt.Errorf("the certificate chain is not usable for notation: %w; hint: --cert must hold the code-signing certificate first and every issuer up to the self-signed root CA", err)
	}
	s, err := signer.NewGenericSigner(pair.PrivateKey, chain)
	if err != nil {
		return nil, fmt.Errorf("unsupported notation key: %w; hint: use RSA (2048 bits or more) or ECDSA P-256/P-384/P-521", err)
	}
	return &NotationKey{signer: s, Leaf: chain[0], Chain: chain, ID: certID(chain[0].Raw)}, nil
}

// certID is how certificates are named in messages: the first 16 hex
// digits of the SHA-256 of the DER certificate.
func certID(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8])
}
