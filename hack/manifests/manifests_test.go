package main

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func TestModulePaths(t *testing.T) {
	tests := []struct {
		c          component
		ctrl, api  string
		managerVer string
	}{
		{component{Name: "source-controller", Version: "v1.9.5"},
			"github.com/fluxcd/source-controller@v1.9.5", "github.com/fluxcd/source-controller/api@v1.9.5", "v1.9.5"},
		{component{Name: "source-watcher", Version: "v2.2.4", ManagerFrom: "v2.2.2"},
			"github.com/fluxcd/source-watcher/v2@v2.2.2", "github.com/fluxcd/source-watcher/api/v2@v2.2.4", "v2.2.2"},
	}
	for _, tt := range tests {
		if got := tt.c.managerVersion(); got != tt.managerVer {
			t.Errorf("%s managerVersion = %s, want %s", tt.c.Name, got, tt.managerVer)
		}
		if got := tt.c.controllerModule(tt.c.managerVersion()).String(); got != tt.ctrl {
			t.Errorf("%s controller module = %s, want %s", tt.c.Name, got, tt.ctrl)
		}
		if got := tt.c.apiModule(tt.c.Version).String(); got != tt.api {
			t.Errorf("%s api module = %s, want %s", tt.c.Name, got, tt.api)
		}
	}
}

func TestValidateRejectsStandInFromAnotherMinor(t *testing.T) {
	tests := []struct {
		c       component
		wantErr bool
	}{
		{component{Name: "notification-controller", Version: "v1.9.4", ManagerFrom: "v1.9.3", ManagerPeers: []string{"v1.9.2"}}, false},
		{component{Name: "notification-controller", Version: "v1.9.4", ManagerFrom: "v1.8.3"}, true},
		{component{Name: "notification-controller", Version: "v1.9.4", ManagerPeers: []string{"v2.9.2"}}, true},
		{component{Name: "notification-controller", Version: "1.9.4"}, true},
	}
	for _, tt := range tests {
		if err := tt.c.validate(); (err != nil) != tt.wantErr {
			t.Errorf("validate(%+v) = %v, want error %t", tt.c, err, tt.wantErr)
		}
	}
}

func TestSetImageTag(t *testing.T) {
	in := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml\n" +
		"images:\n- name: fluxcd/other\n  newTag: v0.1.0\n- name: fluxcd/notification-controller\n  newName: fluxcd/notification-controller\n  newTag: v1.9.3\n"
	out, err := setImageTag([]byte(in), "fluxcd/notification-controller", "v1.9.4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "newTag: v1.9.4") || !strings.Contains(string(out), "newTag: v0.1.0") {
		t.Errorf("only the named image's tag should change, got:\n%s", out)
	}
	if _, err := setImageTag([]byte(in), "fluxcd/missing", "v1"); err == nil {
		t.Error("want an error for an image the kustomization does not name")
	}
}

func TestLocalizeBase(t *testing.T) {
	const kust = "resources:\n" +
		"- https://github.com/fluxcd/helm-controller/releases/download/v1.6.4/helm-controller.crds.yaml\n" +
		"- https://github.com/fluxcd/helm-controller/releases/download/v1.6.4/helm-controller.deployment.yaml\n" +
		"- account.yaml\n"
	tests := []struct {
		version string
		wantErr bool
	}{
		{"v1.6.4", false},
		{"v1.6.3", true}, // versions.yaml and flux2 disagree
	}
	for _, tt := range tests {
		fs := filesys.MakeFsInMemory()
		if err := fs.WriteFile("/manifests/bases/helm-controller/kustomization.yaml", []byte(kust)); err != nil {
			t.Fatal(err)
		}
		c := componentBuild{component: component{Name: "helm-controller", Version: tt.version}}
		err := localizeBase(fs, c)
		if (err != nil) != tt.wantErr {
			t.Fatalf("localizeBase(%s) = %v, want error %t", tt.version, err, tt.wantErr)
		}
		if err != nil {
			continue
		}
		got, _ := fs.ReadFile("/manifests/bases/helm-controller/kustomization.yaml")
		want := "resources:\n- helm-controller.crds.yaml\n- helm-controller.deployment.yaml\n- account.yaml\n"
		if string(got) != want {
			t.Errorf("localized kustomization:\n%s\nwant:\n%s", got, want)
		}
	}
}

// The kustomize CLI puts CRDs before the objects that need them; krusty's
// library default would keep input order, so the generator must ask for it.
func TestKustomizeBuildUsesCLIOrder(t *testing.T) {
	fs := filesys.MakeFsInMemory()
	files := map[string][]byte{
		"kustomization.yaml": []byte("resources:\n- deploy.yaml\n- crd.yaml\n"),
		"deploy.yaml":        []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n"),
		"crd.yaml":           []byte("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: c\n"),
	}
	if err := writeFiles(fs, "/k", files); err != nil {
		t.Fatal(err)
	}
	out, err := kustomizeBuild(fs, "/k")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Index(string(out), "CustomResourceDefinition") > strings.Index(string(out), "Deployment") {
		t.Errorf("CRD should come first:\n%s", out)
	}
}

func TestDiffFileSets(t *testing.T) {
	a := map[string][]byte{"x.yaml": []byte("1"), "y.yaml": []byte("2")}
	b := map[string][]byte{"x.yaml": []byte("1"), "y.yaml": []byte("3"), "z.yaml": nil}
	got := strings.Join(diffFileSets(a, b), "; ")
	if want := "y.yaml (differs); z.yaml (extra)"; got != want {
		t.Errorf("diffFileSets = %q, want %q", got, want)
	}
	if d := diffFileSets(a, a); len(d) != 0 {
		t.Errorf("equal sets differ: %v", d)
	}
}
