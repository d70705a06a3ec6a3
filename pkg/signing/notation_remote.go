package signing

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

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
	cred, err := orasCredential(o.keychain, ref.Context())
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", ref.Context().RegistryStr(), err)
	}
	rt := o.transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	// oras-go takes one scheme up front. Where plain HTTP is allowed
	// (loopback, or insecure), do what go-containerregistry does for the
	// rest of the plugin: HTTPS first, plain HTTP only if the server does
	// not speak TLS. A loopback registry may well have TLS.
	host := ref.Context().RegistryStr()
	repo.PlainHTTP = (o.insecure || isLoopbackHost(host)) && speaksPlainHTTP(rt, host)
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

// speaksPlainHTTP reports whether host answers HTTPS with a plain-HTTP
// response, the one sign that TLS is not spoken there.
func speaksPlainHTTP(rt http.RoundTripper, host string) bool {
	client := &http.Client{Transport: rt, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + host + "/v2/")
	if err == nil {
		resp.Body.Close()
		return false
	}
	// net/http says so in words when it sees an HTTP answer to a TLS
	// hello; other stacks surface the raw record header.
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
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
