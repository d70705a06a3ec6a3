package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/pflag"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/credentials"
	"github.com/flux-oci/kubectl-flux-oci/pkg/transport"
	"github.com/flux-oci/kubectl-flux-oci/pkg/version"
)

// PasswordEnv is read when no password flag is given (the RFC's name).
const PasswordEnv = "OCI_PASSWORD"

// RegistryFlags is the one flag group every verb that talks to a registry
// shares: credentials, TLS, retries and timeout.
type RegistryFlags struct {
	Username          string
	Password          string
	PasswordStdin     bool
	Provider          string
	CAFile            string
	AllowInsecureHTTP bool
	Timeout           time.Duration

	// password is the secret after Complete, from whichever source.
	password string
}

// NewRegistryFlags returns the flags with their defaults.
func NewRegistryFlags() *RegistryFlags {
	return &RegistryFlags{Provider: credentials.ProviderGeneric, Timeout: 5 * time.Minute}
}

// AddFlags registers the group on fs.
func (f *RegistryFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Username, "username", f.Username, "registry user name; the password comes from --password-stdin or $"+PasswordEnv)
	fs.StringVar(&f.Password, "password", f.Password, "registry password or token (visible to other users of this machine: prefer --password-stdin or $"+PasswordEnv+")")
	fs.BoolVar(&f.PasswordStdin, "password-stdin", f.PasswordStdin, "read the registry password or token from standard input")
	fs.StringVar(&f.Provider, "provider", f.Provider, "registry authentication: generic (Docker credentials or --username), aws, azure or gcp (workload identity)")
	fs.StringVar(&f.CAFile, "ca-file", f.CAFile, "PEM bundle of CA certificates to trust for the registry, in addition to the system's")
	fs.BoolVar(&f.AllowInsecureHTTP, "allow-insecure-http", f.AllowInsecureHTTP, "allow plain HTTP to a registry that is not on loopback")
	fs.DurationVar(&f.Timeout, "timeout", f.Timeout, "give up on the registry after this long")
}

// Complete resolves the password from --password, --password-stdin or the
// environment, in that order of precedence.
func (f *RegistryFlags) Complete(in io.Reader) error {
	switch {
	case f.PasswordStdin && f.Password != "":
		return usageErrorf("--password and --password-stdin are mutually exclusive; hint: keep --password-stdin")
	case f.PasswordStdin:
		data, err := io.ReadAll(io.LimitReader(in, 64<<10))
		if err != nil {
			return fmt.Errorf("reading the password from standard input: %w", err)
		}
		f.password = strings.TrimRight(string(data), "\r\n")
		if f.password == "" {
			return usageErrorf("--password-stdin read an empty password; hint: echo \"$TOKEN\" | kubectl flux-oci … --password-stdin")
		}
	case f.Password != "":
		f.password = f.Password
	default:
		f.password = os.Getenv(PasswordEnv)
	}
	return nil
}

// Validate checks the group before anything is contacted.
func (f *RegistryFlags) Validate() error {
	if err := f.credentials().Validate(); err != nil {
		return usageError(err)
	}
	if f.CAFile != "" {
		if _, err := os.Stat(f.CAFile); err != nil {
			return usageErrorf("--ca-file: %v; hint: pass the path of the registry's CA bundle (PEM)", err)
		}
	}
	if f.Timeout <= 0 {
		return usageErrorf("--timeout must be positive, got %s", f.Timeout)
	}
	return nil
}

func (f *RegistryFlags) credentials() credentials.Options {
	return credentials.Options{Username: f.Username, Password: f.password, Provider: f.Provider}
}

// NewClient returns a registry client configured by the flags. log receives
// one line per HTTP request when -v is 6 or more.
func (f *RegistryFlags) NewClient(ctx context.Context, log func(string, ...any)) (*artifact.Client, error) {
	rt, err := transport.New(transport.Options{
		CAFile:            f.CAFile,
		AllowInsecureHTTP: f.AllowInsecureHTTP,
		UserAgent:         version.UserAgent(),
		Log:               log,
	})
	if err != nil {
		return nil, err
	}
	keychain, err := f.credentials().Keychain(ctx)
	if err != nil {
		return nil, err
	}
	return artifact.New(artifact.Options{Transport: rt, Keychain: keychain, Insecure: f.AllowInsecureHTTP}), nil
}

// CompleteArtifact resolves the password and parses url: the start of every
// verb that reads one artifact.
func (f *RegistryFlags) CompleteArtifact(in io.Reader, url string) (name.Reference, error) {
	if err := f.Complete(in); err != nil {
		return nil, err
	}
	ref, err := artifact.ParseURL(url, f.AllowInsecureHTTP)
	if err != nil {
		return nil, usageError(err)
	}
	return ref, nil
}
