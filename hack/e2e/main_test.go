//go:build e2e

// Package e2e tests kubectl flux-oci end to end: the built plugin, called
// through the pinned kubectl, against the local sandbox (a real control
// plane, real registries and the real Flux controllers on 127.0.0.1).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/flux-oci/kubectl-flux-oci/hack/sandbox"
)

// bed is what every test needs: it is built once by TestMain and only read
// afterwards.
type bed struct {
	sb       *sandbox.Sandbox
	env      map[string]string // the sandbox env file
	root     string            // repository root
	pathDir  string            // holds kubectl and kubectl-flux_oci, first on PATH
	buildErr error             // why the plugin could not be built, if so
}

func TestMain(m *testing.M) {
	sandbox.RunSupervisorIfRequested() // the sandbox re-executes this binary as supervisor
	os.Exit(run(m))
}

// run brings the sandbox up (unless one is already up, which it then leaves
// running), runs the tests, and brings down what it started, failing when a
// process or listener survives.
func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sb, err := sandbox.New(sandbox.Options{Progress: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		return 1
	}
	started, err := sb.Up(ctx)
	st, _ := sb.State()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "✗ sandbox up: %v\n", err)
	} else if err := setup(sb); err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
	} else {
		code = m.Run()
	}
	if !started {
		return code
	}
	if err := sb.Down(); err != nil {
		fmt.Fprintf(os.Stderr, "✗ sandbox down: %v\n", err)
		return 1
	}
	if err := verifyGone(st); err != nil {
		fmt.Fprintf(os.Stderr, "✗ after sandbox down: %v\n", err)
		return 1
	}
	return code
}

// testBed is set once by setup before m.Run and never written again.
var testBed bed

func setup(sb *sandbox.Sandbox) error {
	env, err := sb.EnvVars()
	if err != nil {
		return err
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		return fmt.Errorf("finding the repository root: %w", err)
	}
	pathDir, err := os.MkdirTemp("", "flux-oci-e2e-path-")
	if err != nil {
		return fmt.Errorf("creating the PATH dir: %w", err)
	}
	// E2E_PLUGIN runs the tests against another build of the plugin.
	plugin, buildErr := os.Getenv("E2E_PLUGIN"), error(nil)
	if plugin == "" {
		plugin = filepath.Join(root, "bin", "kubectl-flux_oci")
		buildErr = ensurePlugin(root, plugin)
	}
	// kubectl finds `kubectl flux-oci` as kubectl-flux_oci on PATH; the
	// pinned kubectl comes first so no system kubectl is used.
	for name, target := range map[string]string{"kubectl": sb.Tool("kubectl"), "kubectl-flux_oci": plugin} {
		if err := os.Symlink(target, filepath.Join(pathDir, name)); err != nil {
			return fmt.Errorf("linking %s into the PATH dir: %w", name, err)
		}
	}
	for key, value := range map[string]string{
		"PATH": pathDir + string(os.PathListSeparator) + os.Getenv("PATH"), "KUBECONFIG": env["KUBECONFIG"],
		// Keep the plugin from reading the developer's registry logins.
		"DOCKER_CONFIG": filepath.Join(pathDir, "docker"),
	} {
		if err := os.Setenv(key, value); err != nil {
			return fmt.Errorf("setting %s: %w", key, err)
		}
	}
	testBed = bed{sb: sb, env: env, root: root, pathDir: pathDir, buildErr: buildErr}
	return nil
}

// ensurePlugin builds bin/kubectl-flux_oci from the working tree, always:
// a stale binary left by an earlier build must never pass the tests. The Go
// build cache makes this a second when nothing changed.
func ensurePlugin(root, plugin string) error {
	cmd := exec.Command("go", "build", "-o", plugin, "./cmd/kubectl-flux_oci")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("building %s: %w\n%s", plugin, err, out)
	}
	return nil
}

// verifyGone fails when a process the sandbox started, or a listener on one
// of its ports, is still there.
func verifyGone(st *sandbox.State) error {
	if st == nil {
		return errors.New("no sandbox state was recorded")
	}
	var errs []error
	for _, p := range st.Processes {
		if sandbox.Running(p) {
			errs = append(errs, fmt.Errorf("%s (pid %d) is still running", p.Name, p.PID))
		}
	}
	listening, err := sandbox.ListeningPorts()
	if err != nil {
		return err
	}
	for _, port := range st.Ports.All() {
		if listening[port] {
			errs = append(errs, fmt.Errorf("port %d still has a listener", port))
		}
	}
	if len(errs) == 0 && slices.Contains(st.Ports.All(), 0) {
		errs = append(errs, errors.New("a sandbox port was never picked"))
	}
	return errors.Join(errs...)
}
