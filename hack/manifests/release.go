package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// bundle is one Flux release's output: file name to content.
type bundle struct {
	release
	files      map[string][]byte
	components []componentBuild
	// cgenVersion is the controller-gen release the CRDs were generated or checked with.
	cgenVersion string
}

// buildRelease reproduces flux2's manifests/scripts/bundle.sh for r: one
// `kustomize build manifests/bases/<component>` per controller, then
// manifests/rbac and manifests/policies.
func (b builder) buildRelease(ctx context.Context, r release, parallel int) (bundle, error) {
	out := bundle{release: r, files: map[string][]byte{}, cgenVersion: b.cgenVersion}
	flux2 := r.flux2Module()
	flux2Dir, err := b.gotool.download(ctx, flux2)
	if err != nil {
		return out, err
	}
	if err := checkBases(flux2, flux2Dir, r.Components); err != nil {
		return out, err
	}

	out.components = make([]componentBuild, len(r.Components))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, c := range r.Components {
		g.Go(func() error {
			built, err := b.buildComponent(gctx, c)
			if err != nil {
				return fmt.Errorf("flux %s: %s %s: %w", r.Flux, c.Name, c.Version, err)
			}
			out.components[i] = built
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return out, err
	}

	fs := filesys.MakeFsInMemory()
	if err := loadTree(fs, filepath.Join(flux2Dir, "manifests"), "/manifests"); err != nil {
		return out, fmt.Errorf("loading manifests of %s: %w", flux2, err)
	}
	for _, c := range out.components {
		if err := localizeBase(fs, c); err != nil {
			return out, fmt.Errorf("%s manifests/bases/%s: %w", flux2, c.Name, err)
		}
		yml, err := kustomizeBuild(fs, "/manifests/bases/"+c.Name)
		if err != nil {
			return out, fmt.Errorf("flux %s: %w", r.Flux, err)
		}
		out.files[c.Name+".yaml"] = yml
	}
	for _, dir := range []string{"rbac", "policies"} {
		yml, err := kustomizeBuild(fs, "/manifests/"+dir)
		if err != nil {
			return out, fmt.Errorf("flux %s: %w", r.Flux, err)
		}
		out.files[dir+".yaml"] = yml
	}
	return out, nil
}

// checkBases fails when flux2's bases and versions.yaml disagree on which
// components make up the release, so a new component is not silently left out.
func checkBases(flux2 module, flux2Dir string, components []component) error {
	entries, err := os.ReadDir(filepath.Join(flux2Dir, "manifests", "bases"))
	if err != nil {
		return fmt.Errorf("reading manifests/bases of %s: %w", flux2, err)
	}
	var bases, listed []string
	for _, e := range entries {
		if e.IsDir() {
			bases = append(bases, e.Name())
		}
	}
	for _, c := range components {
		listed = append(listed, c.Name)
	}
	sort.Strings(listed)
	if strings.Join(bases, ",") != strings.Join(listed, ",") {
		return fmt.Errorf("%s manifests/bases has %v, versions.yaml lists %v", flux2, bases, listed)
	}
	return nil
}

// localizeBase swaps the two release URLs of a flux2 base for local files
// holding the rebuilt release assets. The URLs must name exactly the version
// versions.yaml gives, which keeps the two from drifting apart.
func localizeBase(fs filesys.FileSystem, c componentBuild) error {
	dir := "/manifests/bases/" + c.Name
	kust, err := fs.ReadFile(path.Join(dir, "kustomization.yaml"))
	if err != nil {
		return err
	}
	text := string(kust)
	assets := map[string][]byte{
		c.Name + ".crds.yaml":       c.crdsYAML,
		c.Name + ".deployment.yaml": c.deploymentYAML,
	}
	for name, data := range assets {
		url := fmt.Sprintf("https://github.com/fluxcd/%s/releases/download/%s/%s", c.Name, c.Version, name)
		if strings.Count(text, url) != 1 {
			return fmt.Errorf("kustomization.yaml does not reference %s once", url)
		}
		text = strings.Replace(text, url, name, 1)
		if err := fs.WriteFile(path.Join(dir, name), data); err != nil {
			return err
		}
	}
	if strings.Contains(text, "://") {
		return fmt.Errorf("kustomization.yaml still references a remote resource after localizing %s", c.Version)
	}
	return fs.WriteFile(path.Join(dir, "kustomization.yaml"), []byte(text))
}
