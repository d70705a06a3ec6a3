// Package transport builds the HTTP transport every registry call goes
// through: TLS trust, the plain-HTTP guard, bounded retries and request logs.
// It knows nothing about OCI; callers wrap it with registry authentication.
package transport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Options configures New.
type Options struct {
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string
	// CAData is a PEM bundle given in memory (e.g. read from a Secret).
	CAData []byte
	// AllowInsecureHTTP permits plain HTTP to hosts that are not loopback.
	AllowInsecureHTTP bool
	// UserAgent is sent with every request.
	UserAgent string
	// Retry bounds the retries of throttled and failed requests.
	Retry RetryPolicy
	// Log, when set, receives one line per request (method, URL without its
	// query, status, duration). Headers and bodies are never logged: they
	// carry credentials.
	Log func(format string, args ...any)
}

// New returns a RoundTripper configured by opts. The order of the layers
// matters: the guard refuses plain HTTP before anything is sent, and the log
// sees every attempt, including the ones that are retried.
func New(opts Options) (http.RoundTripper, error) {
	base, err := baseTransport(opts.CAFile, opts.CAData)
	if err != nil {
		return nil, err
	}
	var rt http.RoundTripper = base
	if opts.Log != nil {
		rt = &logging{next: rt, logf: opts.Log}
	}
	rt = &insecureGuard{next: rt, allow: opts.AllowInsecureHTTP}
	rt = newRetrying(rt, opts.Retry)
	if opts.UserAgent != "" {
		rt = &userAgent{next: rt, value: opts.UserAgent}
	}
	return rt, nil
}

func baseTransport(caFile string, caData []byte) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile == "" && len(caData) == 0 {
		return t, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca-file %s: %w", caFile, err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate; hint: pass the registry's CA bundle in PEM format", caFile)
		}
	}
	if len(caData) > 0 && !pool.AppendCertsFromPEM(caData) {
		return nil, fmt.Errorf("the CA bundle holds no PEM certificate")
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}

// IsLoopback reports whether host (with or without a port) names this
// machine, where plain HTTP carries no risk.
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// insecureGuard refuses plain HTTP to remote hosts unless allowed. The OCI
// client library falls back to HTTP by itself for private address ranges;
// without this guard a registry on 10.x would silently lose TLS.
type insecureGuard struct {
	next  http.RoundTripper
	allow bool
}

func (g *insecureGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allow && !IsLoopback(req.URL.Host) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("refusing plain HTTP to %s; hint: pass --allow-insecure-http if this registry has no TLS", req.URL.Host)
	}
	return g.next.RoundTrip(req)
}

type userAgent struct {
	next  http.RoundTripper
	value string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", u.value)
	return u.next.RoundTrip(req)
}

type logging struct {
	next http.RoundTripper
	logf func(format string, args ...any)
}

func (l *logging) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := l.next.RoundTrip(req)
	// The query is dropped: token endpoints may carry account names in it.
	where := req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		l.logf("%s %s failed after %s: %v", req.Method, where, took, err)
		return resp, err
	}
	l.logf("%s %s %d in %s", req.Method, where, resp.StatusCode, took)
	return resp, err
}
