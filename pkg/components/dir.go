package components

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// ComponentsFile is the name of the rendered components in the artifact.
const ComponentsFile = "gotk-components.yaml"

// DirName is the directory the components artifact holds, and the path
// the flux-components Kustomization builds.
const DirName = "flux-system"

// Dir is the flux-system directory of the components artifact: what the
// CLI applies and what kustomize-controller later builds are both the
// kustomize build of exactly these files.
type Dir struct {
	// Files maps slash-separated names under flux-system/ to content.
	Files map[string][]byte
}

// NewDir assembles the directory from rendered components and the user's
// kustomization file (empty for none). Files the kustomization refers to are
// copied from beside it; remote bases are refused, since the cluster would
// then depend on a Git host after all.
func NewDir(gotk []byte, kustomizationFile string) (*Dir, error) {
	d := &Dir{Files: map[string][]byte{ComponentsFile: gotk}}
	k := &types.Kustomization{}
	if kustomizationFile != "" {
		data, err := os.ReadFile(kustomizationFile)
		if err != nil {
			return nil, fmt.Errorf("reading --kustomization %s: %w", kustomizationFile, err)
		}
		if err := yaml.UnmarshalStrict(data, k); err != nil {
			return nil, fmt.Errorf("--kustomization %s is not a valid kustomization: %w", kustomizationFile, err)
		}
		refs, err := localReferences(k)
		if err != nil {
			return nil, fmt.Errorf("--kustomization %s: %w", kustomizationFile, err)
		}
		base := filepath.Dir(kustomizationFile)
		for _, ref := range refs {
			if ref == ComponentsFile {
				continue
			}
			content, err := os.ReadFile(filepath.Join(base, filepath.FromSlash(ref)))
			if err != nil {
				return nil, fmt.Errorf("--kustomization %s refers to %s: %w; hint: keep referenced files next to the kustomization", kustomizationFile, ref, err)
			}
			d.Files[ref] = content
		}
	}
	k.APIVersion, k.Kind = types.KustomizationVersion, types.KustomizationKind
	if !slices.Contains(k.Resources, ComponentsFile) {
		k.Resources = append([]string{ComponentsFile}, k.Resources...)
	}
	data, err := yaml.Marshal(k)
	if err != nil {
		return nil, err
	}
	d.Files["kustomization.yaml"] = data
	return d, nil
}

// localReferences lists the files a kustomization names, refusing remote
// and escaping ones.
func localReferences(k *types.Kustomization) ([]string, error) {
	var refs []string
	add := func(field string, values ...string) error {
		for _, v := range values {
			if v == "" {
				continue
			}
			if remote(v) {
				return fmt.Errorf("%s %q is remote; hint: vendor it next to the kustomization, the cluster must not need a Git host", field, v)
			}
			clean := path.Clean(filepath.ToSlash(v))
			if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
				return fmt.Errorf("%s %q points outside the kustomization's directory; hint: copy it next to kustomization.yaml", field, v)
			}
			refs = append(refs, clean)
		}
		return nil
	}
	if len(k.Bases) > 0 {
		return nil, fmt.Errorf("bases are not supported; hint: list local files under resources")
	}
	steps := []error{
		add("resources", k.Resources...),
		add("components", k.Components...),
		add("crds", k.Crds...),
		add("transformers", k.Transformers...),
		add("generators", k.Generators...),
	}
	for _, p := range k.Patches {
		steps = append(steps, add("patches.path", p.Path))
	}
	for _, p := range k.PatchesJson6902 {
		steps = append(steps, add("patchesJson6902.path", p.Path))
	}
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") {
			steps = append(steps, add("patchesStrategicMerge", string(p)))
		}
	}
	for _, g := range append(append([]types.ConfigMapArgs{}, k.ConfigMapGenerator...), secretsAsConfigMaps(k.SecretGenerator)...) {
		for _, f := range append(append([]string{}, g.FileSources...), g.EnvSources...) {
			if _, file, ok := strings.Cut(f, "="); ok {
				f = file
			}
			steps = append(steps, add("generator file", f))
		}
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(refs)
	return slices.Compact(refs), nil
}

func secretsAsConfigMaps(s []types.SecretArgs) []types.ConfigMapArgs {
	var out []types.ConfigMapArgs
	for _, a := range s {
		out = append(out, types.ConfigMapArgs{GeneratorArgs: a.GeneratorArgs})
	}
	return out
}

func remote(ref string) bool {
	return strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.Contains(ref, "?ref=") ||
		strings.HasPrefix(ref, "github.com/") || strings.HasPrefix(ref, "gitlab.com/")
}

// Build runs kustomize over the directory: the objects to apply.
func (d *Dir) Build() ([]*unstructured.Unstructured, error) {
	mem := filesys.MakeFsInMemory()
	for name, data := range d.Files {
		if err := mem.WriteFile(path.Join("/", DirName, name), data); err != nil {
			return nil, err
		}
	}
	objs, err := build(mem, "/"+DirName)
	if err != nil {
		return nil, fmt.Errorf("building %s with the --kustomization on top: %w", DirName, err)
	}
	return objs, nil
}

// WriteTo writes the directory as root/flux-system/…, ready to push.
func (d *Dir) WriteTo(root string) error {
	for name, data := range d.Files {
		p := filepath.Join(root, DirName, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
