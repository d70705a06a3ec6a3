//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// bootstrapRun calls `kubectl flux-oci bootstrap` against the TLS registry
// with basic auth read from stdin, plus extra flags.
func bootstrapRun(t *testing.T, tag string, extra ...string) result {
	t.Helper()
	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	args := append([]string{"flux-oci", "bootstrap",
		"--url", "oci://" + reg + "/flux-manifests:" + tag,
		"--cluster-url", "oci://" + reg + "/fleet:" + tag,
		"--cluster-path", "clusters/sandbox",
		"--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin",
		"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--timeout", "2m",
	}, extra...)
	return runCmd(t, registryPassword(t), "kubectl", args...)
}

func registryPassword(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(testBed.env["SANDBOX_REGISTRY_PASSWORD_FILE"])
	if err != nil {
		t.Fatalf("reading the registry password: %v", err)
	}
	return strings.TrimSpace(string(data))
}

func mustSucceed(t *testing.T, what string, res result) result {
	t.Helper()
	if res.err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", what, res.err, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, registryPassword(t)) {
		t.Fatalf("%s printed the registry password", what)
	}
	return res
}

var changedObject = regexp.MustCompile(`(?m)^  (created|configured) `)

// TestBootstrap is the RFC's story 1 on the sandbox: bootstrap from the TLS
// registry with a CA and basic auth, the real controllers reconcile both
// phases, a fleet pushed with the plugin is applied, a re-run changes
// nothing, and a field dropped from the components leaves the cluster.
func TestBootstrap(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	step := stepTimer(t)
	tag := "e2e-" + time.Now().UTC().Format("150405")
	patched := filepath.Join(testBed.root, "testdata", "components", "kustomization.yaml")

	out := mustSucceed(t, "bootstrap", bootstrapRun(t, tag, "--kustomization", patched))
	if !strings.Contains(out.stdout, "pushed  oci://") || !strings.Contains(out.stderr, "bootstrapped in") {
		t.Fatalf("unexpected bootstrap output:\n%s\n%s", out.stdout, out.stderr)
	}
	step("bootstrapped")
	for _, obj := range []string{"ocirepository/flux-components", "kustomization/flux-components", "ocirepository/flux-system", "kustomization/flux-system"} {
		kubectl(t, "wait", "-n", "flux-system", obj, "--for=condition=Ready", "--timeout=60s")
	}
	limit := kubectl(t, "get", "-n", "flux-system", "deployment/source-controller", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits.memory}")
	if limit != "2Gi" {
		t.Errorf("--kustomization patch not applied: memory limit %q", limit)
	}

	// The fleet: pushed with the plugin to --cluster-url, applied by Flux.
	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	pushed := mustSucceed(t, "push fleet", runCmd(t, registryPassword(t), "kubectl", "flux-oci", "push",
		"oci://"+reg+"/fleet:"+tag, "--path", filepath.Join(testBed.root, "testdata", "fleet"),
		"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin"))
	kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/flux-system", "reconcile.fluxcd.io/requestedAt="+time.Now().Format(time.RFC3339Nano))
	waitApplied(t, "flux-system", tag+"@"+digestPattern.FindString(pushed.stdout))
	kubectl(t, "wait", "-n", "podinfo", "deployment/podinfo", "--for=condition=Available", "--timeout=120s")
	step("fleet applied by Flux")

	// A re-run with the same inputs pushes nothing and changes nothing:
	// what kustomize-controller applied from the artifact is exactly what the
	// CLI applied.
	again := mustSucceed(t, "bootstrap again", bootstrapRun(t, tag, "--kustomization", patched))
	if changedObject.MatchString(again.stdout) || strings.Contains(again.stdout, "pushed ") {
		t.Errorf("re-run changed something:\n%s", again.stdout)
	}
	if !strings.Contains(again.stdout, "unchanged  oci://") || !strings.Contains(again.stdout, "exists  oci://") {
		t.Errorf("re-run did not report the artifacts unchanged:\n%s", again.stdout)
	}
	step("re-run is a no-op")

	// Without the patch, the field leaves the cluster once Flux has applied
	// the new components revision: ownership was handed over cleanly.
	mustSucceed(t, "bootstrap without the patch", bootstrapRun(t, tag))
	kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/flux-components", "reconcile.fluxcd.io/requestedAt="+time.Now().Format(time.RFC3339Nano))
	kubectl(t, "wait", "-n", "flux-system", "kustomization/flux-components", "--for=condition=Ready", "--timeout=60s")
	limit = kubectl(t, "get", "-n", "flux-system", "deployment/source-controller", "-o", "jsonpath={.spec.template.spec.containers[0].resources.limits.memory}")
	if limit == "2Gi" {
		t.Errorf("the dropped patch is still in the cluster (memory limit %q)", limit)
	}
	step("dropped field pruned")

	// --export contacts nothing and shows no credential; --dry-run reports
	// nothing to change.
	exp := mustSucceed(t, "bootstrap --export", bootstrapRun(t, tag, "--export"))
	for _, want := range []string{"kind: OCIRepository", "name: flux-components", "gotk-components.yaml", "UkVEQUNURUQ="} {
		if !strings.Contains(exp.stdout, want) {
			t.Errorf("--export lacks %q", want)
		}
	}
	dry := mustSucceed(t, "bootstrap --dry-run", bootstrapRun(t, tag, "--dry-run"))
	if changedObject.MatchString(dry.stdout) || !strings.Contains(dry.stderr, "nothing was changed") {
		t.Errorf("--dry-run on a bootstrapped cluster:\n%s\n%s", dry.stdout, dry.stderr)
	}
	step("export and dry run")
}

// Bad input fails before anything changes, with the flag named.
func TestBootstrapRefusesBadInput(t *testing.T) {
	requirePlugin(t)
	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"no tag", []string{"--url", "oci://" + reg + "/flux", "--cluster-url", "oci://" + reg + "/fleet:x"}, "", "--url"},
		{"not oci", []string{"--url", "https://" + reg + "/flux:x", "--cluster-url", "oci://" + reg + "/fleet:x"}, "", "oci://"},
		{"remote base", []string{"--url", "oci://" + reg + "/flux:x", "--cluster-url", "oci://" + reg + "/fleet:x",
			"--kustomization", fixture("bad-kustomization", "kustomization.yaml")}, "", "remote"},
		{"wrong password", []string{"--url", "oci://" + reg + "/flux-bad:x", "--cluster-url", "oci://" + reg + "/fleet-bad:x",
			"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin"}, "wrong", "401 Unauthorized"},
		{"unreachable registry", []string{"--url", "oci://127.0.0.1:1/flux:x", "--cluster-url", "oci://127.0.0.1:1/fleet:x"}, "", "connection refused"},
		{"unreachable cluster", []string{"--url", "oci://" + reg + "/flux:x", "--cluster-url", "oci://" + reg + "/fleet:x",
			"--server", "https://127.0.0.1:1"}, "", "the cluster is unreachable"},
		{"missing RBAC", []string{"--url", "oci://" + reg + "/flux:x", "--cluster-url", "oci://" + reg + "/fleet:x",
			"--as", "system:serviceaccount:default:nobody"}, "", "missing RBAC permissions: create customresourcedefinitions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCmd(t, c.stdin, "kubectl", append([]string{"flux-oci", "bootstrap", "-n", "e2e-never-created", "--cluster-path", "x"}, c.args...)...)
			if res.err == nil || !strings.Contains(res.stderr, c.want) {
				t.Errorf("exit %v, want a failure mentioning %q:\n%s", res.err, c.want, res.stderr)
			}
			if strings.Contains(res.stderr, "[5] applying") {
				t.Errorf("failed only after changing the cluster:\n%s", res.stderr)
			}
		})
	}
	if got := kubectl(t, "get", "namespace", "e2e-never-created", "--ignore-not-found", "-o", "name"); got != "" {
		t.Errorf("a failed bootstrap created %s", got)
	}
}
