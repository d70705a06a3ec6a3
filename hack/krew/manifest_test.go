package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const (
	templatePath  = "../../.krew.yaml"
	committedPath = "../../plugins/flux-oci.yaml"
)

// plugin is krew's Plugin manifest, with the fields this one uses: parsed
// strictly, so a misspelt field fails instead of being ignored by krew.
type plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// sumLine is masked when comparing: the sums depend on the archives of the
// release commit, not on the template (see krew-check in hack/krew.mk).
var sumLine = regexp.MustCompile(`(?m)^( *sha256: ).*$`)

// TestCommittedManifestIsTheTemplateRendered is krew-check for its own
// version, so `go test ./...` notices a template change that was not
// rendered.
func TestCommittedManifestIsTheTemplateRendered(t *testing.T) {
	committed, p := readPlugin(t, committedPath)
	text, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := render(templatePath, string(text), renderOptions{Tag: p.Spec.Version, Dist: t.TempDir(), AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumLine.ReplaceAll(committed, []byte("$1<sum>")), sumLine.ReplaceAll(rendered, []byte("$1<sum>")); string(got) != string(want) {
		t.Errorf("%s is not %s rendered for %s: run make krew-manifest\ngot:\n%s\nwant:\n%s", committedPath, templatePath, p.Spec.Version, got, want)
	}
	for _, pl := range p.Spec.Platforms {
		if pl.SHA256 == missingSHA256 {
			t.Errorf("%s: %v has no real sha256: run make krew-manifest", committedPath, pl.Selector.MatchLabels)
		}
	}
}

// TestManifestFollowsKrewIndexGuidelines checks what krew's validator does
// not: the krew-index review rules for descriptions, and one platform for
// each archive make dist builds.
func TestManifestFollowsKrewIndexGuidelines(t *testing.T) {
	_, p := readPlugin(t, committedPath)
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" || p.Metadata.Name != "flux-oci" {
		t.Errorf("header = %s %s %s", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	if n := len(p.Spec.ShortDescription); n == 0 || n > 50 {
		t.Errorf("shortDescription has %d characters, want 1 to 50", n)
	}
	for _, line := range strings.Split(p.Spec.Description, "\n") {
		// 80 columns in the file, where the description is indented by 4.
		if len(line) > 76 {
			t.Errorf("description line longer than 80 columns: %q", line)
		}
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "kubectl ") || strings.HasPrefix(trimmed, "$") {
			t.Errorf("description has a usage example: %q", line)
		}
	}
	want := map[string]string{
		"linux/amd64": "kubectl-flux_oci", "linux/arm64": "kubectl-flux_oci",
		"darwin/amd64": "kubectl-flux_oci", "darwin/arm64": "kubectl-flux_oci",
		"windows/amd64": "kubectl-flux_oci.exe", "windows/arm64": "kubectl-flux_oci.exe",
	}
	for _, pl := range p.Spec.Platforms {
		platform := pl.Selector.MatchLabels["os"] + "/" + pl.Selector.MatchLabels["arch"]
		bin, ok := want[platform]
		if !ok {
			t.Errorf("unexpected or repeated platform %s", platform)
			continue
		}
		delete(want, platform)
		if pl.Bin != bin {
			t.Errorf("%s: bin = %s, want %s", platform, pl.Bin, bin)
		}
		archive := "kubectl-flux_oci_" + p.Spec.Version + "_" + strings.ReplaceAll(platform, "/", "_") + ".tar.gz"
		if wantURI := "https://github.com/flux-oci/kubectl-flux-oci/releases/download/" + p.Spec.Version + "/" + archive; pl.URI != wantURI {
			t.Errorf("%s: uri = %s, want %s", platform, pl.URI, wantURI)
		}
	}
	for platform := range want {
		t.Errorf("no entry for %s", platform)
	}
}

func readPlugin(t *testing.T, path string) ([]byte, plugin) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p plugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return data, p
}
