//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The cluster holds a read-only user's credentials while the CLI pushes
// with the write user's, and Flux pulls with them.
func TestBootstrapPullOnlyCredentials(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	const reader, readerPass = "e2e-reader", "r3ad-only-pass"
	if err := testBed.sb.AddRegistryUser(context.Background(), reader, readerPass); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OCI_PULL_PASSWORD", readerPass)
	tag := "pull-" + time.Now().UTC().Format("150405")
	res := mustSucceed(t, "bootstrap with --pull-username", bootstrapRun(t, tag, "--pull-username", reader))
	if strings.Contains(res.stdout+res.stderr, readerPass) {
		t.Fatal("the pull password was printed")
	}
	raw := kubectl(t, "get", "-n", "flux-system", "secret/flux-components", "-o", "jsonpath={.data.\\.dockerconfigjson}")
	config, _ := base64.StdEncoding.DecodeString(raw)
	if !strings.Contains(string(config), `"username":"`+reader+`"`) || strings.Contains(string(config), testBed.env["SANDBOX_REGISTRY_USER"]) {
		t.Errorf("the cluster Secret does not hold only the pull user: %s", redactJSON(config))
	}
	for _, obj := range []string{"ocirepository/flux-components", "ocirepository/flux-system"} {
		kubectl(t, "wait", "-n", "flux-system", obj, "--for=condition=Ready", "--timeout=60s")
	}
}

func redactJSON(b []byte) string {
	return strings.NewReplacer(`"password":"`, `"password":"<redacted>`, `"auth":"`, `"auth":"<redacted>`).Replace(string(b))
}

// The registry dies in the middle of a bootstrap: the error says so, and a
// re-run once it is back completes the job.
func TestBootstrapRegistryDownMidRun(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	tag := "down-" + time.Now().UTC().Format("150405")
	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	args := []string{"flux-oci", "bootstrap", "--url", "oci://" + reg + "/flux-manifests:" + tag,
		"--cluster-url", "oci://" + reg + "/fleet:" + tag, "--cluster-path", "clusters/sandbox",
		"--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin",
		"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--timeout", "1m"}
	cmd := exec.Command("kubectl", args...)
	cmd.Stdin = strings.NewReader(registryPassword(t))
	var stdout, stderrCopy bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := testBed.sb.StartComponent(context.Background(), "registry-tls"); err != nil {
			t.Errorf("restarting the registry: %v", err)
		}
	}()
	stopped := false
	lines := bufio.NewScanner(pipe)
	for lines.Scan() {
		stderrCopy.WriteString(lines.Text() + "\n")
		// Between applying the controllers and pushing their artifact.
		if !stopped && strings.Contains(lines.Text(), "applying the Flux") {
			if err := testBed.sb.StopComponent("registry-tls"); err != nil {
				t.Fatal(err)
			}
			stopped = true
		}
	}
	err = cmd.Wait()
	if !stopped {
		t.Fatalf("bootstrap never reached the apply step:\n%s", stderrCopy.String())
	}
	if err == nil || !strings.Contains(stderrCopy.String(), "connection refused") {
		t.Fatalf("want a failure naming the refused connection, got %v:\n%s", err, stderrCopy.String())
	}
	if !strings.Contains(stderrCopy.String(), "pushing") {
		t.Errorf("the error does not say which step failed:\n%s", stderrCopy.String())
	}
	if err := testBed.sb.StartComponent(context.Background(), "registry-tls"); err != nil {
		t.Fatal(err)
	}
	again := mustSucceed(t, "bootstrap after the registry is back", bootstrapRun(t, tag))
	if !strings.Contains(again.stdout, "pushed  oci://") {
		t.Errorf("the re-run did not push the components:\n%s", again.stdout)
	}
	kubectl(t, "wait", "-n", "flux-system", "kustomization/flux-components", "--for=condition=Ready", "--timeout=60s")
}

// When Flux cannot get ready, bootstrap says why: the conditions of what
// is not ready, not only that time ran out.
func TestBootstrapTimeoutShowsConditions(t *testing.T) {
	requirePlugin(t)
	tag := "timeout-" + time.Now().UTC().Format("150405")
	mustSucceed(t, "bootstrap", bootstrapRun(t, tag))
	// The seed holds clusters/sandbox only: this path cannot be built.
	res := bootstrapRun(t, tag, "--cluster-path", "clusters/does-not-exist", "--timeout", "20s")
	if res.err == nil {
		t.Fatalf("bootstrap succeeded with a missing --cluster-path:\n%s", res.stderr)
	}
	for _, want := range []string{"timed out waiting for", "Kustomization/flux-system/flux-system", "path not found"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("timeout error lacks %q:\n%s", want, res.stderr)
		}
	}
	// Put flux-system back on the path the other tests use.
	mustSucceed(t, "bootstrap back to clusters/sandbox", bootstrapRun(t, tag))
}
