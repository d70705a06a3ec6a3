package artifact

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options configures a Client.
type Options struct {
	// Transport carries TLS, retries and logging (see package transport).
	Transport http.RoundTripper
	// Keychain resolves credentials per registry.
	Keychain authn.Keychain
	// Insecure lets references use plain HTTP to non-loopback hosts.
	Insecure bool
	// Jobs bounds concurrent requests (uploads, manifest fetches); 0 means 8.
	Jobs int
}

// Client talks to registries. It is safe for concurrent use.
type Client struct {
	opts Options
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.Jobs <= 0 {
		opts.Jobs = 8
	}
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	return &Client{opts: opts}
}

// Insecure reports whether references should allow plain HTTP.
func (c *Client) Insecure() bool { return c.opts.Insecure }

// remoteOptions builds the go-containerregistry options for one call. Status
// retries are left to our transport, which honours Retry-After; the library
// keeps its retry of whole blob uploads, which our transport cannot replay.
func (c *Client) remoteOptions(ctx context.Context, extra ...remote.Option) []remote.Option {
	return append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(c.opts.Transport),
		remote.WithAuthFromKeychain(c.opts.Keychain),
		remote.WithJobs(c.opts.Jobs),
		remote.WithRetryStatusCodes(),
	}, extra...)
}

// RemoteOptions are this client's go-containerregistry options (context,
// transport with TLS and retries, credentials), for a package that reaches
// the registry through another library: signing, through cosign.
func (c *Client) RemoteOptions(ctx context.Context) []remote.Option { return c.remoteOptions(ctx) }

// CheckPush verifies that the credentials may write to the repository of
// ref, before anything is built or changed.
func (c *Client) CheckPush(ctx context.Context, ref name.Reference) error {
	if err := remote.CheckPushPermission(ref, c.opts.Keychain, c.opts.Transport); err != nil {
		return explain(fmt.Errorf("checking push access to %s: %w", ref.Context().Name(), err))
	}
	return nil
}
