package syncgen

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

func render(t *testing.T, s Sync) string {
	t.Helper()
	objs, err := Objects(s)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != got {
		t.Errorf("%s differs (go test ./pkg/syncgen -update):\n%s", name, got)
	}
}

func TestComponentsSyncWithEveryOption(t *testing.T) {
	s := Sync{
		Name: "flux-components", Namespace: "flux-system",
		URL: "oci://registry.example.com/flux-manifests", Tag: "production",
		SourceInterval: time.Minute, Interval: time.Hour, RetryInterval: 5 * time.Minute,
		Path: "./flux-system", Prune: true, Wait: true, Timeout: 5 * time.Minute,
		SecretName:  "flux-components",
		Credentials: &Credentials{Registry: "registry.example.com", Username: "puller", Password: "read-only"},
		CA:          []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		Insecure:    false,
		Verify:      &Verify{Provider: "cosign", SecretRef: "cosign-pub"},
	}
	golden(t, "sync-components.yaml", render(t, s))
}

func TestClusterSyncWithWorkloadIdentityAndSemver(t *testing.T) {
	s := Sync{
		Name: "flux-system", Namespace: "flux-system",
		URL: "oci://123.dkr.ecr.us-west-2.amazonaws.com/fleet", Tag: "ignored", SemVer: ">=1.0.0",
		SourceInterval: time.Minute, Interval: 10 * time.Minute, Path: "clusters/production", Prune: true,
		Provider: "aws", SecretName: "would-be-ignored",
	}
	out := render(t, s)
	if strings.Contains(out, "secretRef") || strings.Contains(out, "kind: Secret") {
		t.Errorf("workload identity must not reference or create a Secret:\n%s", out)
	}
	golden(t, "sync-cluster-aws.yaml", out)
}

func TestDockerConfigJSON(t *testing.T) {
	var cfg struct {
		Auths map[string]struct{ Username, Password, Auth string }
	}
	if err := json.Unmarshal(DockerConfigJSON(Credentials{Registry: "127.0.0.1:5000", Username: "u", Password: "p:w"}), &cfg); err != nil {
		t.Fatal(err)
	}
	e := cfg.Auths["127.0.0.1:5000"]
	dec, _ := base64.StdEncoding.DecodeString(e.Auth)
	if e.Username != "u" || e.Password != "p:w" || string(dec) != "u:p:w" {
		t.Errorf("entry = %+v (auth %q)", e, dec)
	}
}
