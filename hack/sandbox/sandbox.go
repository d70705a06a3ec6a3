// Package sandbox runs a throwaway Kubernetes control plane, two OCI
// registries and the real Flux source- and kustomize-controller as plain
// processes on 127.0.0.1, for the end-to-end tests of kubectl flux-oci.
//
// Every process is a session leader recorded in the state dir (.sandbox by
// default), so Down stops exactly what Up started, children included.
package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// Options locate the sandbox. Zero values pick the defaults.
type Options struct {
	// Root is the repository root; default: the nearest parent of the
	// working directory holding go.mod.
	Root string
	// Dir is the state dir; default $SANDBOX_DIR or Root/.sandbox.
	Dir string
	// Tools holds the pinned binaries; default $SANDBOX_TOOLS_BIN or Root/bin/tools.
	Tools string
	// Progress receives one line per step; default io.Discard.
	Progress io.Writer
}

// Sandbox drives one state dir.
type Sandbox struct {
	layout   layout
	progress io.Writer
}

// New resolves the options into absolute paths.
func New(opts Options) (*Sandbox, error) {
	root := opts.Root
	if root == "" {
		var err error
		if root, err = findModuleRoot(); err != nil {
			return nil, err
		}
	}
	dir := firstNonEmpty(opts.Dir, os.Getenv("SANDBOX_DIR"), filepath.Join(root, ".sandbox"))
	tools := firstNonEmpty(opts.Tools, os.Getenv("SANDBOX_TOOLS_BIN"), filepath.Join(root, "bin", "tools"))
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving sandbox dir %s: %w", dir, err)
	}
	if tools, err = filepath.Abs(tools); err != nil {
		return nil, fmt.Errorf("resolving tools dir %s: %w", tools, err)
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	return &Sandbox{layout: layout{dir: dir, tools: tools}, progress: progress}, nil
}

// Dir is the state dir.
func (s *Sandbox) Dir() string { return s.layout.dir }

// Tool is the path of a pinned binary, e.g. Tool("kubectl").
func (s *Sandbox) Tool(name string) string { return s.layout.tool(name) }

// Kubeconfig is the admin kubeconfig of the sandbox cluster.
func (s *Sandbox) Kubeconfig() string { return s.layout.kubeconfigPath() }

// State is what the last Up recorded, or nil when nothing is recorded.
func (s *Sandbox) State() (*State, error) { return loadState(s.layout.statePath()) }

func (s *Sandbox) logf(format string, args ...any) {
	fmt.Fprintf(s.progress, format+"\n", args...)
}

// lock serializes up, down and status on one state dir.
func (s *Sandbox) lock() (unlock func(), err error) {
	if err := os.MkdirAll(s.layout.dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating sandbox dir %s: %w", s.layout.dir, err)
	}
	f, err := os.OpenFile(s.layout.path("lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the sandbox lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
