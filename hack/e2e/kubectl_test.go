//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// result is what one command printed.
type result struct {
	stdout, stderr string
	err            error
}

// runCmd runs name (found on the test PATH: the pinned kubectl and the
// plugin) with stdin, and never fails the test by itself.
func runCmd(t *testing.T, stdin string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// kubectl runs the pinned kubectl and fails the test when it fails.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	return kubectlIn(t, "", args...)
}

func kubectlIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	res := runCmd(t, stdin, "kubectl", args...)
	if res.err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), res.err, res.stdout, res.stderr)
	}
	return res.stdout
}

// kubectlApplyFile applies a fixture after filling in its placeholders.
func kubectlApplyFile(t *testing.T, fixture string, vars map[string]string) {
	t.Helper()
	kubectlIn(t, render(t, fixture, vars), "apply", "--server-side", "--field-manager=e2e", "-f", "-")
}

// fixture is the path of a file under testdata/e2e.
func fixture(elem ...string) string {
	return filepath.Join(append([]string{testBed.root, "testdata", "e2e"}, elem...)...)
}

// render fills ${VAR} placeholders; an unknown one fails the test rather
// than silently becoming empty.
func render(t *testing.T, path string, vars map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return os.Expand(string(data), func(key string) string {
		value, ok := vars[key]
		if !ok {
			t.Fatalf("fixture %s: no value for ${%s}", path, key)
		}
		return value
	})
}

// renderDir renders every file of a fixture dir into a fresh temp dir, the
// directory the plugin pushes.
func renderDir(t *testing.T, dir string, vars map[string]string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading fixture dir: %v", err)
	}
	for _, e := range entries {
		content := render(t, filepath.Join(dir, e.Name()), vars)
		if err := os.WriteFile(filepath.Join(out, e.Name()), []byte(content), 0o644); err != nil {
			t.Fatalf("writing rendered fixture: %v", err)
		}
	}
	return out
}

// dumpOnFailure prints, when the test failed, the Flux objects with their
// conditions and the controllers' log tails: what one needs to see why.
func dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		conditions := `{range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{"\n"}` +
			`{range .status.conditions[*]}{"  "}{.type}={.status} {.reason}: {.message}{"\n"}{end}{end}`
		res := runCmd(t, "", "kubectl", "get", "ocirepositories.source.toolkit.fluxcd.io,kustomizations.kustomize.toolkit.fluxcd.io",
			"-A", "-o", "jsonpath="+conditions)
		t.Logf("Flux objects:\n%s%s", res.stdout, res.stderr)
		res = runCmd(t, "", "kubectl", "get", "deployments,pods,configmaps", "-A", "-l", "app=e2e")
		t.Logf("app objects:\n%s%s", res.stdout, res.stderr)
		for _, name := range []string{"source-controller", "kustomize-controller"} {
			t.Logf("%s", testBed.sb.LogTail(name, 40))
		}
	})
}
