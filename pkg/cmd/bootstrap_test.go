package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
	"github.com/flux-oci/kubectl-flux-oci/pkg/signing/notationtest"
)

func exportArgs(extra ...string) []string {
	return append([]string{"bootstrap", "--export",
		"--url", "oci://registry.example.com/flux-manifests:prod",
		"--cluster-url", "oci://registry.example.com/fleet:prod", "--cluster-path", "clusters/prod"}, extra...)
}

// Each flag lands in the exported objects where Flux reads it.
func TestBootstrapFlagsInExport(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o600)
	kz := filepath.Join("..", "..", "testdata", "components", "kustomization.yaml")
	cases := []struct {
		flags []string
		want  []string
		not   []string
	}{
		{nil, []string{"name: flux-components", "name: flux-system", "path: ./flux-system", "path: clusters/prod",
			"tag: prod", "interval: 1m0s", "image: ghcr.io/fluxcd/source-controller:v1.9.5", "kind: NetworkPolicy",
			"retryInterval: 5m0s", "prune: true", "Artifact oci://registry.example.com/flux-manifests:prod"}, nil},
		{[]string{"--username", "ci", "--password", "s3cret"}, []string{"name: flux-components\n  namespace: flux-system\ntype: kubernetes.io/dockerconfigjson", "UkVEQUNURUQ="}, []string{"s3cret"}},
		{[]string{"--cluster-semver", ">=1.0.0"}, []string{"semver: '>=1.0.0'"}, nil},
		{[]string{"--ca-file", ca}, []string{"certSecretRef:\n    name: flux-components-ca", "name: flux-system-ca"}, nil},
		{[]string{"--allow-insecure-http"}, []string{"insecure: true"}, nil},
		{[]string{"--provider", "aws"}, []string{"provider: aws"}, []string{"kind: Secret"}},
		{[]string{"--interval", "5m"}, []string{"interval: 5m0s"}, nil},
		{[]string{"-n", "gitless"}, []string{"namespace: gitless", "name: gitless"}, []string{"namespace: flux-system"}},
		{[]string{"--version", "v2.9.4"}, []string{"source-controller:v1.9.4", "Flux v2.9.4"}, nil},
		{[]string{"--registry", "mirror.example.com/flux"}, []string{"image: mirror.example.com/flux/kustomize-controller:"}, nil},
		{[]string{"--components-extra", "image-reflector-controller"}, []string{"image-reflector-controller:v1.2.5"}, nil},
		{[]string{"--components", "source-controller,kustomize-controller"}, nil, []string{"helm-controller:"}},
		{[]string{"--image-pull-secret", "regcred"}, []string{"imagePullSecrets:\n      - name: regcred"}, nil},
		{[]string{"--network-policy=false"}, nil, []string{"kind: NetworkPolicy"}},
		{[]string{"--watch-all-namespaces=false"}, []string{"--watch-all-namespaces=false"}, nil},
		{[]string{"--cluster-domain", "corp.internal"}, []string{".svc.corp.internal."}, nil},
		{[]string{"--log-level", "debug"}, []string{"--log-level=debug"}, nil},
		{[]string{"--toleration-keys", "dedicated"}, []string{"key: dedicated"}, nil},
		{[]string{"--verify-provider", "cosign", "--verify-secret-ref", "cosign-pub"}, []string{"verify:\n    provider: cosign\n    secretRef:\n      name: cosign-pub"}, nil},
		{[]string{"--verify-provider", "cosign", "--verify-subject", "^https://github.com/org/.*$", "--verify-issuer", "^https://token.actions.githubusercontent.com$"}, []string{"matchOIDCIdentity:"}, nil},
		{[]string{"--kustomization", kz}, []string{"memory: 2Gi", "patches/source-controller-resources.yaml"}, nil},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.flags, " "), func(t *testing.T) {
			r := run(t, "", exportArgs(c.flags...)...).mustSucceed(t)
			for _, w := range c.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("export lacks %q", w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(r.stdout, n) {
					t.Errorf("export contains %q", n)
				}
			}
		})
	}
}

func TestBootstrapUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bootstrap", "--export"}, "--url and --cluster-url are required"},
		{exportArgs("--url", "oci://r.example.com/flux"), "--url"},
		{exportArgs("--cluster-url", "r.example.com/fleet:x"), "--cluster-url"},
		{exportArgs("--version", "v1.0.0"), "--version v1.0.0 is not embedded"},
		{exportArgs("--components", "source-controller"), "kustomize-controller"},
		{exportArgs("--verify-provider", "pgp"), "--verify-provider"},
		{exportArgs("--kustomization", "/nope.yaml"), "--kustomization"},
		{exportArgs("--pull-username", "reader"), "--pull-password"},
		{exportArgs("--dry-run"), "exclusive"},
		{exportArgs("--log-level", "loud"), "--log-level"},
	}
	for _, c := range cases {
		r := run(t, "", c.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// Pull-only credentials go to the cluster; the push ones never do.
func TestBootstrapStoredCredentials(t *testing.T) {
	f := newBootstrapFlags()
	f.url, f.clusterURL = "oci://r.example.com/flux:x", "oci://r.example.com/fleet:x"
	f.registry.Username, f.registry.Password = "writer", "w-secret"
	f.pullUsername, f.pullPassword = "reader", "r-secret"
	o, err := f.toOptions(t.Context(), strings.NewReader(""), "flux-system", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, reg := range []string{"components", "cluster"} {
		pull := o.ComponentsRegistry.Pull
		if reg == "cluster" {
			pull = o.ClusterRegistry.Pull
		}
		if pull == nil || pull.Username != "reader" || pull.Password != "r-secret" {
			t.Errorf("%s pull credentials = %+v, want the read-only ones", reg, pull)
		}
	}

	f = newBootstrapFlags()
	f.url, f.clusterURL = "oci://r.example.com/flux:x", "oci://other.example.com/fleet:x"
	f.registry.Username, f.registry.Password = "writer", "w-secret"
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	o, err = f.toOptions(t.Context(), strings.NewReader(""), "flux-system", true)
	if err != nil {
		t.Fatal(err)
	}
	if o.ComponentsRegistry.Pull == nil || o.ComponentsRegistry.Pull.Username != "writer" {
		t.Errorf("without --pull-username the push credentials are stored: %+v", o.ComponentsRegistry.Pull)
	}
	if o.ClusterRegistry.Pull != nil {
		t.Errorf("another registry got --url's credentials: %+v", o.ClusterRegistry.Pull)
	}
}

func TestBootstrapVerifyKeyInExport(t *testing.T) {
	pair, err := signing.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pub, key := filepath.Join(dir, "cosign.pub"), filepath.Join(dir, "cosign.key")
	os.WriteFile(pub, pair.Public, 0o600)
	os.WriteFile(key, pair.Private, 0o600)
	for _, flags := range [][]string{{"--verify-key", pub}, {"--sign", "cosign", "--key", key}} {
		t.Setenv(KeyPasswordEnv, "pw")
		r := run(t, "", exportArgs(flags...)...).mustSucceed(t)
		for _, w := range []string{"name: flux-verify", "cosign.pub: ", "verify:\n    provider: cosign\n    secretRef:\n      name: flux-verify"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: export lacks %q", flags, w)
			}
		}
	}
	bad := run(t, "", exportArgs("--verify-key", pub, "--verify-secret-ref", "mine")...)
	if bad.code != ExitUsage || !strings.Contains(bad.stderr, "exclusive") {
		t.Errorf("--verify-key with --verify-secret-ref: exit %d %s", bad.code, bad.stderr)
	}
	t.Setenv(KeyPasswordEnv, "wrong")
	if r := run(t, "", exportArgs("--sign", "cosign", "--key", key)...); r.code == 0 {
		t.Error("a wrong key password was accepted")
	}
}

func TestBootstrapNotationInExport(t *testing.T) {
	ca := notationtest.NewCA(t, "e2e CA")
	files := ca.Issue(t, "flux-oci signer", notationtest.LeafOptions{}).Write(t, ca)
	for _, flags := range [][]string{{"--sign", "notation", "--key", files.Key, "--cert", files.Chain}, {"--verify-notation-ca", files.CA}} {
		r := run(t, "", exportArgs(flags...)...).mustSucceed(t)
		for _, w := range []string{"name: flux-verify", "trustpolicy.json: ", "ca.crt: ", "verify:\n    provider: notation\n    secretRef:\n      name: flux-verify"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: export lacks %q", flags, w)
			}
		}
	}
	if r := run(t, "", exportArgs("--sign", "notation", "--key", files.Key)...); r.code != ExitUsage || !strings.Contains(r.stderr, "--cert") {
		t.Errorf("--sign notation without --cert: exit %d %s", r.code, r.stderr)
	}
}
