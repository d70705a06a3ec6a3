//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// scenario is one registry the plugin pushes to and Flux pulls from.
type scenario struct {
	name     string // Flux object names and app namespace suffix
	registry string // host:port
	fixture  string // flux/*.yaml
	// pushArgs are the registry flags of `kubectl flux-oci push`; stdin is
	// what the plugin reads (the password with --password-stdin).
	pushArgs []string
	stdin    string
	// secrets applies what the Flux objects reference, if anything.
	secrets func(t *testing.T, name string)
}

// TestPushTLSRegistry pushes with --ca-file and basic auth to the HTTPS
// registry; Flux pulls with a dockerconfigjson Secret and a CA Secret.
func TestPushTLSRegistry(t *testing.T) {
	env := testBed.env
	password, err := os.ReadFile(env["SANDBOX_REGISTRY_PASSWORD_FILE"])
	if err != nil {
		t.Fatalf("reading the registry password: %v", err)
	}
	ca, err := os.ReadFile(env["SANDBOX_REGISTRY_CA"])
	if err != nil {
		t.Fatalf("reading the registry CA: %v", err)
	}
	registry, user := env["SANDBOX_REGISTRY_TLS"], env["SANDBOX_REGISTRY_USER"]
	runScenario(t, scenario{
		name: "e2e-tls", registry: registry, fixture: "oci-tls.yaml",
		pushArgs: []string{"--ca-file", env["SANDBOX_REGISTRY_CA"], "--username", user, "--password-stdin"},
		stdin:    string(password) + "\n",
		secrets: func(t *testing.T, name string) {
			applySecret(t, name+"-auth", "kubernetes.io/dockerconfigjson",
				map[string][]byte{".dockerconfigjson": dockerConfigJSON(t, registry, user, string(password))})
			applySecret(t, name+"-ca", "Opaque", map[string][]byte{"ca.crt": ca})
		},
	})
}

// TestPushPlainRegistry pushes to the plain-HTTP registry without auth;
// Flux pulls with spec.insecure.
func TestPushPlainRegistry(t *testing.T) {
	runScenario(t, scenario{name: "e2e-plain", registry: testBed.env["SANDBOX_REGISTRY_PLAIN"], fixture: "oci-plain.yaml"})
}

// runScenario: push revision 1 and see Flux deploy it, then push revision 2
// (no ConfigMap) to the same tag and see Flux apply it and prune.
func runScenario(t *testing.T, sc scenario) {
	dumpOnFailure(t)
	requirePlugin(t)
	vars := map[string]string{
		"NAME": sc.name, "NAMESPACE": sc.name + "-app", "TAG": "latest",
		"URL": "oci://" + sc.registry + "/e2e/" + sc.name,
	}
	ref := vars["URL"] + ":" + vars["TAG"]
	t.Cleanup(func() {
		begin := time.Now()
		cleanupFlux(t, sc.name, vars["NAMESPACE"])
		t.Logf("cleaned up (%s)", time.Since(begin).Round(time.Millisecond))
	})

	step := stepTimer(t)
	digest := push(t, sc, ref, renderDir(t, fixture("app-v1"), vars))
	step("pushed revision 1 " + digest)
	if sc.secrets != nil {
		sc.secrets(t, sc.name)
	}
	kubectlApplyFile(t, fixture("flux", sc.fixture), vars)
	waitApplied(t, sc.name, vars["TAG"]+"@"+digest)
	ns := vars["NAMESPACE"]
	kubectl(t, "wait", "-n", ns, "--for=condition=Available", "deployment/app", "--timeout=60s")
	step("Flux applied revision 1")
	if got := kubectl(t, "get", "-n", ns, "configmap/app-settings", "-o", "jsonpath={.data.greeting}"); got != "hello from revision 1" {
		t.Fatalf("ConfigMap greeting = %q, want revision 1's", got)
	}

	digest2 := push(t, sc, ref, renderDir(t, fixture("app-v2"), vars))
	step("pushed revision 2 " + digest2)
	if digest2 == digest {
		t.Fatalf("revision 2 has the digest of revision 1 (%s)", digest)
	}
	kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/"+sc.name,
		"reconcile.fluxcd.io/requestedAt="+time.Now().Format(time.RFC3339Nano))
	waitApplied(t, sc.name, vars["TAG"]+"@"+digest2)
	kubectl(t, "wait", "-n", ns, "--for=delete", "configmap/app-settings", "--timeout=60s")
	if got := kubectl(t, "get", "-n", ns, "deployment/app", "-o", `jsonpath={.metadata.annotations.e2e\.flux-oci\.dev/revision}`); got != "2" {
		t.Fatalf("Deployment revision annotation = %q, want 2", got)
	}
	kubectl(t, "wait", "-n", ns, "--for=condition=Available", "deployment/app", "--timeout=60s")
	step("Flux applied revision 2 and pruned the ConfigMap")
}

// stepTimer logs how long each step took, to spot a slow part in CI logs.
func stepTimer(t *testing.T) func(what string) {
	last := time.Now()
	return func(what string) {
		t.Helper()
		t.Logf("%s (%s)", what, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}
}

var digestPattern = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// push runs `kubectl flux-oci push` and returns the digest it printed.
func push(t *testing.T, sc scenario, ref, dir string) string {
	t.Helper()
	args := append([]string{"flux-oci", "push", ref, "--path", dir}, sc.pushArgs...)
	res := runCmd(t, sc.stdin, "kubectl", args...)
	if res.err != nil {
		t.Fatalf("kubectl flux-oci push %s: %v\nstdout:\n%s\nstderr:\n%s", ref, res.err, res.stdout, res.stderr)
	}
	digest := digestPattern.FindString(res.stdout)
	if digest == "" {
		t.Fatalf("kubectl flux-oci push %s printed no digest on stdout: %q", ref, res.stdout)
	}
	return digest
}

// waitApplied waits until the OCIRepository has fetched revision and the
// Kustomization applied it and is Ready (wait: true means its objects are
// healthy too).
func waitApplied(t *testing.T, name, revision string) {
	t.Helper()
	kubectl(t, "wait", "-n", "flux-system", "ocirepository/"+name, "--timeout=90s",
		"--for=jsonpath={.status.artifact.revision}="+revision)
	kubectl(t, "wait", "-n", "flux-system", "kustomization/"+name, "--timeout=120s",
		"--for=jsonpath={.status.lastAppliedRevision}="+revision)
	kubectl(t, "wait", "-n", "flux-system", "kustomization/"+name, "--timeout=60s", "--for=condition=Ready")
}

func applySecret(t *testing.T, name, secretType string, data map[string][]byte) {
	t.Helper()
	encoded := map[string]string{}
	for k, v := range data {
		encoded[k] = base64.StdEncoding.EncodeToString(v)
	}
	secret, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": secretType, "data": encoded,
		"metadata": map[string]string{"name": name, "namespace": "flux-system"},
	})
	if err != nil {
		t.Fatalf("encoding Secret %s: %v", name, err)
	}
	// Through stdin, so the credentials never show in a process list.
	kubectlIn(t, string(secret), "apply", "--server-side", "--field-manager=e2e", "-f", "-")
}

func dockerConfigJSON(t *testing.T, registry, user, password string) []byte {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	data, err := json.Marshal(map[string]any{"auths": map[string]any{
		registry: map[string]string{"username": user, "password": password, "auth": auth},
	}})
	if err != nil {
		t.Fatalf("encoding the docker config: %v", err)
	}
	return data
}

// cleanupFlux deletes the Flux objects (prune removes the app) so a reused
// sandbox starts the next run clean.
func cleanupFlux(t *testing.T, name, namespace string) {
	for _, args := range [][]string{
		{"delete", "-n", "flux-system", "kustomization/" + name, "--ignore-not-found", "--timeout=60s"},
		{"delete", "-n", "flux-system", "ocirepository/" + name, "secret/" + name + "-auth", "secret/" + name + "-ca", "--ignore-not-found", "--timeout=60s"},
		{"delete", "namespace", namespace, "--ignore-not-found", "--timeout=60s"},
	} {
		if res := runCmd(t, "", "kubectl", args...); res.err != nil {
			t.Logf("cleanup: kubectl %s: %v: %s", strings.Join(args, " "), res.err, res.stderr)
		}
	}
}

func requirePlugin(t *testing.T) {
	t.Helper()
	if testBed.buildErr != nil {
		t.Fatalf("the plugin is not available: %v", testBed.buildErr)
	}
}
