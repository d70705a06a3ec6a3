package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// prober checks each component's health over loopback HTTP(S).
type prober struct {
	l     layout
	ports Ports
}

// probe returns nil when component name is healthy.
func (pr prober) probe(ctx context.Context, name string) error {
	p := pr.ports
	switch name {
	case etcdName:
		return pr.get(ctx, "http://"+loopback(p.EtcdClient)+"/health", nil, http.StatusOK, `"health":"true"`)
	case registryPlainName:
		return pr.get(ctx, "http://"+loopback(p.RegistryPlain)+"/v2/", nil, http.StatusOK, "")
	case registryTLSName:
		return pr.registryTLS(ctx)
	case apiServerName:
		return pr.api(ctx, "/readyz", nil)
	case controllerManagerName:
		return pr.get(ctx, "https://"+loopback(p.ControllerManager)+"/healthz", nil, http.StatusOK, "ok")
	case schedulerName:
		return pr.get(ctx, "https://"+loopback(p.Scheduler)+"/healthz", nil, http.StatusOK, "ok")
	case kwokName:
		return pr.nodeReady(ctx)
	case sourceControllerName:
		return pr.get(ctx, "http://"+loopback(p.SourceHealth)+"/readyz", nil, http.StatusOK, "")
	case kustomizeCtrlName:
		return pr.get(ctx, "http://"+loopback(p.KustomizeHealth)+"/readyz", nil, http.StatusOK, "")
	}
	return fmt.Errorf("no health probe for %s", name)
}

// registryTLS logs in with the first registry user whose password the
// sandbox knows, the env file's user first: a credential-rotation test may
// have removed that one, and the registry is still healthy then.
func (pr prober) registryTLS(ctx context.Context) error {
	users, err := knownRegistryUsers(pr.l)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return fmt.Errorf("no user in %s has a password file", pr.l.registryHtpasswd())
	}
	var first error
	for _, user := range users {
		password, err := os.ReadFile(pr.l.registryPasswordFile(user))
		if err == nil {
			err = pr.registryLogin(ctx, user, string(password))
		}
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// registryLogin GETs /v2/ of the TLS registry as user.
func (pr prober) registryLogin(ctx context.Context, user, password string) error {
	caPEM, err := os.ReadFile(pr.l.registryCA())
	if err != nil {
		return fmt.Errorf("reading the registry CA: %w", err)
	}
	return pr.getTLS(ctx, "https://"+loopback(pr.ports.RegistryTLS)+"/v2/", caPEM, func(r *http.Request) {
		r.SetBasicAuth(user, password)
	}, http.StatusOK, "")
}

// api GETs path from the API server as the sandbox admin.
func (pr prober) api(ctx context.Context, path string, into any) error {
	caPEM, err := os.ReadFile(pr.l.pki("ca.crt"))
	if err != nil {
		return fmt.Errorf("reading the cluster CA: %w", err)
	}
	token, err := os.ReadFile(pr.l.tokenPath())
	if err != nil {
		return fmt.Errorf("reading the admin token: %w", err)
	}
	body, err := pr.fetch(ctx, "https://"+loopback(pr.ports.APIServer)+path, caPEM, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+string(token))
	}, http.StatusOK)
	if err != nil || into == nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}

func (pr prober) nodeReady(ctx context.Context) error {
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status, Reason string }
		}
	}
	if err := pr.api(ctx, "/api/v1/nodes/"+FakeNodeName, &node); err != nil {
		return fmt.Errorf("node %s: %w", FakeNodeName, err)
	}
	for _, c := range node.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			return nil
		}
	}
	return fmt.Errorf("node %s is not Ready yet", FakeNodeName)
}

// get fetches url; https URLs without a CA skip verification: the control
// plane's own self-signed health endpoints, on loopback only.
func (pr prober) get(ctx context.Context, url string, auth func(*http.Request), want int, contains string) error {
	return pr.getTLS(ctx, url, nil, auth, want, contains)
}

func (pr prober) getTLS(ctx context.Context, url string, caPEM []byte, auth func(*http.Request), want int, contains string) error {
	body, err := pr.fetch(ctx, url, caPEM, auth, want)
	if err != nil {
		return err
	}
	if !strings.Contains(string(body), contains) {
		return fmt.Errorf("GET %s: answer lacks %q", url, contains)
	}
	return nil
}

func (pr prober) fetch(ctx context.Context, url string, caPEM []byte, auth func(*http.Request), want int) ([]byte, error) {
	tlsConfig := &tls.Config{InsecureSkipVerify: caPEM == nil} //nolint:gosec // loopback health only
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("GET %s: no certificate in the CA file", url)
		}
		tlsConfig.RootCAs = pool
	}
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		TLSClientConfig: tlsConfig, Proxy: nil, DisableKeepAlives: true,
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if auth != nil {
		auth(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the answer: %w", url, err)
	}
	if resp.StatusCode != want {
		return nil, &statusError{url: url, code: resp.StatusCode,
			text: fmt.Sprintf("%s: %s", resp.Status, firstLine(string(body)))}
	}
	return body, nil
}

// statusError is an answer with an unexpected status, which callers tell
// apart from a registry that does not answer at all.
type statusError struct {
	url  string
	code int
	text string
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.text) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
