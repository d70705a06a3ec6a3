package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// componentBuild holds the two files a controller's GitHub release publishes
// and flux2's bases download, rebuilt offline, and how they were made.
type componentBuild struct {
	component
	// crdsYAML is <name>.crds.yaml: `kustomize build config/crd`.
	crdsYAML []byte
	// deploymentYAML is <name>.deployment.yaml: `kustomize build config/manager`.
	deploymentYAML []byte
	// crdSource and managerSource say where the inputs came from.
	crdSource, managerSource string
	// checks are the verifications that passed, for the log and SOURCES.md.
	checks []string
	// notes are facts a reviewer should know that fail nothing.
	notes []string
}

// builder rebuilds components from the module proxy.
type builder struct {
	gotool goTool
	cgen   controllerGen
	// cgenVersion names the controller-gen release in SOURCES.md.
	cgenVersion string
}

// buildComponent reproduces what the controller's release workflow uploads:
// `kustomize build ./config/crd` and `kustomize build ./config/manager` of the
// release tag, whose config/manager/kustomization.yaml carries the image tag.
func (b builder) buildComponent(ctx context.Context, c component) (componentBuild, error) {
	out := componentBuild{component: c}
	ctrl := c.controllerModule(c.managerVersion())
	ctrlDir, err := b.gotool.download(ctx, ctrl)
	if err != nil && c.ManagerFrom == "" {
		return out, fmt.Errorf("%w (hint: set managerFrom in versions.yaml to the nearest served patch release)", err)
	}
	if err != nil {
		return out, err
	}
	crds, err := b.crds(ctx, c, ctrlDir, &out)
	if err != nil {
		return out, err
	}
	if out.crdsYAML, err = buildCRDs(ctrl, ctrlDir, crds); err != nil {
		return out, err
	}
	out.checks = append(out.checks, fmt.Sprintf("config/crd/kustomization.yaml of `%s` lists exactly these CRDs (%s)", ctrl, files(len(crds))))
	if out.deploymentYAML, err = buildManager(c, ctrlDir); err != nil {
		return out, fmt.Errorf("building config/manager of %s: %w", ctrl, err)
	}
	out.managerSource = fmt.Sprintf("`%s` config/manager", ctrl)
	if c.ManagerFrom != "" {
		out.managerSource += fmt.Sprintf(" with the image newTag set to %s", c.Version)
	}
	if c.ManagerFrom != "" && len(c.ManagerPeers) == 0 {
		out.notes = append(out.notes, "no other patch release of this minor is served, so config/manager could not be compared across patches")
	}
	for _, peer := range c.ManagerPeers {
		check, err := b.compareManager(ctx, c, ctrl, ctrlDir, peer)
		if err != nil {
			return out, err
		}
		out.checks = append(out.checks, check)
	}
	return out, nil
}

// crds returns the CRD files of c at exactly c.Version. Either way it proves
// the controller-gen method on a release whose config/crd/bases is served, so
// generated CRDs are trusted only where the method reproduces upstream.
func (b builder) crds(ctx context.Context, c component, ctrlDir string, out *componentBuild) (map[string][]byte, error) {
	proofAPI := c.apiModule(c.managerVersion())
	generatedProof, err := b.generate(ctx, proofAPI)
	if err != nil {
		return nil, err
	}
	ctrl := c.controllerModule(c.managerVersion())
	bases, err := readYAMLDir(filepath.Join(ctrlDir, "config", "crd", "bases"))
	if err != nil {
		return nil, fmt.Errorf("reading config/crd/bases of %s: %w", ctrl, err)
	}
	if diffs := diffFileSets(bases, generatedProof); len(diffs) > 0 {
		return nil, fmt.Errorf("controller-gen %s on %s does not reproduce config/crd/bases of %s: %s",
			b.cgenVersion, proofAPI, ctrl, strings.Join(diffs, ", "))
	}
	out.checks = append(out.checks, fmt.Sprintf("controller-gen %s on `%s` reproduces config/crd/bases of `%s` byte for byte (%s)",
		b.cgenVersion, proofAPI, ctrl, files(len(bases))))
	if c.ManagerFrom == "" {
		out.crdSource = fmt.Sprintf("copied from `%s` config/crd/bases", ctrl)
		return bases, nil
	}
	exact := c.apiModule(c.Version)
	generated, err := b.generate(ctx, exact)
	if err != nil {
		return nil, err
	}
	out.crdSource = fmt.Sprintf("generated with controller-gen %s (`%s`) from `%s`",
		b.cgenVersion, strings.Join(controllerGenArgs("DIR"), " "), exact)
	// Not a failure either way, but a reviewer should know whether the API
	// changed between the stand-in and the exact release.
	if diffs := diffFileSets(bases, generated); len(diffs) == 0 {
		out.notes = append(out.notes, fmt.Sprintf("the CRDs of `%s` equal config/crd/bases of `%s`", exact, ctrl))
	} else {
		out.notes = append(out.notes, fmt.Sprintf("the CRDs of `%s` differ from config/crd/bases of `%s`: %s", exact, ctrl, strings.Join(diffs, ", ")))
	}
	return generated, nil
}

func (b builder) generate(ctx context.Context, api module) (map[string][]byte, error) {
	dir, err := b.gotool.download(ctx, api)
	if err != nil {
		return nil, err
	}
	files, err := b.cgen.crds(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("generating CRDs of %s: %w", api, err)
	}
	return files, nil
}

// buildCRDs is `kustomize build config/crd` with the given bases, after
// checking that the kustomization lists exactly those files: a stand-in's list
// would be wrong if the exact release had added or dropped a CRD.
func buildCRDs(ctrl module, ctrlDir string, crds map[string][]byte) ([]byte, error) {
	kust, err := os.ReadFile(filepath.Join(ctrlDir, "config", "crd", "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading config/crd of %s: %w", ctrl, err)
	}
	resources, err := kustomizationResources(kust)
	if err != nil {
		return nil, fmt.Errorf("config/crd of %s: %w", ctrl, err)
	}
	listed := map[string][]byte{}
	for _, r := range resources {
		listed[strings.TrimPrefix(r, "bases/")] = crds[strings.TrimPrefix(r, "bases/")]
	}
	if diffs := diffFileSets(crds, listed); len(diffs) > 0 {
		return nil, fmt.Errorf("config/crd/kustomization.yaml of %s does not list the CRD files: %s", ctrl, strings.Join(diffs, ", "))
	}
	fs := filesys.MakeFsInMemory()
	if err := writeFiles(fs, "/config/crd", map[string][]byte{"kustomization.yaml": kust}); err != nil {
		return nil, err
	}
	if err := writeFiles(fs, "/config/crd/bases", crds); err != nil {
		return nil, err
	}
	return kustomizeBuild(fs, "/config/crd")
}

// buildManager is `kustomize build config/manager`, with the image tag set to
// the component's version when config/manager comes from a stand-in release.
func buildManager(c component, ctrlDir string) ([]byte, error) {
	fs := filesys.MakeFsInMemory()
	if err := loadTree(fs, filepath.Join(ctrlDir, "config", "manager"), "/config/manager"); err != nil {
		return nil, err
	}
	if c.ManagerFrom != "" {
		kust, err := fs.ReadFile("/config/manager/kustomization.yaml")
		if err != nil {
			return nil, err
		}
		if kust, err = setImageTag(kust, c.image(), c.Version); err != nil {
			return nil, err
		}
		if err := fs.WriteFile("/config/manager/kustomization.yaml", kust); err != nil {
			return nil, err
		}
	}
	return kustomizeBuild(fs, "/config/manager")
}

// compareManager checks that config/manager of the peer release equals the
// one used apart from the image tag, the evidence that a patch release's
// config/manager stands in for another's.
func (b builder) compareManager(ctx context.Context, c component, used module, usedDir, peerVersion string) (string, error) {
	peer := c.controllerModule(peerVersion)
	peerDir, err := b.gotool.download(ctx, peer)
	if err != nil {
		return "", err
	}
	a, err := managerFiles(c, usedDir)
	if err != nil {
		return "", fmt.Errorf("reading config/manager of %s: %w", used, err)
	}
	p, err := managerFiles(c, peerDir)
	if err != nil {
		return "", fmt.Errorf("reading config/manager of %s: %w", peer, err)
	}
	if diffs := diffFileSets(a, p); len(diffs) > 0 {
		return "", fmt.Errorf("config/manager of %s and %s differ beyond the image tag: %s", used, peer, strings.Join(diffs, ", "))
	}
	names := make([]string, 0, len(a))
	for name := range a {
		names = append(names, name)
	}
	sort.Strings(names)
	return fmt.Sprintf("config/manager of `%s` equals that of `%s` apart from the image newTag (%s)",
		peer, used, strings.Join(names, ", ")), nil
}

// managerFiles reads config/manager with the image tag blanked out.
func managerFiles(c component, dir string) (map[string][]byte, error) {
	files, err := readYAMLDir(filepath.Join(dir, "config", "manager"))
	if err != nil {
		return nil, err
	}
	if files["kustomization.yaml"], err = setImageTag(files["kustomization.yaml"], c.image(), "TAG"); err != nil {
		return nil, err
	}
	return files, nil
}

func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
