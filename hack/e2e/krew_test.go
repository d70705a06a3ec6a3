//go:build e2e

package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// krewIndex is the name the custom-index test adds its git repo under.
const krewIndex = "e2e"

// TestKrew installs the plugin the ways a user would get it from krew: from
// the manifest with the release archive (what the krew-index review runs),
// and from a custom index, each in a throwaway KREW_ROOT; then it removes it.
// The archive is the one make dist builds, for this machine's platform only.
func TestKrew(t *testing.T) {
	tools := filepath.Dir(testBed.sb.Tool("kubectl"))
	runStep(t, testBed.root, []string{"TOOLS_BIN=" + tools}, "hack/tools/build.sh", "krew")
	tag := committedVersion(t)
	dist := t.TempDir()
	runStep(t, testBed.root, []string{"RELEASE_TAG=" + tag, "PLATFORMS=" + runtime.GOOS + "/" + runtime.GOARCH, "DIST_DIR=" + dist},
		"hack/krew/dist.sh")
	archive := filepath.Join(dist, "kubectl-flux_oci_"+tag+"_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")

	// krew downloads with net/http only (no file:// URIs): the index points
	// at a loopback server.
	server := httptest.NewServer(http.FileServer(http.Dir(dist)))
	t.Cleanup(server.Close)
	manifests := t.TempDir()
	// The validator takes the plugin name from the file name.
	release := filepath.Join(manifests, "flux-oci.yaml")
	renderManifest(t, release, "-tag", tag, "-dist", dist, "-allow-missing")
	index := newIndexRepo(t, "-tag", tag, "-dist", dist, "-allow-missing", "-url-prefix", server.URL)

	t.Run("manifests pass krew's validator", func(t *testing.T) {
		for _, manifest := range []string{filepath.Join(testBed.root, "plugins", "flux-oci.yaml"), release} {
			// -skip-install: the validator would download every platform's
			// archive; "every platform" below does that when they exist.
			runStep(t, "", nil, filepath.Join(tools, "validate-krew-manifest"), "-manifest", manifest, "-skip-install")
		}
	})

	t.Run("install from the manifest and the archive", func(t *testing.T) {
		krewRoot := useKrew(t, tools)
		// krew refuses to uninstall anything until some index exists.
		krew(t, "index", "add", krewIndex, index)
		krew(t, "install", "--manifest="+release, "--archive="+archive)
		assertInstalled(t, krewRoot, tag)
		assertCompletion(t, krewRoot, tag)
		krew(t, "uninstall", "flux-oci")
		assertUninstalled(t, krewRoot)
	})

	t.Run("install from a custom index", func(t *testing.T) {
		krewRoot := useKrew(t, tools)
		krew(t, "index", "add", krewIndex, index)
		krew(t, "install", krewIndex+"/flux-oci")
		assertInstalled(t, krewRoot, tag)
		krew(t, "uninstall", "flux-oci")
		assertUninstalled(t, krewRoot)
		krew(t, "index", "remove", krewIndex)
	})

	t.Run("every platform installs", func(t *testing.T) {
		// Only after `make dist` of every platform: cross-compiling six
		// binaries would make `make test` minutes slower.
		all := filepath.Join(testBed.root, "dist")
		for _, platform := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"} {
			if _, err := os.Stat(filepath.Join(all, "kubectl-flux_oci_"+tag+"_"+platform+".tar.gz")); err != nil {
				t.Skipf("dist/ lacks the %s archive of %s: run make dist to check every platform", platform, tag)
			}
		}
		useKrew(t, tools)
		server := httptest.NewServer(http.FileServer(http.Dir(all)))
		defer server.Close()
		manifest := filepath.Join(t.TempDir(), "flux-oci.yaml")
		renderManifest(t, manifest, "-tag", tag, "-dist", all, "-url-prefix", server.URL)
		// Installs each platform (KREW_OS, KREW_ARCH) into its own KREW_ROOT
		// and checks that a LICENSE was extracted.
		out := runStep(t, "", nil, filepath.Join(tools, "validate-krew-manifest"), "-manifest", manifest)
		if !strings.Contains(out, "all 6 spec.platforms installed fine") {
			t.Errorf("the validator did not install every platform:\n%s", out)
		}
	})
}

// committedVersion is the release plugins/flux-oci.yaml is rendered for.
func committedVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testBed.root, "plugins", "flux-oci.yaml"))
	if err != nil {
		t.Fatalf("reading the committed krew manifest: %v", err)
	}
	m := regexp.MustCompile(`(?m)^  version: (v\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("plugins/flux-oci.yaml has no spec.version")
	}
	return string(m[1])
}

// useKrew points krew at a fresh KREW_ROOT and builds a PATH that holds
// KREW_ROOT/bin, kubectl and kubectl-krew, and no other kubectl-flux_oci, so
// that `kubectl flux-oci` runs what krew installed.
// kubectl-krew lives outside KREW_ROOT: inside a fresh KREW_ROOT/bin krew
// reports "krew home outdated".
func useKrew(t *testing.T, tools string) string {
	t.Helper()
	krewRoot, pathDir := t.TempDir(), t.TempDir()
	for name, target := range map[string]string{"kubectl": testBed.sb.Tool("kubectl"), "kubectl-krew": filepath.Join(tools, "krew")} {
		if err := os.Symlink(target, filepath.Join(pathDir, name)); err != nil {
			t.Fatalf("linking %s: %v", name, err)
		}
	}
	// Leave out every other kubectl-flux_oci: the test bed's, and a
	// developer's `go install`ed one.
	rest := slices.DeleteFunc(filepath.SplitList(os.Getenv("PATH")), func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, "kubectl-flux_oci"))
		return err == nil
	})
	t.Setenv("PATH", strings.Join(append([]string{filepath.Join(krewRoot, "bin"), pathDir}, rest...), string(os.PathListSeparator)))
	t.Setenv("KREW_ROOT", krewRoot)
	// The upgrade check asks GitHub; the test must not depend on the network.
	t.Setenv("KREW_NO_UPGRADE_CHECK", "1")
	return krewRoot
}

func krew(t *testing.T, args ...string) string {
	t.Helper()
	return kubectl(t, append([]string{"krew"}, args...)...)
}

func assertInstalled(t *testing.T, krewRoot, tag string) {
	t.Helper()
	// The stamped tag tells the krew-installed binary from bin/kubectl-flux_oci.
	if out := kubectl(t, "flux-oci", "version"); !strings.Contains(out, "kubectl-flux_oci: "+tag+"\n") {
		t.Errorf("kubectl flux-oci version after krew install = %q, want version %s", out, tag)
	}
	if out := runCmd(t, "", "kubectl", "plugin", "list").stdout; !strings.Contains(out, filepath.Join(krewRoot, "bin", "kubectl-flux_oci")) {
		t.Errorf("kubectl plugin list does not show krew's kubectl-flux_oci:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(krewRoot, "store", "flux-oci", tag, "LICENSE")); err != nil {
		t.Errorf("the installed plugin has no LICENSE: %v", err)
	}
}

// assertCompletion links the completion helper from the installed archive
// onto PATH, as the README tells users to, and completes through kubectl.
func assertCompletion(t *testing.T, krewRoot, tag string) {
	t.Helper()
	helper := filepath.Join(krewRoot, "store", "flux-oci", tag, "kubectl_complete-flux_oci")
	link := filepath.Join(krewRoot, "bin", "kubectl_complete-flux_oci")
	if err := os.Symlink(helper, link); err != nil {
		t.Fatalf("linking the completion helper: %v", err)
	}
	defer os.Remove(link)
	out := kubectl(t, "__complete", "flux-oci", "p")
	for _, want := range []string{"\npush\t", "\npull\t"} {
		if !strings.Contains("\n"+out, want) {
			t.Errorf("kubectl __complete flux-oci p = %q, want a %q candidate", out, strings.Fields(want)[0])
		}
	}
}

func assertUninstalled(t *testing.T, krewRoot string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(krewRoot, "bin", "kubectl-flux_oci")); !os.IsNotExist(err) {
		t.Errorf("KREW_ROOT/bin/kubectl-flux_oci after uninstall: %v", err)
	}
	if res := runCmd(t, "", "kubectl", "flux-oci", "version"); res.err == nil {
		t.Errorf("kubectl flux-oci still runs after krew uninstall:\n%s", res.stdout)
	}
}

// newIndexRepo makes a git repo holding plugins/flux-oci.yaml, rendered with
// args, which krew can add as a custom index.
func newIndexRepo(t *testing.T, args ...string) string {
	t.Helper()
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	renderManifest(t, filepath.Join(repo, "plugins", "flux-oci.yaml"), args...)
	git := []string{"-C", repo, "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "-c", "commit.gpgsign=false"}
	runStep(t, "", nil, "git", append(git, "init", "--quiet")...)
	runStep(t, "", nil, "git", append(git, "add", "plugins")...)
	runStep(t, "", nil, "git", append(git, "commit", "--quiet", "--message", "flux-oci")...)
	return repo
}

// renderManifest runs the renderer of `make krew-manifest`.
func renderManifest(t *testing.T, out string, args ...string) {
	t.Helper()
	runStep(t, testBed.root, nil, "go", append([]string{"run", "./hack/krew", "-template", ".krew.yaml", "-o", out}, args...)...)
}

// runStep runs a build step in dir with extra environment; unlike runCmd it has
// no timeout of its own, as a cold cross-compile takes minutes on 2 cores.
func runStep(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
