// Package components renders Flux's own manifests (gotk-components.yaml)
// for a Flux version and a set of install options, and builds the
// flux-system directory that carries them with the user's kustomization.
// Everything runs in-process with kustomize; no binary is needed.
package components

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Options mirror `flux install`'s flags.
type Options struct {
	// Version is the Flux distribution, e.g. v2.9.5 (see Versions).
	Version   string
	Namespace string
	// Components are the controllers to install.
	Components []string
	// Registry holds the controller images, e.g. ghcr.io/fluxcd.
	Registry           string
	ImagePullSecret    string
	NetworkPolicy      bool
	WatchAllNamespaces bool
	ClusterDomain      string
	LogLevel           string
	TolerationKeys     []string
}

// DefaultComponents are installed unless told otherwise, as by flux install.
func DefaultComponents() []string {
	return []string{"source-controller", "kustomize-controller", "helm-controller", "notification-controller"}
}

// ExtraComponents may be added with --components-extra.
func ExtraComponents() []string {
	return []string{"image-reflector-controller", "image-automation-controller", "source-watcher"}
}

// Defaults returns the options `flux install` uses, for version.
func Defaults(version string) Options {
	return Options{
		Version: version, Namespace: "flux-system", Components: DefaultComponents(),
		Registry: "ghcr.io/fluxcd", NetworkPolicy: true, WatchAllNamespaces: true,
		ClusterDomain: "cluster.local", LogLevel: "info",
	}
}

// dnsLabel is what a namespace and a cluster domain label may be.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate names the flag that is wrong and how to fix it.
func (o Options) Validate(available []string) error {
	if !slices.Contains(available, o.Version) {
		return fmt.Errorf("--version %s is not embedded; hint: use one of %s", o.Version, strings.Join(available, ", "))
	}
	if len(o.Namespace) > 63 || !dnsLabel.MatchString(o.Namespace) {
		return fmt.Errorf("namespace %q is not a valid name; hint: -n takes a DNS label such as flux-system", o.Namespace)
	}
	known := append(DefaultComponents(), ExtraComponents()...)
	if len(o.Components) == 0 {
		return fmt.Errorf("--components is empty; hint: at least source-controller and kustomize-controller are needed")
	}
	for _, c := range o.Components {
		if !slices.Contains(known, c) {
			return fmt.Errorf("unknown component %q; hint: choose from %s", c, strings.Join(known, ", "))
		}
	}
	for _, need := range []string{"source-controller", "kustomize-controller"} {
		if !slices.Contains(o.Components, need) {
			return fmt.Errorf("--components must include %s: bootstrap's self-update needs it", need)
		}
	}
	switch o.LogLevel {
	case "debug", "info", "error":
	default:
		return fmt.Errorf("--log-level %q; hint: use debug, info or error", o.LogLevel)
	}
	for _, part := range strings.Split(o.ClusterDomain, ".") {
		if !dnsLabel.MatchString(part) {
			return fmt.Errorf("--cluster-domain %q is not a domain name", o.ClusterDomain)
		}
	}
	if o.Registry == "" || strings.Contains(o.Registry, "://") {
		return fmt.Errorf("--registry %q; hint: give a registry path without scheme, such as ghcr.io/fluxcd", o.Registry)
	}
	return nil
}
