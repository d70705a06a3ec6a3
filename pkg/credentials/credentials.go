// Package credentials decides how the plugin authenticates to a registry:
// explicit basic auth or a bearer token, a cloud provider's workload identity
// through fluxcd/pkg/auth, or the user's Docker credentials.
package credentials

import (
	"context"
	"fmt"
	"strings"

	authutils "github.com/fluxcd/pkg/auth/utils"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Provider names accepted by --provider; they match OCIRepository's
// spec.provider so the same word works on both sides.
const (
	ProviderGeneric = "generic"
	ProviderAWS     = "aws"
	ProviderAzure   = "azure"
	ProviderGCP     = "gcp"
)

// Providers lists the valid --provider values.
func Providers() []string {
	return []string{ProviderGeneric, ProviderAWS, ProviderAzure, ProviderGCP}
}

// Options are the user's credential choices.
type Options struct {
	// Username with Password is basic auth. Password alone is sent as a
	// registry bearer token (the token-only form, e.g. a GitHub PAT).
	Username string
	Password string
	// Provider selects cloud workload identity; "" and "generic" mean none.
	Provider string
}

// Validate reports a combination that cannot work, naming the flags.
func (o Options) Validate() error {
	switch o.Provider {
	case "", ProviderGeneric:
	case ProviderAWS, ProviderAzure, ProviderGCP:
		if o.Username != "" || o.Password != "" {
			return fmt.Errorf("--provider %s authenticates with the cloud identity; hint: drop --username and the password", o.Provider)
		}
	default:
		return fmt.Errorf("unknown --provider %q; hint: use one of %s", o.Provider, strings.Join(Providers(), ", "))
	}
	if o.Username != "" && o.Password == "" {
		return fmt.Errorf("--username %s has no password; hint: pass --password-stdin or set OCI_PASSWORD", o.Username)
	}
	return nil
}

// Keychain returns the keychain that resolves credentials for a registry.
func (o Options) Keychain(ctx context.Context) (authn.Keychain, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	switch {
	case o.Provider != "" && o.Provider != ProviderGeneric:
		return providerKeychain{ctx: ctx, provider: o.Provider}, nil
	case o.Password != "" && o.Username == "":
		return static{auth: &authn.Bearer{Token: o.Password}}, nil
	case o.Password != "":
		return static{auth: &authn.Basic{Username: o.Username, Password: o.Password}}, nil
	}
	// Docker's config.json, $DOCKER_CONFIG, credential helpers and podman's
	// auth.json, exactly as docker and crane read them.
	return authn.DefaultKeychain, nil
}

// Explicit reports whether credentials were given on the command line,
// as opposed to found in the user's Docker configuration.
func (o Options) Explicit() bool { return o.Password != "" }

type static struct{ auth authn.Authenticator }

func (s static) Resolve(authn.Resource) (authn.Authenticator, error) { return s.auth, nil }

// providerKeychain asks the cloud provider for a short-lived registry token
// for the repository being accessed, the way source-controller does.
type providerKeychain struct {
	ctx      context.Context
	provider string
}

func (p providerKeychain) Resolve(res authn.Resource) (authn.Authenticator, error) {
	a, err := authutils.GetArtifactRegistryCredentials(p.ctx, p.provider, res.String())
	if err != nil {
		return nil, fmt.Errorf("--provider %s: %w", p.provider, err)
	}
	return namedAuthenticator{Authenticator: a, provider: p.provider}, nil
}

// namedAuthenticator names the flag in errors: the provider fetches its
// token lazily, so its errors surface from Authorization, deep in a request.
type namedAuthenticator struct {
	authn.Authenticator
	provider string
}

func (n namedAuthenticator) Authorization() (*authn.AuthConfig, error) {
	cfg, err := n.Authenticator.Authorization()
	if err != nil {
		return nil, fmt.Errorf("--provider %s: %w", n.provider, err)
	}
	return cfg, nil
}

// Stored returns the username and password that the cluster should store
// to pull from registry with these credentials: the explicit ones, else
// what the Docker keychain holds for that registry. ok is false when access
// is anonymous or goes through a cloud provider (nothing to store).
func (o Options) Stored(ctx context.Context, registry string) (username, password string, ok bool, err error) {
	if o.Provider != "" && o.Provider != ProviderGeneric {
		return "", "", false, nil
	}
	kc, err := o.Keychain(ctx)
	if err != nil {
		return "", "", false, err
	}
	reg, err := name.NewRegistry(registry)
	if err != nil {
		return "", "", false, err
	}
	auth, err := kc.Resolve(reg)
	if err != nil {
		return "", "", false, err
	}
	cfg, err := auth.Authorization()
	if err != nil {
		return "", "", false, err
	}
	switch {
	case cfg.Username != "" || cfg.Password != "":
		return cfg.Username, cfg.Password, true, nil
	case cfg.RegistryToken != "" || cfg.IdentityToken != "":
		// A pull Secret holds a user name and password; a bare token has no
		// portable form there.
		return "", "", false, fmt.Errorf("token-only credentials for %s cannot be stored in the cluster; hint: pass --pull-username with --pull-password", registry)
	}
	return "", "", false, nil
}
