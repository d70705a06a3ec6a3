package cmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

// KeyPasswordEnv holds the password of the cosign private key, under the
// name cosign itself reads, so one variable serves both tools in CI.
const KeyPasswordEnv = "COSIGN_PASSWORD"

// SignFlags is the flag group of verbs that sign: the private key and the
// signature format.
type SignFlags struct {
	Key    string
	Format string

	format signing.Format
}

// NewSignFlags returns the flags with their defaults.
func NewSignFlags() *SignFlags { return &SignFlags{Format: string(signing.FormatSig)} }

// AddFlags registers the group on fs.
func (f *SignFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Key, "key", f.Key, "cosign private key (cosign.key from cosign generate-key-pair); its password comes from $"+KeyPasswordEnv+" or a prompt")
	fs.StringVar(&f.Format, "signature-format", f.Format, "sig: the sha256-<digest>.sig tag every Flux version verifies; bundle: a sigstore bundle referrer, as cosign v3 writes")
}

// Validate checks the group before anything is read or sent; example is
// the command line the hint shows.
func (f *SignFlags) Validate(example string) error {
	if f.Key == "" {
		return usageErrorf("--key is required; hint: %s (make one with cosign generate-key-pair)", example)
	}
	format, err := signing.ParseFormat(f.Format)
	if err != nil {
		return usageError(fmt.Errorf("--signature-format: %w", err))
	}
	f.format = format
	if _, err := os.Stat(f.Key); err != nil {
		return usageErrorf("--key %s: %v; hint: pass the path of the cosign private key", f.Key, err)
	}
	return nil
}

// LoadKey reads and decrypts the private key, before anything is pushed,
// so a wrong password costs nothing.
func (f *SignFlags) LoadKey(in io.Reader, prompt io.Writer) (*signing.PrivateKey, error) {
	return signing.LoadPrivateKeyFile(f.Key, keyPassword(in, prompt, f.Key))
}

// Sign signs the manifest digest (sha256:…) in the repository of ref,
// through client's transport and credentials.
func (f *SignFlags) Sign(ctx context.Context, client *artifact.Client, ref name.Reference, digest string, key *signing.PrivateKey) (*signing.Signed, error) {
	return signing.Sign(ctx, ref.Context().Digest(digest), key,
		signing.WithFormat(f.format),
		signing.WithRemoteOptions(client.RemoteOptions(ctx)...),
		signing.WithInsecure(client.Insecure()))
}

// reportSigned tells what Sign did, on stderr.
func reportSigned(p progress, key *signing.PrivateKey, s *signing.Signed) {
	if s.Existing {
		p.Successf("already signed by key %s (%s): %s", key.Public.ID, s.Format, s.Location)
		return
	}
	p.Successf("signed with key %s (%s): %s", key.Public.ID, s.Format, s.Location)
}

// keyPassword reads $COSIGN_PASSWORD when it is set (even empty, as cosign
// does, for keys made with an empty password), else prompts on a terminal.
// The password is never a flag: argv is visible to every local user.
func keyPassword(in io.Reader, prompt io.Writer, path string) signing.PasswordFunc {
	return func() ([]byte, error) {
		if p, ok := os.LookupEnv(KeyPasswordEnv); ok {
			return []byte(p), nil
		}
		file, ok := in.(*os.File)
		if !ok || !term.IsTerminal(int(file.Fd())) {
			return nil, fmt.Errorf("the password of %s is needed and standard input is not a terminal; hint: export %s", path, KeyPasswordEnv)
		}
		fmt.Fprintf(prompt, "Enter password for private key %s: ", path)
		p, err := term.ReadPassword(int(file.Fd()))
		fmt.Fprintln(prompt)
		return p, err
	}
}
