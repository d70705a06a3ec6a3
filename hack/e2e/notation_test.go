//go:build e2e

package e2e

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

// notation as the second provider, on the real source-controller: both
// sources verify under a strict trust policy of the signer's CA, pinned to
// the signer's subject (notationtest names certificates C=US, ST=WA,
// O=kubectl-flux-oci tests, CN=…).
func TestNotationSignedBootstrap(t *testing.T) {
	requirePlugin(t)
	defer dumpOnFailure(t)
	ca := notationtest.NewCA(t, "flux-oci e2e CA")
	files := ca.Issue(t, "flux-oci e2e signer", notationtest.LeafOptions{}).Write(t, ca)
	tag := "notation-" + time.Now().UTC().Format("150405")
	defer func() {
		mustSucceed(t, "bootstrap without signing", bootstrapRun(t, tag))
	}()
	signer := "C=US, ST=WA, O=kubectl-flux-oci tests, CN=flux-oci e2e signer"
	res := mustSucceed(t, "bootstrap --sign notation", bootstrapRun(t, tag, "--sign", "notation", "--key", files.Key, "--cert", files.Chain, "--verify-notation-identity", signer))
	if !strings.Contains(res.stderr, "signed") {
		t.Errorf("no signing reported:\n%s", res.stderr)
	}
	for _, name := range []string{"flux-components", "flux-system"} {
		kubectl(t, "wait", "-n", "flux-system", "ocirepository/"+name, "--for=condition=SourceVerified", "--timeout=60s")
	}
	if got := kubectl(t, "get", "-n", "flux-system", "ocirepository/flux-system", "-o", "jsonpath={.spec.verify.provider}"); got != "notation" {
		t.Errorf("spec.verify.provider = %q", got)
	}
	raw := kubectl(t, "get", "-n", "flux-system", "secret/flux-verify", "-o", "jsonpath={.data.trustpolicy\\.json}")
	if policy, _ := base64.StdEncoding.DecodeString(raw); !strings.Contains(string(policy), "x509.subject: "+signer) {
		t.Errorf("the trust policy does not pin the signer: %s", policy)
	}
}
