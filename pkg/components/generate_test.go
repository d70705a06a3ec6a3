package components

import (
	"strings"
	"testing"
)

func TestVersionsEmbedded(t *testing.T) {
	v := Versions()
	if len(v) < 2 || v[0] != "v2.9.5" || Latest() != "v2.9.5" {
		t.Fatalf("Versions() = %v, want v2.9.5 first and an earlier one", v)
	}
}

func TestGenerateDefaults(t *testing.T) {
	opts := Defaults(Latest())
	if err := opts.Validate(Versions()); err != nil {
		t.Fatal(err)
	}
	out, err := Generate(Manifests(), opts)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"# Flux Version: v2.9.5",
		"image: ghcr.io/fluxcd/source-controller:v1.9.5",
		"image: ghcr.io/fluxcd/kustomize-controller:v1.9.5",
		"image: ghcr.io/fluxcd/helm-controller:v1.6.4",
		"image: ghcr.io/fluxcd/notification-controller:v1.9.4",
		"name: ocirepositories.source.toolkit.fluxcd.io",
		"kind: NetworkPolicy",
		"--watch-all-namespaces=true",
		"app.kubernetes.io/version: v2.9.5",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(s, "image-reflector-controller:") {
		t.Error("extra components rendered without being asked for")
	}
}
