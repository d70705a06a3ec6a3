package signing

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	oras "oras.land/oras-go/v2/registry/remote"
	orasauth "oras.land/oras-go/v2/registry/remote/auth"
)

// orasRepository opens the repository of ref the way source-controller's
// notation verifier does (internal/oci/notation in v1.9.5): an oras-go
// remote repository, so signatures are listed through the OCI referrers
// API and, where the registry has none (CNCF distribution v3.1.2), through
// the sha256-<digest> referrers tag, exactly as the cluster reads them.
func (o options) orasRepository(ref name.Reference) (*oras.Repository, error) {
	repo, err := oras.NewRepository(ref.Context().Name())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", ref.Context().Name(), err)
	}
	// oras-go has no loopback rule of its own; go-containerregistry, which
	// the rest of the plugin uses, picks plain HTTP for loopback hosts.
	repo.PlainHTTP = o.insecure || isLoopbackHost(ref.Context().RegistryStr())
	cred, err := orasCredential(o.keychain, ref.Context())
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", ref.Context().RegistryStr(), err)
	}
	rt := o.transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	repo.Client = &orasauth.Client{
		Client:     &http.Client{Transport: rt},
		Credential: cred,
		// One token for the resolve, the listing and the blob fetches.
		Cache: orasauth.NewCache(),
	}
	return repo, nil
}

// orasCredential turns the keychain's answer into oras-go's credential
// function, field for field as source-controller does.
func orasCredential(kc authn.Keychain, res authn.Resource) (orasauth.CredentialFunc, error) {
	if kc == nil {
		return nil, nil // anonymous
	}
	a, err := kc.Resolve(res)
	if err != nil {
		return nil, err
	}
	cfg, err := a.Authorization()
	if err != nil {
		return nil, err
	}
	cred := orasauth.Credential{Username: cfg.Username, Password: cfg.Password, RefreshToken: cfg.IdentityToken, AccessToken: cfg.RegistryToken}
	return func(context.Context, string) (orasauth.Credential, error) { return cred, nil }, nil
}

func isLoopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
