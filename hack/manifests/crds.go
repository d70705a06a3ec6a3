package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// controllerGenArgs are the generators and options of the Flux controllers'
// `make manifests` (CRD_OPTIONS ?= crd:crdVersions=v1, then
// `cd api; controller-gen $(CRD_OPTIONS) rbac:roleName=manager-role paths="./..."`),
// writing the CRDs to out. The rbac generator finds no markers in api/ and
// writes nothing; it stays so the invocation is upstream's, not an
// approximation of it.
func controllerGenArgs(out string) []string {
	return []string{"crd:crdVersions=v1", "rbac:roleName=manager-role", "paths=./...",
		"output:crd:artifacts:config=" + out}
}

// controllerGen runs the pinned controller-gen binary.
type controllerGen struct {
	bin string
}

// crds generates the CRDs of the api module in apiDir and returns them by file
// name. controller-gen needs a writable module, so it runs in a copy.
func (cg controllerGen) crds(ctx context.Context, apiDir string) (map[string][]byte, error) {
	work, err := os.MkdirTemp("", "flux-api-")
	if err != nil {
		return nil, fmt.Errorf("generating CRDs of %s: %w", apiDir, err)
	}
	defer os.RemoveAll(work)
	src, out := filepath.Join(work, "api"), filepath.Join(work, "crd")
	if err := copyTree(apiDir, src); err != nil {
		return nil, fmt.Errorf("generating CRDs of %s: %w", apiDir, err)
	}
	cmd := exec.CommandContext(ctx, cg.bin, controllerGenArgs(out)...)
	cmd.Dir = src
	// GOFLAGS=-mod=readonly: the api module's own go.mod and go.sum decide the
	// dependency versions, as in upstream's tree, and nothing may edit them.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("running controller-gen on %s: %w: %s", apiDir, err, strings.TrimSpace(stderr.String()))
	}
	files, err := readYAMLDir(out)
	if err != nil {
		return nil, fmt.Errorf("reading controller-gen output of %s: %w", apiDir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("controller-gen found no CRDs in %s", apiDir)
	}
	return files, nil
}

// readYAMLDir returns the *.yaml files of dir (not recursive) by name.
func readYAMLDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = data
	}
	return files, nil
}

// diffFileSets names every file that is missing on one side or differs in a
// single byte; an empty result means byte-for-byte equality.
func diffFileSets(want, got map[string][]byte) []string {
	var diffs []string
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			diffs = append(diffs, name+" (missing)")
		case !bytes.Equal(w, g):
			diffs = append(diffs, name+" (differs)")
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, name+" (extra)")
		}
	}
	sort.Strings(diffs)
	return diffs
}

// copyTree copies the regular files under src to dst, writable: the module
// cache is read-only.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
