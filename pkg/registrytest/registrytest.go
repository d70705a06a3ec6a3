// Package registrytest runs go-containerregistry's in-process registry for
// tests, optionally behind TLS, basic auth and fault injection, and records
// the requests it receives.
package registrytest

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Options configure Start.
type Options struct {
	// TLS serves HTTPS with a certificate from a test CA (see Registry.CAFile).
	TLS bool
	// Username and Password, when set, are required as basic auth.
	Username, Password string
	// Intercept, when set, sees every request first; returning true means
	// it wrote the response itself.
	Intercept func(w http.ResponseWriter, r *http.Request) bool
}

// Request is one recorded request.
type Request struct {
	Method, Path, UserAgent string
}

// Registry is a running test registry.
type Registry struct {
	// Host is 127.0.0.1:PORT.
	Host string
	// CAFile is a PEM file trusting the server certificate (TLS only).
	CAFile string

	mu       sync.Mutex
	requests []Request
}

// Start runs a registry until the test ends.
func Start(t testing.TB, opts Options) *Registry {
	t.Helper()
	r := &Registry{}
	inner := registry.New(registry.Logger(nopLogger()))
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, Request{Method: req.Method, Path: req.URL.Path, UserAgent: req.UserAgent()})
		r.mu.Unlock()
		if opts.Intercept != nil && opts.Intercept(w, req) {
			return
		}
		if opts.Username != "" {
			u, p, ok := req.BasicAuth()
			if !ok || u != opts.Username || p != opts.Password {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		}
		inner.ServeHTTP(w, req)
	})
	srv := httptest.NewUnstartedServer(h)
	// Handshake failures are what some tests provoke; they are not news.
	srv.Config.ErrorLog = nopLogger()
	if opts.TLS {
		srv.StartTLS()
		path := filepath.Join(t.TempDir(), "ca.pem")
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(path, block, 0o600); err != nil {
			t.Fatal(err)
		}
		r.CAFile = path
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	return r
}

// Requests returns the requests received so far.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Reset forgets the recorded requests.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
}

// Count returns how many recorded requests match method and contain part in
// their path.
func (r *Registry) Count(method, part string) int {
	n := 0
	for _, q := range r.Requests() {
		if q.Method == method && strings.Contains(q.Path, part) {
			n++
		}
	}
	return n
}
