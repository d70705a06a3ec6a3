// Command manifests regenerates the Flux component manifests that
// pkg/components embeds: for each Flux release in versions.yaml, the files
// flux2's manifests/scripts/bundle.sh builds, reproduced from the Go module
// proxy alone (the GitHub release assets flux2's bases download are out of
// reach of the build machines).
//
//	go run ./hack/manifests -out pkg/components/manifests
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
)

// options are the generator's inputs; defaults suit running from the repository root.
type options struct {
	versions      string
	out           string
	controllerGen string
	goBin         string
	parallel      int
}

func main() {
	var o options
	flag.StringVar(&o.versions, "versions", "hack/manifests/versions.yaml", "Flux releases and component versions")
	flag.StringVar(&o.out, "out", "pkg/components/manifests", "directory receiving one folder per Flux release")
	flag.StringVar(&o.controllerGen, "controller-gen", "bin/tools/controller-gen", "controller-gen binary (hack/tools/controller-gen)")
	flag.StringVar(&o.goBin, "go", "go", "go command")
	flag.IntVar(&o.parallel, "j", 2, "components built at once")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log io.Writer) error {
	versions, err := loadVersions(o.versions)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "flux-manifests-")
	if err != nil {
		return fmt.Errorf("creating scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	cgenBin, err := filepath.Abs(o.controllerGen)
	if err != nil {
		return fmt.Errorf("locating controller-gen %s: %w", o.controllerGen, err)
	}
	cgenVersion, err := toolVersion(ctx, cgenBin)
	if err != nil {
		return err
	}
	b := builder{
		gotool:      goTool{bin: o.goBin, scratch: scratch},
		cgen:        controllerGen{bin: cgenBin},
		cgenVersion: cgenVersion,
	}
	// Every release is built and verified before any is written, so a failed
	// run leaves the embedded copy as it was.
	bundles := make([]bundle, 0, len(versions.Releases))
	for _, r := range versions.Releases {
		fmt.Fprintf(log, "► building Flux %s components\n", r.Flux)
		bun, err := b.buildRelease(ctx, r, o.parallel)
		if err != nil {
			return err
		}
		summaries, err := verifyBundle(bun)
		if err != nil {
			return err
		}
		bun.files["SOURCES.md"] = renderSources(bun, summaries)
		logSources(log, bun)
		bundles = append(bundles, bun)
	}
	for _, bun := range bundles {
		dir := filepath.Join(o.out, bun.Flux)
		if err := writeBundle(dir, bun.files); err != nil {
			return err
		}
		fmt.Fprintf(log, "✔ wrote %d files to %s\n", len(bun.files), dir)
	}
	return nil
}

// logSources says which source each component came from and what was checked.
func logSources(log io.Writer, bun bundle) {
	for _, c := range bun.components {
		fmt.Fprintf(log, "  %s %s\n    CRDs: %s\n    Deployment: %s\n", c.Name, c.Version, c.crdSource, c.managerSource)
		for _, check := range c.checks {
			fmt.Fprintf(log, "    ✔ %s\n", check)
		}
		for _, note := range c.notes {
			fmt.Fprintf(log, "    ◎ %s\n", note)
		}
	}
}

// toolVersion asks controller-gen for its version, which SOURCES.md records.
func toolVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("running %s --version: %w (hint: make manifests builds it from hack/tools/controller-gen)", bin, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "Version:")), nil
}

// writeBundle replaces dir with exactly files, so a file dropped upstream
// does not linger in the embedded copy.
func writeBundle(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clearing %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
		}
	}
	return nil
}
