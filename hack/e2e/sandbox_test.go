//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestSandbox checks the test bed itself, so a broken sandbox is told apart
// from a broken plugin: the fake node is Ready, a Deployment becomes
// Available, both registries answer, and the TLS one demands credentials.
func TestSandbox(t *testing.T) {
	dumpOnFailure(t)
	kubectl(t, "wait", "--for=condition=Ready", "node/kwok-node-0", "--timeout=30s")
	kubectl(t, "create", "namespace", "e2e-sandbox")
	t.Cleanup(func() { runCmd(t, "", "kubectl", "delete", "namespace", "e2e-sandbox", "--wait=false") })
	kubectl(t, "create", "deployment", "probe", "-n", "e2e-sandbox", "--image=registry.invalid/probe:1")
	kubectl(t, "wait", "-n", "e2e-sandbox", "--for=condition=Available", "deployment/probe", "--timeout=60s")

	resp, err := http.Get("http://" + testBed.env["SANDBOX_REGISTRY_PLAIN"] + "/v2/")
	if err != nil {
		t.Fatalf("plain registry: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("plain registry /v2/: %s, want 200", resp.Status)
	}
	caPEM, err := os.ReadFile(testBed.env["SANDBOX_REGISTRY_CA"])
	if err != nil {
		t.Fatalf("reading the registry CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err = client.Get("https://" + testBed.env["SANDBOX_REGISTRY_TLS"] + "/v2/")
	if err != nil {
		t.Fatalf("TLS registry with the sandbox CA: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("TLS registry /v2/ without credentials: %s, want 401", resp.Status)
	}
	// The pinned kubectl is the one on PATH.
	if out := kubectl(t, "version", "--client"); !strings.Contains(out, "v1.36.3") {
		t.Fatalf("kubectl on PATH is not the pinned v1.36.3:\n%s", out)
	}
}

// TestPluginVersion runs `kubectl flux-oci version`: kubectl finds the plugin.
func TestPluginVersion(t *testing.T) {
	requirePlugin(t)
	res := runCmd(t, "", "kubectl", "flux-oci", "version")
	if res.err != nil || strings.TrimSpace(res.stdout) == "" {
		t.Fatalf("kubectl flux-oci version: %v\nstdout: %q\nstderr: %s", res.err, res.stdout, res.stderr)
	}
}
