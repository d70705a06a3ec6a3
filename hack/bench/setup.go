package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func newBench(ctx context.Context, c config, log io.Writer) (b *bench, err error) {
	b = &bench{cfg: c, log: log, started: time.Now(), registry: filepath.Join(c.toolsDir, "registry")}
	if _, err := os.Stat(b.registry); err != nil {
		return nil, fmt.Errorf("registry binary %s: %w (hint: hack/tools/build.sh registry)", b.registry, err)
	}
	if err := b.findTools(ctx); err != nil {
		return nil, err
	}
	if err := b.makeScratch(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			b.cleanup()
		}
	}()
	// Measure a private copy of the plugin: bin/kubectl-flux_oci may be
	// rebuilt by someone else while the benchmark runs.
	ours := &b.tools[0]
	private := filepath.Join(b.scratch, "bin", filepath.Base(ours.bin))
	if err := copyExecutable(ours.bin, private); err != nil {
		return nil, err
	}
	ours.bin = private
	b.notes = append(b.notes, "load average at start: "+loadAverage())
	fmt.Fprintf(log, "► scratch %s; tools: %s\n", b.scratch, strings.Join(toolNames(b.tools), ", "))
	return b, nil
}

// findTools keeps the selected clients whose binaries exist; a missing peer
// is skipped with a note, a missing plugin is an error.
func (b *bench) findTools(ctx context.Context) error {
	for _, t := range knownTools(b.cfg.plugin, b.cfg.toolsDir) {
		if !slices.Contains(b.cfg.tools, t.name) {
			continue
		}
		if !t.available() {
			if t.name == "ours" {
				return fmt.Errorf("plugin binary %s not found (hint: make build)", t.bin)
			}
			msg := fmt.Sprintf("skipped %s: %s not found (build it with hack/tools/build.sh %s)", t.name, t.bin, toolGroup(t.name))
			fmt.Fprintf(b.log, "⚠ %s\n", msg)
			b.notes = append(b.notes, msg)
			continue
		}
		b.tools = append(b.tools, t)
		b.versions = append(b.versions, fmt.Sprintf("%s: `%s`", t.name, t.version(ctx)))
	}
	return nil
}

// makeScratch puts data, registry storage and every tool's temporary files
// on tmpfs when there is one: the disk must not be what is measured.
func (b *bench) makeScratch() error {
	base := os.TempDir()
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		base = "/dev/shm"
	}
	var err error
	if b.scratch, err = os.MkdirTemp(base, "flux-oci-bench-"); err != nil {
		return fmt.Errorf("creating scratch directory in %s: %w", base, err)
	}
	tmp, docker := filepath.Join(b.scratch, "tmp"), filepath.Join(b.scratch, "docker")
	for _, d := range []string{tmp, docker, filepath.Join(b.scratch, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.cleanup()
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	// An empty Docker config keeps credential helpers out of the timings.
	b.env = append(os.Environ(), "TMPDIR="+tmp, "DOCKER_CONFIG="+docker)
	return nil
}

func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copying plugin %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return fmt.Errorf("copying plugin to %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying plugin to %s: %w", dst, err)
	}
	return out.Close()
}

// loadAverage tells the reader how busy the machine was: on two shared
// cores, a parallel build makes every figure noisy.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// toolGroup names the hack/tools/build.sh group that builds a peer.
func toolGroup(name string) string {
	if name == "flux" {
		return "flux"
	}
	return "peers"
}
