//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

// Issue 7 on the real source-controller: bootstrap signs both artifacts
// and both sources verify them; an unsigned fleet over the signed tag is
// refused and not applied; signing it fixes that.
func TestSignedBootstrap(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	step := stepTimer(t)
	const keyPassword = "e2e-k3y-pass"
	pair, err := signing.GenerateKeyPair([]byte(keyPassword))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "cosign.key")
	os.WriteFile(key, pair.Private, 0o600)
	t.Setenv("COSIGN_PASSWORD", keyPassword)
	tag := "signed-" + time.Now().UTC().Format("150405")
	defer func() {
		// Leave the sources without spec.verify for the other tests.
		mustSucceed(t, "bootstrap without signing", bootstrapRun(t, tag))
	}()

	res := mustSucceed(t, "bootstrap --sign", bootstrapRun(t, tag, "--sign", "cosign", "--key", key))
	if strings.Contains(res.stdout+res.stderr, keyPassword) {
		t.Fatal("the key password was printed")
	}
	for _, name := range []string{"flux-components", "flux-system"} {
		kubectl(t, "wait", "-n", "flux-system", "ocirepository/"+name, "--for=condition=SourceVerified", "--timeout=60s")
	}
	step("both sources verified")

	reg := testBed.env["SANDBOX_REGISTRY_TLS"]
	pushArgs := []string{"--ca-file", testBed.env["SANDBOX_REGISTRY_CA"], "--username", testBed.env["SANDBOX_REGISTRY_USER"], "--password-stdin"}
	url := "oci://" + reg + "/fleet:" + tag
	pushed := mustSucceed(t, "push unsigned fleet", runCmd(t, registryPassword(t), "kubectl",
		append([]string{"flux-oci", "push", url, "--path", filepath.Join(testBed.root, "testdata", "fleet")}, pushArgs...)...))
	digest := digestPattern.FindString(pushed.stdout)
	token := time.Now().Format(time.RFC3339Nano)
	kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/flux-system", "reconcile.fluxcd.io/requestedAt="+token)
	kubectl(t, "wait", "-n", "flux-system", "ocirepository/flux-system", "--timeout=60s", "--for=jsonpath={.status.lastHandledReconcileAt}="+token)
	kubectl(t, "wait", "-n", "flux-system", "ocirepository/flux-system", "--timeout=30s", "--for=condition=SourceVerified=False")
	if applied := kubectl(t, "get", "-n", "flux-system", "kustomization/flux-system", "-o", "jsonpath={.status.lastAppliedRevision}"); strings.Contains(applied, digest) {
		t.Fatalf("Flux applied the unsigned revision %s", applied)
	}
	step("unsigned fleet refused")

	mustSucceed(t, "sign the fleet", runCmd(t, registryPassword(t), "kubectl",
		append([]string{"flux-oci", "sign", url, "--key", key}, pushArgs...)...))
	kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/flux-system", "reconcile.fluxcd.io/requestedAt="+time.Now().Format(time.RFC3339Nano))
	waitApplied(t, "flux-system", tag+"@"+digest)
	kubectl(t, "wait", "-n", "flux-system", "ocirepository/flux-system", "--for=condition=SourceVerified", "--timeout=30s")
	step("signed fleet applied")
}
