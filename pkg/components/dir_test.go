package components

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		os.WriteFile(path, got, 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != string(got) {
		t.Errorf("%s differs from golden (go test ./pkg/components -update)", name)
	}
}

func generate(t *testing.T, o Options) []byte {
	t.Helper()
	if err := o.Validate(Versions()); err != nil {
		t.Fatal(err)
	}
	out, err := Generate(Manifests(), o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every flag lands where flux install puts it; the golden file holds the
// Namespace and Deployments (the CRDs are the upstream ones, unchanged).
func TestGenerateEveryOption(t *testing.T) {
	o := Defaults("v2.9.4")
	o.Namespace = "gitless"
	o.Components = append(DefaultComponents()[:2], "notification-controller", "image-reflector-controller")
	o.Registry = "registry.example.com/mirror/fluxcd/"
	o.ImagePullSecret = "regcred"
	o.NetworkPolicy = false
	o.WatchAllNamespaces = false
	o.ClusterDomain = "corp.internal"
	o.LogLevel = "debug"
	o.TolerationKeys = []string{"node-role.kubernetes.io/control-plane", "dedicated"}
	gotk := generate(t, o)
	if strings.Contains(string(gotk), "flux-system") {
		t.Error("-n gitless left a reference to flux-system (RBAC subjects?)")
	}
	dir, err := NewDir(gotk, "")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := dir.Build()
	if err != nil {
		t.Fatal(err)
	}
	var keep []*unstructured.Unstructured
	for _, obj := range objs {
		if k := obj.GetKind(); k == "Deployment" || k == "Namespace" {
			keep = append(keep, obj)
		}
		if obj.GetKind() == "NetworkPolicy" {
			t.Errorf("--network-policy=false still rendered %s", obj.GetName())
		}
		if ns := obj.GetNamespace(); ns != "" && ns != "gitless" {
			t.Errorf("%s/%s in namespace %s", obj.GetKind(), obj.GetName(), ns)
		}
	}
	out, err := Marshal("", keep)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"image: registry.example.com/mirror/fluxcd/source-controller:v1.9.4",
		"--events-addr=http://notification-controller.gitless.svc.corp.internal./",
		"source-controller.$(RUNTIME_NAMESPACE).svc.corp.internal.",
		"--watch-all-namespaces=false", "--log-level=debug", "name: regcred", "key: dedicated",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("rendered Deployments lack %q", want)
		}
	}
	golden(t, "components-options.yaml", out)
}

func TestDirLayersUserKustomization(t *testing.T) {
	dir, err := NewDir(generate(t, Defaults(Latest())), filepath.Join("..", "..", "testdata", "components", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dir.Files["patches/source-controller-resources.yaml"]; !ok {
		t.Errorf("referenced patch not carried: %v", keys(dir.Files))
	}
	objs, err := dir.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		switch o.GetName() {
		case "source-controller":
			c, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			mem, _, _ := unstructured.NestedString(c[0].(map[string]any), "resources", "limits", "memory")
			if mem != "2Gi" {
				t.Errorf("source-controller memory limit = %q, want the patch's 2Gi", mem)
			}
		case "kustomize-controller":
			ann, _, _ := unstructured.NestedString(o.Object, "spec", "template", "metadata", "annotations", "example.com/patched")
			if ann != "true" {
				t.Error("inline JSON patch not applied")
			}
		}
	}
}

func TestDirRefusesBadKustomizations(t *testing.T) {
	cases := map[string]string{
		"remote resource": "resources:\n- https://github.com/org/repo//flux?ref=main\n",
		"git shorthand":   "resources:\n- github.com/org/repo/flux\n",
		"escaping path":   "patches:\n- path: ../secret.yaml\n",
		"missing file":    "patches:\n- path: nope.yaml\n",
		"unknown field":   "resourcez:\n- a.yaml\n",
		"bases":           "bases:\n- ./base\n",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "kustomization.yaml")
			os.WriteFile(f, []byte(content), 0o644)
			_, err := NewDir([]byte("---\n"), f)
			if err == nil || !strings.Contains(err.Error(), "--kustomization") {
				t.Errorf("error = %v, want one naming --kustomization", err)
			}
		})
	}
	if _, err := NewDir(nil, "/does/not/exist.yaml"); err == nil {
		t.Error("a missing --kustomization file was accepted")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.Version = "v9.9.9" }, "--version"},
		{func(o *Options) { o.Namespace = "Flux_System" }, "-n"},
		{func(o *Options) {
			o.Components = []string{"source-controller", "kustomize-controller", "tf-controller"}
		}, "unknown component"},
		{func(o *Options) { o.Components = []string{"source-controller"} }, "kustomize-controller"},
		{func(o *Options) { o.LogLevel = "trace" }, "--log-level"},
		{func(o *Options) { o.ClusterDomain = "bad domain" }, "--cluster-domain"},
		{func(o *Options) { o.Registry = "https://ghcr.io/fluxcd" }, "--registry"},
	}
	for _, c := range cases {
		o := Defaults(Latest())
		c.mutate(&o)
		if err := o.Validate(Versions()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate = %v, want %q", err, c.want)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
