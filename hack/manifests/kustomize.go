package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kustomizeBuild is `kustomize build dir` of the kustomize CLI, in-process.
// The CLI leaves --reorder unspecified, which krusty resolves to the legacy
// order (Namespaces and CRDs first, Deployments late); krusty's library default
// is "none", so it is set here explicitly.
func kustomizeBuild(fs filesys.FileSystem, dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified
	m, err := krusty.MakeKustomizer(opts).Run(fs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: rendering: %w", dir, err)
	}
	return out, nil
}

// loadTree copies the regular files under src on disk into fs at dst.
func loadTree(fs filesys.FileSystem, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := path.Join(dst, filepath.ToSlash(rel))
		if d.IsDir() {
			return fs.MkdirAll(target)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return fs.WriteFile(target, data)
	})
}

// writeFiles writes files into dir of fs.
func writeFiles(fs filesys.FileSystem, dir string, files map[string][]byte) error {
	if err := fs.MkdirAll(dir); err != nil {
		return err
	}
	for name, data := range files {
		if err := fs.WriteFile(path.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// kustomizationResources lists the resources field of a kustomization.yaml.
func kustomizationResources(data []byte) ([]string, error) {
	var k struct {
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("parsing kustomization: %w", err)
	}
	return k.Resources, nil
}

// setImageTag sets newTag of the images entry named image in a
// kustomization.yaml: what a controller's release commit changes in
// config/manager.
func setImageTag(data []byte, image, tag string) ([]byte, error) {
	kust, err := yaml.Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("parsing kustomization: %w", err)
	}
	images, err := kust.Pipe(yaml.Lookup("images"))
	if err != nil || images == nil {
		return nil, fmt.Errorf("kustomization has no images field: %v", err)
	}
	entries, err := images.Elements()
	if err != nil {
		return nil, fmt.Errorf("reading images of kustomization: %w", err)
	}
	for _, e := range entries {
		if name, _ := e.GetString("name"); name != image {
			continue
		}
		if err := e.PipeE(yaml.SetField("newTag", yaml.NewStringRNode(tag))); err != nil {
			return nil, fmt.Errorf("setting newTag of image %s: %w", image, err)
		}
		out, err := kust.String()
		if err != nil {
			return nil, fmt.Errorf("rendering kustomization: %w", err)
		}
		return []byte(out), nil
	}
	return nil, fmt.Errorf("kustomization has no images entry for %s", image)
}
