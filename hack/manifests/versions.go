package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// versionsFile is hack/manifests/versions.yaml: which component releases make
// up each Flux release, and where to take them from when the proxy refuses one.
type versionsFile struct {
	Releases []release `yaml:"releases"`
}

// release is one Flux release: flux2's module at the same version holds the
// manifests/ overlays that bundle.sh builds.
type release struct {
	Flux       string      `yaml:"flux"`
	Components []component `yaml:"components"`
}

// component is one controller release of a Flux release.
type component struct {
	Name         string   `yaml:"name"`
	Version      string   `yaml:"version"`
	ManagerFrom  string   `yaml:"managerFrom"`
	ManagerPeers []string `yaml:"managerPeers"`
}

func loadVersions(path string) (versionsFile, error) {
	var v versionsFile
	data, err := os.ReadFile(path)
	if err != nil {
		return v, fmt.Errorf("reading versions %s: %w", path, err)
	}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("parsing versions %s: %w", path, err)
	}
	for _, r := range v.Releases {
		if err := r.validate(); err != nil {
			return v, fmt.Errorf("versions %s: %w", path, err)
		}
	}
	return v, nil
}

func (r release) validate() error {
	if _, err := parseVersion(r.Flux); err != nil {
		return fmt.Errorf("flux release %q: not a semantic version", r.Flux)
	}
	for _, c := range r.Components {
		if err := c.validate(); err != nil {
			return fmt.Errorf("flux %s: %w", r.Flux, err)
		}
	}
	return nil
}

// validate insists that stand-ins share the component's minor: a config/manager
// from another minor may carry flags or probes the exact release does not have.
func (c component) validate() error {
	want, err := parseVersion(c.Version)
	if c.Name == "" || err != nil {
		return fmt.Errorf("component %q: needs a name and a version vX.Y.Z, got %q", c.Name, c.Version)
	}
	for _, v := range append([]string{c.ManagerFrom}, c.ManagerPeers...) {
		if v == "" {
			continue
		}
		got, err := parseVersion(v)
		if err != nil || got.Major() != want.Major() || got.Minor() != want.Minor() {
			return fmt.Errorf("component %s %s: stand-in %q is not a patch release of the same minor",
				c.Name, c.Version, v)
		}
	}
	return nil
}

// flux2Module is the flux2 module path and version holding manifests/.
func (r release) flux2Module() module {
	return module{Path: "github.com/fluxcd/flux2/v2", Version: r.Flux}
}

// controllerModule is github.com/fluxcd/<name> at version, with the /vN
// suffix Go requires from major version 2 on (source-watcher is at v2).
func (c component) controllerModule(version string) module {
	return module{Path: "github.com/fluxcd/" + c.Name + majorSuffix(version), Version: version}
}

// apiModule is the component's nested api module at version; it is released
// with every controller tag and holds the Go types the CRDs are generated from.
func (c component) apiModule(version string) module {
	return module{Path: "github.com/fluxcd/" + c.Name + "/api" + majorSuffix(version), Version: version}
}

// managerVersion is the controller release whose config/ is used.
func (c component) managerVersion() string {
	if c.ManagerFrom != "" {
		return c.ManagerFrom
	}
	return c.Version
}

// image is the image name the controllers' config/manager uses and flux2's
// bases keep; the plugin maps it to a registry at install time.
func (c component) image() string { return "fluxcd/" + c.Name }

func majorSuffix(version string) string {
	v, err := parseVersion(version)
	if err != nil || v.Major() < 2 {
		return ""
	}
	return fmt.Sprintf("/v%d", v.Major())
}

// parseVersion accepts only the vX.Y.Z form module versions and release
// URLs use, so a typo cannot silently name another module version.
func parseVersion(s string) (*semver.Version, error) {
	if !strings.HasPrefix(s, "v") {
		return nil, fmt.Errorf("version %q: want vX.Y.Z", s)
	}
	v, err := semver.StrictNewVersion(strings.TrimPrefix(s, "v"))
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", s, err)
	}
	return v, nil
}

// module is a Go module path at one version.
type module struct {
	Path    string
	Version string
}

func (m module) String() string { return m.Path + "@" + m.Version }
