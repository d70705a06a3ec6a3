package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// componentSummary is what a component file holds, for SOURCES.md.
type componentSummary struct {
	crdKinds []string
	image    string
}

// verifyBundle checks what the plugin relies on in every generated file: it
// parses as multi-document YAML, each controller file carries its CRDs and one
// Deployment running the exact release image, and flux2's labels are on every
// object.
func verifyBundle(b bundle) (map[string]componentSummary, error) {
	summaries := map[string]componentSummary{}
	for name, data := range b.files {
		nodes, err := kio.FromBytes(data)
		if err != nil || len(nodes) == 0 {
			return nil, fmt.Errorf("flux %s: %s is not multi-document YAML with objects: %v", b.Flux, name, err)
		}
		if !bytes.HasSuffix(data, []byte("\n")) {
			return nil, fmt.Errorf("flux %s: %s lacks a final newline", b.Flux, name)
		}
	}
	for _, c := range b.components {
		s, err := verifyComponent(b.files[c.Name+".yaml"], c.component)
		if err != nil {
			return nil, fmt.Errorf("flux %s: %s.yaml: %w", b.Flux, c.Name, err)
		}
		summaries[c.Name] = s
	}
	return summaries, nil
}

func verifyComponent(data []byte, c component) (componentSummary, error) {
	var s componentSummary
	nodes, err := kio.FromBytes(data)
	if err != nil {
		return s, err
	}
	var deployments []*yaml.RNode
	for _, n := range nodes {
		labels := n.GetLabels()
		if labels["app.kubernetes.io/part-of"] != "flux" || labels["app.kubernetes.io/component"] != c.Name {
			return s, fmt.Errorf("%s %s lacks the part-of/component labels of flux2's labels.yaml", n.GetKind(), n.GetName())
		}
		switch n.GetKind() {
		case "CustomResourceDefinition":
			kind, err := n.GetString("spec.names.kind")
			if err != nil {
				return s, fmt.Errorf("CRD %s: %w", n.GetName(), err)
			}
			s.crdKinds = append(s.crdKinds, kind)
		case "Deployment":
			deployments = append(deployments, n)
		}
	}
	if len(s.crdKinds) == 0 || len(deployments) != 1 || deployments[0].GetName() != c.Name {
		return s, fmt.Errorf("want CRDs and one Deployment %s, got %d CRDs and %d Deployments",
			c.Name, len(s.crdKinds), len(deployments))
	}
	s.image, err = deployments[0].GetString("spec.template.spec.containers[0].image")
	if err != nil {
		return s, fmt.Errorf("Deployment %s: %w", c.Name, err)
	}
	if want := c.image() + ":" + c.Version; s.image != want {
		return s, fmt.Errorf("Deployment %s runs %s, want %s", c.Name, s.image, want)
	}
	sort.Strings(s.crdKinds)
	return s, nil
}

// kindsList renders CRD kinds for SOURCES.md.
func kindsList(kinds []string) string {
	return strings.Join(kinds, ", ")
}
