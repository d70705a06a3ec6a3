package signing

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"

	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
)

// NotationTrustPolicyKey is the spec.verify Secret key source-controller
// reads the trust policy from; every other key ending in .crt or .pem is
// a trusted certificate.
const NotationTrustPolicyKey = "trustpolicy.json"

// Notation's spelling of "any signer" and of a subject identity (its
// constants are internal to notation-go).
const (
	wildcardIdentity  = "*"
	x509SubjectPrefix = "x509.subject"
)

// NotationTrustStoreName is the trust store the default policy names.
// source-controller ignores trust store names (every certificate of the
// Secret serves every store), but notation's CLI and the policy schema
// need one.
const NotationTrustStoreName = "flux-oci"

// NotationTrust is what source-controller v1.9.5 reads from the Secret of
// an OCIRepository with spec.verify.provider: notation.
type NotationTrust struct {
	policy *trustpolicy.Document
	certs  [][]byte
	// Certificates are the trusted certificates the cluster will load, in
	// Secret key order, for messages.
	Certificates []*x509.Certificate
}

// DefaultNotationTrustPolicy is a trust policy with one statement:
// artifacts in the given repositories (host/path as in the OCIRepository
// URL, e.g. ghcr.io/org/fleet; "*" for all) must carry a signature that
// passes every check (level strict) by a certificate issued by a CA of the
// trust store, whatever its subject.
func DefaultNotationTrustPolicy(scopes ...string) ([]byte, error) {
	return NotationTrustPolicy(nil, scopes...)
}

// NotationTrustPolicy is DefaultNotationTrustPolicy that also pins the
// signing certificate's subject: with identities, a certificate the CA
// issued to anyone else is refused. Each is notation's
// "x509.subject: C=…, ST=…, O=…[, CN=…]", or just the distinguished name,
// which gets the prefix; notation requires C, ST and O.
func NotationTrustPolicy(identities []string, scopes ...string) ([]byte, error) {
	trusted := []string{wildcardIdentity}
	if len(identities) > 0 {
		trusted = make([]string, len(identities))
		for i, id := range identities {
			trusted[i] = NotationIdentity(id)
		}
	}
	doc := trustpolicy.Document{
		Version: "1.0",
		TrustPolicies: []trustpolicy.TrustPolicy{{
			Name:                  "flux-oci",
			RegistryScopes:        scopes,
			SignatureVerification: trustpolicy.SignatureVerification{VerificationLevel: trustpolicy.LevelStrict.Name},
			TrustStores:           []string{string(truststore.TypeCA) + ":" + NotationTrustStoreName},
			TrustedIdentities:     trusted,
		}},
	}
	if err := doc.Validate(); err != nil {
		if len(identities) > 0 {
			return nil, fmt.Errorf("trust policy: %w; hint: a trusted identity is the signing certificate's subject with at least C, ST and O, e.g. \"C=US, ST=WA, O=Acme, CN=release\" (openssl x509 -noout -subject -nameopt RFC2253)", err)
		}
		return nil, fmt.Errorf("trust policy for %s: %w; hint: a scope is host/repository without tag or digest", strings.Join(scopes, ", "), err)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// NotationIdentity puts a distinguished name in notation's trusted identity
// form; "*" and identities that already have the x509.subject prefix are
// kept as they are.
func NotationIdentity(id string) string {
	id = strings.TrimSpace(id)
	if id == wildcardIdentity || strings.HasPrefix(id, x509SubjectPrefix+":") {
		return id
	}
	return x509SubjectPrefix + ": " + id
}

// verifier is notation's verifier for this trust, with the cluster's rules
// for the trust store and no plugins.
func (t *NotationTrust) verifier() (notation.Verifier, error) {
	return verifier.New(t.policy, clusterTrustStore{certs: t.certs}, nil)
}

// untrusted is the error for signatures (by signers) that failed
// authenticity under this trust, naming what it does trust.
func (t *NotationTrust) untrusted(ref string, signatures int, signers []string, err error) *UntrustedSignerError {
	var trusted []string
	for _, c := range t.Certificates {
		trusted = append(trusted, c.Subject.String())
	}
	return &UntrustedSignerError{Ref: ref, Signatures: signatures, Signers: signers, Trusted: trusted, Identities: t.Identities(), Err: err}
}

// Identities are the trusted identities of the policy's statements other
// than "*", for messages.
func (t *NotationTrust) Identities() []string {
	var ids []string
	for _, p := range t.policy.TrustPolicies {
		for _, id := range p.TrustedIdentities {
			if id != wildcardIdentity {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// NewNotationTrust loads a trust policy and trusted certificates by
// source-controller's rules: the policy must parse and validate, and of
// each certificate entry only the first PEM block counts (the cluster
// decodes one block per Secret key), so a bundle must be split into one
// key per CA. certs maps Secret keys (or file names) to their data.
func NewNotationTrust(policyJSON []byte, certs map[string][]byte) (*NotationTrust, error) {
	var doc trustpolicy.Document
	if err := json.Unmarshal(policyJSON, &doc); err != nil {
		return nil, fmt.Errorf("parsing %s: %w; hint: it must be a notation trust policy document (JSON, version 1.0); omit --trust-policy for the default", NotationTrustPolicyKey, err)
	}
	// source-controller's CleanTrustPolicy: a skip statement keeps no
	// trust stores or identities (notation would otherwise reject it).
	for i, p := range doc.TrustPolicies {
		if p.SignatureVerification.VerificationLevel == trustpolicy.LevelSkip.Name {
			doc.TrustPolicies[i].TrustStores, doc.TrustPolicies[i].TrustedIdentities = []string{}, []string{}
		}
	}
	if err := doc.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w; hint: see the trust policy format at https://notaryproject.dev/docs/user-guides/how-to/manage-trust-policy/", NotationTrustPolicyKey, err)
	}
	t := &NotationTrust{policy: &doc}
	keys := make([]string, 0, len(certs))
	for k := range certs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c, err := firstCertificate(certs[k])
		if err != nil {
			return nil, fmt.Errorf("trusted certificate %s: %w; hint: give the root CA certificate in PEM", k, err)
		}
		t.certs = append(t.certs, certs[k])
		t.Certificates = append(t.Certificates, c)
	}
	if len(t.certs) == 0 {
		return nil, fmt.Errorf("no trusted certificates; hint: the Secret needs at least one *.crt or *.pem key with the CA certificate")
	}
	return t, nil
}

// NotationTrustFromSecret reads the data of a spec.verify Secret as
// source-controller does.
func NotationTrustFromSecret(data map[string][]byte) (*NotationTrust, error) {
	policy, ok := data[NotationTrustPolicyKey]
	if !ok {
		return nil, fmt.Errorf("%q not found in the Secret; hint: add the trust policy under that key", NotationTrustPolicyKey)
	}
	certs := map[string][]byte{}
	for k, v := range data {
		if strings.HasSuffix(k, ".crt") || strings.HasSuffix(k, ".pem") {
			certs[k] = v
		}
	}
	return NewNotationTrust(policy, certs)
}

// NotationSecretData is the data of a spec.verify Secret for provider
// notation: the policy under trustpolicy.json and each CA certificate under
// ca.crt, ca-1.crt, … (one certificate per key; see NewNotationTrust).
func NotationSecretData(policyJSON []byte, caPEMs ...[]byte) (map[string][]byte, error) {
	data := map[string][]byte{NotationTrustPolicyKey: policyJSON}
	n := 0
	for _, bundle := range caPEMs {
		for rest := bundle; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			key := "ca.crt"
			if n > 0 {
				key = fmt.Sprintf("ca-%d.crt", n)
			}
			data[key] = pem.EncodeToMemory(block)
			n++
		}
	}
	if _, err := NotationTrustFromSecret(data); err != nil {
		return nil, err
	}
	return data, nil
}

// CountCertificates counts the PEM certificates in data, so the CLI can
// warn that the cluster would read only the first.
func CountCertificates(data []byte) int {
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return n
		}
		if block.Type == "CERTIFICATE" {
			n++
		}
	}
}

// clusterTrustStore is source-controller's in-memory trust store: it
// ignores the store type and name and returns the first certificate of
// every entry, for every store the policy names.
type clusterTrustStore struct{ certs [][]byte }

func (s clusterTrustStore) GetCertificates(_ context.Context, _ truststore.Type, name string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, data := range s.certs {
		raw := data
		if block, _ := pem.Decode(raw); block != nil {
			raw = block.Bytes
		}
		certs, err := x509.ParseCertificates(raw)
		if err != nil {
			return nil, fmt.Errorf("failed to parse certificate '%s': %s", name, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

func firstCertificate(data []byte) (*x509.Certificate, error) {
	raw := data
	if block, _ := pem.Decode(raw); block != nil {
		raw = block.Bytes
	}
	certs, err := x509.ParseCertificates(raw)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no certificate")
	}
	return certs[0], nil
}
