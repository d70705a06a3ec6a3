package objdiff

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, ns, name, image string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind}}
	u.SetNamespace(ns)
	u.SetName(name)
	if image != "" {
		unstructured.SetNestedSlice(u.Object, []any{map[string]any{"name": "manager", "image": image}}, "spec", "template", "spec", "containers")
	}
	return u
}

func TestCompare(t *testing.T) {
	older := []*unstructured.Unstructured{
		obj("Deployment", "flux-system", "source-controller", "ghcr.io/fluxcd/source-controller:v1.9.4"),
		obj("Deployment", "flux-system", "helm-controller", "ghcr.io/fluxcd/helm-controller:v1.6.3"),
		obj("CustomResourceDefinition", "", "old.example.com", ""),
		obj("Service", "flux-system", "same", ""),
	}
	newer := []*unstructured.Unstructured{
		obj("Deployment", "flux-system", "source-controller", "ghcr.io/fluxcd/source-controller:v1.9.5"),
		obj("Deployment", "flux-system", "helm-controller", "ghcr.io/fluxcd/helm-controller:v1.6.3"),
		obj("CustomResourceDefinition", "", "new.example.com", ""),
		obj("Service", "flux-system", "same", ""),
	}
	r := Compare(older, newer)
	want := []Change{
		{Ref: "CustomResourceDefinition/new.example.com", Kind: "added"},
		{Ref: "CustomResourceDefinition/old.example.com", Kind: "removed"},
		{Ref: "Deployment/flux-system/source-controller", Kind: "changed"},
	}
	if len(r.Changes) != len(want) {
		t.Fatalf("changes = %+v, want %+v", r.Changes, want)
	}
	for i := range want {
		if r.Changes[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, r.Changes[i], want[i])
		}
	}
	if len(r.Images) != 1 || r.Images[0].From != "ghcr.io/fluxcd/source-controller:v1.9.4" || r.Images[0].To != "ghcr.io/fluxcd/source-controller:v1.9.5" {
		t.Errorf("images = %+v", r.Images)
	}
	if !Compare(older, older).Empty() {
		t.Error("a set differs from itself")
	}
}
