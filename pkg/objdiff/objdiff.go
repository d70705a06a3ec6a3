// Package objdiff compares two sets of Kubernetes objects by identity
// (kind, namespace, name): which were added, removed or changed, and how
// the container images of workloads moved. It is pure and prints nothing.
package objdiff

import (
	"fmt"
	"reflect"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Change is one object that differs.
type Change struct {
	// Ref is Kind/namespace/name (or Kind/name for cluster-scoped objects).
	Ref  string `json:"ref"`
	Kind string `json:"kind"` // added, removed or changed
}

// Image is a container image that moved.
type Image struct {
	Workload  string `json:"workload"`
	Container string `json:"container"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// Result is the difference between two sets.
type Result struct {
	Changes []Change `json:"changes"`
	Images  []Image  `json:"images"`
}

// Empty reports whether the sets are the same.
func (r Result) Empty() bool { return len(r.Changes) == 0 }

// Compare reports how newer differs from older.
func Compare(older, newer []*unstructured.Unstructured) Result {
	olds, news := index(older), index(newer)
	var res Result
	for ref, o := range olds {
		n, ok := news[ref]
		switch {
		case !ok:
			res.Changes = append(res.Changes, Change{Ref: ref, Kind: "removed"})
		case !reflect.DeepEqual(o.Object, n.Object):
			res.Changes = append(res.Changes, Change{Ref: ref, Kind: "changed"})
			res.Images = append(res.Images, images(ref, o, n)...)
		}
	}
	for ref := range news {
		if _, ok := olds[ref]; !ok {
			res.Changes = append(res.Changes, Change{Ref: ref, Kind: "added"})
		}
	}
	sort.Slice(res.Changes, func(i, j int) bool { return res.Changes[i].Ref < res.Changes[j].Ref })
	sort.Slice(res.Images, func(i, j int) bool { return res.Images[i].Workload < res.Images[j].Workload })
	return res
}

// Ref names obj.
func Ref(obj *unstructured.Unstructured) string {
	if obj.GetNamespace() == "" {
		return obj.GetKind() + "/" + obj.GetName()
	}
	return fmt.Sprintf("%s/%s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
}

func index(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		m[Ref(o)] = o
	}
	return m
}

// Images returns container name → image of a workload's pod template.
func Images(obj *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		m, _ := c.(map[string]any)
		name, _ := m["name"].(string)
		image, _ := m["image"].(string)
		if name != "" {
			out[name] = image
		}
	}
	return out
}

func images(ref string, o, n *unstructured.Unstructured) []Image {
	var out []Image
	before, after := Images(o), Images(n)
	for name, img := range after {
		if before[name] != img {
			out = append(out, Image{Workload: ref, Container: name, From: before[name], To: img})
		}
	}
	return out
}
