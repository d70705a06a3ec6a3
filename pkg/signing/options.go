package signing

import (
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ociremote "github.com/sigstore/cosign/v3/pkg/oci/remote"
)

// Format is how a signature is stored next to the artifact.
type Format string

const (
	// FormatSig is cosign's classic "simple signing" payload in an image
	// tagged sha256-<digest>.sig: what `cosign sign` wrote before v3 and
	// what every Flux release verifies.
	FormatSig Format = "sig"
	// FormatBundle is a sigstore bundle (v0.3, DSSE over an in-toto
	// statement) attached as an OCI 1.1 referrer, with the referrers-tag
	// fallback for registries without the referrers API: what cosign v3
	// writes by default; source-controller v1.9.5 (Flux v2.9.5) reads it
	// through the referrers tag.
	FormatBundle Format = "bundle"
)

// ParseFormat checks a --signature-format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatSig, FormatBundle:
		return f, nil
	}
	return "", fmt.Errorf("unknown signature format %q; hint: use sig (the .sig tag) or bundle (a sigstore bundle referrer)", s)
}

// NotationEnvelope is the envelope a notation signature is written in:
// JWS (notation's default) or COSE. Both are what `notation sign
// --signature-format` writes, and source-controller reads either.
type NotationEnvelope string

const (
	EnvelopeJWS  NotationEnvelope = "jws"
	EnvelopeCOSE NotationEnvelope = "cose"
)

// ParseNotationEnvelope checks a notation --signature-format value.
func ParseNotationEnvelope(s string) (NotationEnvelope, error) {
	switch e := NotationEnvelope(s); e {
	case EnvelopeJWS, EnvelopeCOSE:
		return e, nil
	}
	return "", fmt.Errorf("unknown notation signature format %q; hint: use jws (the default) or cose", s)
}

// Option configures Sign and Verify.
type Option func(*options)

type options struct {
	format   Format
	envelope NotationEnvelope
	remote   []remote.Option
	insecure bool
	// transport and keychain serve notation, which talks to the registry
	// through oras-go (as source-controller does), not go-containerregistry.
	transport http.RoundTripper
	keychain  authn.Keychain
}

// WithFormat selects the signature format Sign writes (default FormatSig).
// Verify ignores it: it reads whichever format is there, as the cluster does.
func WithFormat(f Format) Option { return func(o *options) { o.format = f } }

// WithEnvelope selects the envelope SignNotation writes (default JWS).
func WithEnvelope(e NotationEnvelope) Option { return func(o *options) { o.envelope = e } }

// WithRemoteOptions passes transport, credentials and context to every
// registry request.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(o *options) { o.remote = append(o.remote, opts...) }
}

// WithRegistryHTTP gives notation signing and verification the transport
// (TLS, retries, user agent) and the credentials the rest of the plugin
// uses; oras-go cannot take go-containerregistry's remote options. Without
// it, notation uses http.DefaultTransport and no credentials.
func WithRegistryHTTP(rt http.RoundTripper, keychain authn.Keychain) Option {
	return func(o *options) { o.transport, o.keychain = rt, keychain }
}

// WithInsecure allows plain HTTP for the references cosign derives (the
// .sig tag, referrer manifests) on hosts that are not loopback.
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

func makeOptions(opts []Option) options {
	o := options{format: FormatSig, envelope: EnvelopeJWS}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o options) nameOptions() []name.Option {
	if o.insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// cosignOptions replaces cosign's defaults (the Docker keychain, no
// transport) with ours, so credentials, --ca-file and retries apply.
func (o options) cosignOptions() []ociremote.Option {
	return []ociremote.Option{ociremote.WithRemoteOptions(o.remote...), ociremote.WithNameOptions(o.nameOptions()...)}
}
