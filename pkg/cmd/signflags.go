package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
	"github.com/flux-oci/kubectl-flux-oci/pkg/transport"
	"github.com/flux-oci/kubectl-flux-oci/pkg/version"
)

// KeyPasswordEnv holds the password of the cosign private key, under the
// name cosign itself reads, so one variable serves both tools in CI.
const KeyPasswordEnv = "COSIGN_PASSWORD"

// Signature providers, the values of --sign (push, sign) and
// --verify-provider (verify), as OCIRepository spec.verify.provider
// names them.
const (
	ProviderCosign   = "cosign"
	ProviderNotation = "notation"
)

// SignFlags is the flag group of verbs that sign: the provider's key, the
// notation certificate chain and the cosign signature format.
type SignFlags struct {
	Key    string
	Cert   string
	Format string

	format   signing.Format
	envelope signing.NotationEnvelope
}

// NewSignFlags returns the flags with their defaults.
func NewSignFlags() *SignFlags { return &SignFlags{Format: string(signing.FormatSig)} }

// AddFlagsWithNotation registers the group on a verb that signs: --key
// serves both providers, --cert is notation's.
func (f *SignFlags) AddFlagsWithNotation(fs *pflag.FlagSet) {
	fs.StringVar(&f.Key, "key", f.Key, "private key: cosign.key from generate-key or cosign generate-key-pair (password from $"+KeyPasswordEnv+" or a prompt), or for notation the PEM key of --cert")
	fs.StringVar(&f.Cert, "cert", f.Cert, "notation: PEM certificate chain of --key, signing certificate first, root CA last")
	fs.StringVar(&f.Format, "signature-format", f.Format, "cosign: sig, the sha256-<digest>.sig tag every Flux version verifies; bundle, a sigstore bundle referrer, as cosign v3 writes; notation: jws (its default) or cose")
}

// ValidateFor checks the group for provider before anything is read or
// sent; example is the command line the hint shows.
func (f *SignFlags) ValidateFor(provider, example string) error {
	switch provider {
	case ProviderCosign:
		if f.Cert != "" {
			return usageErrorf("--cert is only used with notation; hint: add --sign notation, or drop --cert for cosign")
		}
		if f.Key == "" {
			return usageErrorf("--key is required; hint: %s (make one with kubectl flux-oci generate-key)", example)
		}
		format, err := signing.ParseFormat(f.Format)
		if err != nil {
			return usageError(fmt.Errorf("--signature-format: %w", err))
		}
		f.format = format
	case ProviderNotation:
		if f.Key == "" || f.Cert == "" {
			return usageErrorf("notation needs --key and --cert; hint: %s", example)
		}
		format := f.Format
		if format == string(signing.FormatSig) {
			format = string(signing.EnvelopeJWS) // the flag's default is cosign's
		}
		envelope, err := signing.ParseNotationEnvelope(format)
		if err != nil {
			return usageError(fmt.Errorf("--signature-format: %w", err))
		}
		f.envelope = envelope
		if _, err := os.Stat(f.Cert); err != nil {
			return usageErrorf("--cert %s: %v; hint: pass the path of the PEM certificate chain", f.Cert, err)
		}
	default:
		return usageErrorf("signature provider %q is not supported; hint: use cosign or notation", provider)
	}
	if _, err := os.Stat(f.Key); err != nil {
		return usageErrorf("--key %s: %v; hint: pass the path of the %s private key", f.Key, err, provider)
	}
	return nil
}

// signingKey is a loaded key of either provider.
type signingKey struct {
	cosign   *signing.PrivateKey
	notation *signing.NotationKey
}

// ID names the key (cosign) or the signing certificate (notation).
func (k *signingKey) ID() string {
	if k.notation != nil {
		return k.notation.ID
	}
	return k.cosign.Public.ID
}

func (k *signingKey) kind() string {
	if k.notation != nil {
		return "certificate"
	}
	return "key"
}

// LoadKey reads and decrypts the cosign private key, before anything is
// pushed, so a wrong password costs nothing.
func (f *SignFlags) LoadKey(in io.Reader, prompt io.Writer) (*signing.PrivateKey, error) {
	return signing.LoadPrivateKeyFile(f.Key, keyPassword(in, prompt, f.Key))
}

// LoadSigner reads (and for cosign decrypts) the provider's private key
// before anything is pushed, so a wrong password or a bad chain costs
// nothing.
func (f *SignFlags) LoadSigner(provider string, in io.Reader, prompt io.Writer) (*signingKey, error) {
	if provider == ProviderNotation {
		k, err := signing.LoadNotationKeyFiles(f.Key, f.Cert)
		if err != nil {
			return nil, err
		}
		return &signingKey{notation: k}, nil
	}
	k, err := f.LoadKey(in, prompt)
	if err != nil {
		return nil, err
	}
	return &signingKey{cosign: k}, nil
}

// Sign signs the manifest digest (sha256:…) in the repository of ref with
// a cosign key, through client's transport and credentials.
func (f *SignFlags) Sign(ctx context.Context, client *artifact.Client, ref name.Reference, digest string, key *signing.PrivateKey) (*signing.Signed, error) {
	return signing.Sign(ctx, ref.Context().Digest(digest), key,
		signing.WithFormat(f.format),
		signing.WithRemoteOptions(client.RemoteOptions(ctx)...),
		signing.WithInsecure(client.Insecure()))
}

// SignWith signs with either provider. notation talks to the registry
// through oras-go, so it gets the transport and credentials rebuilt from
// reg, the same as client's.
func (f *SignFlags) SignWith(ctx context.Context, client *artifact.Client, reg *RegistryFlags, log func(string, ...any), ref name.Reference, digest string, key *signingKey) (*signing.Signed, error) {
	if key.notation == nil {
		return f.Sign(ctx, client, ref, digest, key.cosign)
	}
	opts, err := notationRegistryOptions(ctx, reg, log)
	if err != nil {
		return nil, err
	}
	return signing.SignNotation(ctx, ref.Context().Digest(digest), key.notation, append(opts, signing.WithEnvelope(f.envelope))...)
}

// notationRegistryOptions gives oras-go what NewClient gives
// go-containerregistry: the same TLS, retries, user agent, request log and
// credentials.
func notationRegistryOptions(ctx context.Context, reg *RegistryFlags, log func(string, ...any)) ([]signing.Option, error) {
	rt, err := transport.New(transport.Options{CAFile: reg.CAFile, AllowInsecureHTTP: reg.AllowInsecureHTTP, UserAgent: version.UserAgent(), Log: log})
	if err != nil {
		return nil, err
	}
	keychain, err := reg.credentials().Keychain(ctx)
	if err != nil {
		return nil, err
	}
	return []signing.Option{signing.WithRegistryHTTP(rt, keychain), signing.WithInsecure(reg.AllowInsecureHTTP)}, nil
}

// reportSigned tells what Sign did with a cosign key, on stderr.
func reportSigned(p progress, key *signing.PrivateKey, s *signing.Signed) {
	reportSignedBy(p, &signingKey{cosign: key}, s)
}

// reportSignedBy tells what SignWith did, on stderr.
func reportSignedBy(p progress, key *signingKey, s *signing.Signed) {
	if s.Existing {
		p.Successf("already signed by %s %s (%s): %s", key.kind(), key.ID(), s.Format, s.Location)
		return
	}
	p.Successf("signed with %s %s (%s): %s", key.kind(), key.ID(), s.Format, s.Location)
}

// keyPassword reads $COSIGN_PASSWORD when it is set (even empty, as cosign
// does, for keys made with an empty password), else prompts on a terminal.
// The password is never a flag: argv is visible to every local user.
func keyPassword(in io.Reader, prompt io.Writer, path string) signing.PasswordFunc {
	return func() ([]byte, error) {
		return readPassword(in, prompt, path, "Enter password for private key %s: ")
	}
}

// readPassword returns $COSIGN_PASSWORD when it is set, else asks on the
// terminal once per prompt (each a format taking path); every answer must
// be the same, which is how a new password is confirmed.
func readPassword(in io.Reader, prompt io.Writer, path string, prompts ...string) ([]byte, error) {
	if p, ok := os.LookupEnv(KeyPasswordEnv); ok {
		return []byte(p), nil
	}
	file, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return nil, fmt.Errorf("the password of %s is needed and standard input is not a terminal; hint: export %s", path, KeyPasswordEnv)
	}
	var first []byte
	for i, format := range prompts {
		fmt.Fprintf(prompt, format, path)
		p, err := term.ReadPassword(int(file.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = p
		} else if !bytes.Equal(p, first) {
			return nil, errors.New("the passwords typed differ")
		}
	}
	return first, nil
}
