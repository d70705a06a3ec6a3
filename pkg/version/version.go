// Package version reports what this build of the plugin is.
package version

import (
	"runtime"
	"runtime/debug"
)

// Version is stamped at build time with -ldflags
// "-X github.com/flux-oci/kubectl-flux-oci/pkg/version.Version=v1.2.3".
// It is a variable only because the linker can set nothing else.
var Version = ""

// Info describes the running binary.
type Info struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
	// Flux is the Flux distribution embedded for bootstrap; empty until one is embedded.
	Flux string `json:"flux,omitempty"`
}

// Get returns the version information of the running binary. A binary built
// with `go install …@vX` has no -ldflags, so the module version recorded by
// the Go toolchain is used instead.
func Get() Info {
	v := Version
	if v == "" {
		v = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return Info{
		Version:   v,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// UserAgent is the User-Agent sent to registries.
func UserAgent() string {
	return "kubectl-flux-oci/" + Get().Version
}
