//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/flux-oci/kubectl-flux-oci/hack/sandbox"
)

// The RFC's story 5: a second registry user, rotate Flux to it, remove the
// first user, and Flux keeps pulling; a wrong password changes nothing.
func TestRotateSecret(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	ctx := context.Background()
	tag := "rotate-" + time.Now().UTC().Format("150405")
	mustSucceed(t, "bootstrap", bootstrapRun(t, tag))
	original := registryPassword(t)
	const second, secondPass = "e2e-rotated", "n3w-rotated-pass"
	if err := testBed.sb.AddRegistryUser(ctx, second, secondPass); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Put the sandbox back: the original user, as other tests expect.
		if err := testBed.sb.AddRegistryUser(ctx, sandbox.RegistryUser, original); err != nil {
			t.Errorf("restoring %s: %v", sandbox.RegistryUser, err)
		}
		mustSucceed(t, "bootstrap back to the original user", bootstrapRun(t, tag))
	}()
	secretBefore := kubectl(t, "get", "-n", "flux-system", "secret/flux-components", "-o", "jsonpath={.data.\\.dockerconfigjson}")

	bad := runCmd(t, "wr0ng", "kubectl", "flux-oci", "rotate-secret", "--username", second, "--password-stdin")
	if bad.err == nil || !strings.Contains(bad.stderr, "refused the new credentials") || !strings.Contains(bad.stderr, "nothing was changed") {
		t.Fatalf("a wrong password: %v\n%s", bad.err, bad.stderr)
	}
	if strings.Contains(bad.stderr, "wr0ng") {
		t.Fatal("the wrong password was printed")
	}
	if now := kubectl(t, "get", "-n", "flux-system", "secret/flux-components", "-o", "jsonpath={.data.\\.dockerconfigjson}"); now != secretBefore {
		t.Fatal("a refused rotation changed the Secret")
	}

	res := mustSucceed(t, "rotate-secret", runCmd(t, secondPass, "kubectl", "flux-oci", "rotate-secret", "--username", second, "--password-stdin"))
	if strings.Contains(res.stdout+res.stderr, secondPass) {
		t.Fatal("the new password was printed")
	}
	raw := kubectl(t, "get", "-n", "flux-system", "secret/flux-components", "-o", "jsonpath={.data.\\.dockerconfigjson}")
	config, _ := base64.StdEncoding.DecodeString(raw)
	if !strings.Contains(string(config), `"username":"`+second+`"`) {
		t.Fatalf("the Secret does not hold the new user")
	}
	// With the first user gone, Flux must still fetch: it uses the new one.
	if err := testBed.sb.RemoveRegistryUser(ctx, sandbox.RegistryUser); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"flux-components", "flux-system"} {
		token := time.Now().Format(time.RFC3339Nano)
		kubectl(t, "annotate", "--overwrite", "-n", "flux-system", "ocirepository/"+name, "reconcile.fluxcd.io/requestedAt="+token)
		kubectl(t, "wait", "-n", "flux-system", "ocirepository/"+name, "--timeout=60s", "--for=jsonpath={.status.lastHandledReconcileAt}="+token)
		kubectl(t, "wait", "-n", "flux-system", "ocirepository/"+name, "--timeout=30s", "--for=condition=Ready")
	}
}
