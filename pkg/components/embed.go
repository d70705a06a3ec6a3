package components

import (
	"embed"
	"io/fs"
	"sort"

	"golang.org/x/mod/semver"
)

// embedded holds the generated manifests of every Flux version this build
// can install (hack/manifests regenerates them; make manifests-check keeps
// them current).
//
//go:embed manifests/v*/*.yaml
var embedded embed.FS

// Manifests returns the embedded manifests, one directory per version.
func Manifests() fs.FS {
	sub, _ := fs.Sub(embedded, "manifests") // the pattern above guarantees it
	return sub
}

// Versions lists the embedded Flux versions, newest first.
func Versions() []string {
	entries, _ := fs.ReadDir(embedded, "manifests")
	var out []string
	for _, e := range entries {
		if e.IsDir() && semver.IsValid(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare(out[i], out[j]) > 0 })
	return out
}

// Latest is the newest embedded Flux version.
func Latest() string { return Versions()[0] }
