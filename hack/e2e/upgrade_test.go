//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

func upgradeRun(t *testing.T, tag string, extra ...string) result {
	t.Helper()
	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	args := append([]string{"flux-oci", "upgrade", "--url", "oci://" + reg + "/flux-manifests:" + tag,
		"--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin",
		"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--timeout", "2m"}, extra...)
	return runCmd(t, registryPassword(t), "kubectl", args...)
}

// The RFC's story 4: bootstrap an older Flux, then upgrade it from the
// registry; Flux rolls its controllers to the new images.
func TestUpgrade(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	step := stepTimer(t)
	tag := "upgrade-" + time.Now().UTC().Format("150405")
	mustSucceed(t, "bootstrap v2.9.4", bootstrapRun(t, tag, "--version", "v2.9.4"))
	image := func() string {
		return kubectl(t, "get", "-n", "flux-system", "deployment/source-controller", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
	}
	if !strings.HasSuffix(image(), ":v1.9.4") {
		t.Fatalf("bootstrap --version v2.9.4 runs %s", image())
	}
	step("bootstrapped Flux v2.9.4")

	dry := mustSucceed(t, "upgrade --dry-run", upgradeRun(t, tag, "--dry-run"))
	for _, want := range []string{"flux: v2.9.4 -> v2.9.5", "source-controller:v1.9.4 -> ", "source-controller:v1.9.5", "would push"} {
		if !strings.Contains(dry.stdout, want) {
			t.Errorf("--dry-run lacks %q:\n%s", want, dry.stdout)
		}
	}
	step("dry run shows the image changes")

	// Someone moved the tag since the digest we expect: upgrade stops and
	// pushes no tag.
	before := digestPattern.FindString(dry.stdout[strings.Index(dry.stdout, "and move"):])
	moved := upgradeRun(t, tag, "--expect-digest", "sha256:"+strings.Repeat("0", 64))
	if moved.err == nil || !strings.Contains(moved.stderr, "it was moved") {
		t.Errorf("a moved tag did not stop upgrade: %v\n%s", moved.err, moved.stderr)
	}

	up := mustSucceed(t, "upgrade --wait", upgradeRun(t, tag, "--wait", "--expect-digest", before))
	for _, want := range []string{"upgraded:", "running:", "source-controller: source-controller:v1.9.5", "kustomize-controller: kustomize-controller:v1.9.5"} {
		if !strings.Contains(up.stdout, want) {
			t.Errorf("upgrade --wait lacks %q:\n%s", want, up.stdout)
		}
	}
	if !strings.HasSuffix(image(), ":v1.9.5") {
		t.Errorf("after upgrade the cluster runs %s", image())
	}
	kubectl(t, "wait", "-n", "flux-system", "deployment/source-controller", "--for=condition=Available", "--timeout=60s")
	step("Flux rolled its controllers to v2.9.5")

	again := mustSucceed(t, "upgrade again", upgradeRun(t, tag))
	if !strings.Contains(again.stdout, "nothing to do") {
		t.Errorf("a second upgrade did something:\n%s", again.stdout)
	}
}
