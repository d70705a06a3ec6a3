package cmd

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

func writeFiles(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for n, c := range files {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var fleetFiles = map[string]string{
	"kustomization.yaml": "resources:\n- app.yaml\n",
	"app.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  replicas: \"1\"\n",
}

func TestRoundTrip(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1714212000")
	reg := registrytest.Start(t, registrytest.Options{})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	url := "oci://" + reg.Host + "/fleet"

	r := run(t, "", "push", url+":v1.0.0", "--path", src, "--tag", "production", "--source", "https://example.com/fleet", "--revision", "main@sha1:abc", "-o", "json").mustSucceed(t)
	golden(t, "push.json.golden", r.stdout, reg.Host, "REGISTRY")
	var pushed pushResult
	if err := json.Unmarshal([]byte(r.stdout), &pushed); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stderr, "packaged 2 files") {
		t.Errorf("progress = %q", r.stderr)
	}

	// Another checkout of the same content gives the same digest.
	again := run(t, "", "push", url+":again", "--path", writeFiles(t, t.TempDir(), fleetFiles), "--source", "https://example.com/fleet", "--revision", "main@sha1:abc").mustSucceed(t)
	if strings.TrimSpace(again.stdout) != pushed.URL {
		t.Errorf("second checkout pushed %s, first %s", again.stdout, pushed.URL)
	}

	out := filepath.Join(t.TempDir(), "out")
	r = run(t, "", "pull", url+":production", "--output", out).mustSucceed(t)
	if !strings.Contains(r.stdout, "digest: "+pushed.Digest) || !strings.Contains(r.stdout, "revision: main@sha1:abc") {
		t.Errorf("pull printed %q", r.stdout)
	}
	for n, c := range fleetFiles {
		if data, _ := os.ReadFile(filepath.Join(out, n)); string(data) != c {
			t.Errorf("pulled %s = %q", n, data)
		}
	}

	run(t, "", "tag", url+":v1.0.0", "--tag", "stable").mustSucceed(t)
	r = run(t, "", "list", url, "--semver", ">=1.0.0").mustSucceed(t)
	if !strings.Contains(r.stdout, "ARTIFACT") || !strings.Contains(r.stdout, reg.Host+"/fleet:v1.0.0") || strings.Contains(r.stdout, ":stable") {
		t.Errorf("list --semver = %q", r.stdout)
	}
	r = run(t, "", "list", url, "-o", "json").mustSucceed(t)
	golden(t, "list.json.golden", r.stdout, reg.Host, "REGISTRY")

	// diff: same → 0; changed → 1 with a unified diff; error → 2.
	r = run(t, "", "diff", url+":production", "--path", src)
	if r.code != 0 || r.stdout != "" {
		t.Errorf("diff of identical content: exit %d, %q", r.code, r.stdout)
	}
	writeFiles(t, src, map[string]string{"app.yaml": strings.Replace(fleetFiles["app.yaml"], `"1"`, `"3"`, 1), "new.yaml": "a: b\n"})
	r = run(t, "", "diff", url+":production", "--path", src)
	if r.code != 1 || !strings.Contains(r.stdout, "-  replicas: \"1\"\n+  replicas: \"3\"\n") || !strings.Contains(r.stdout, "added: new.yaml") {
		t.Errorf("diff of changed content: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "", "diff", url+":production", "--path", src, "--brief")
	if r.code != 1 || r.stdout != "modified: app.yaml\nadded: new.yaml\n" {
		t.Errorf("diff --brief: exit %d, %q", r.code, r.stdout)
	}
	r = run(t, "", "diff", url+":missing", "--path", src)
	if r.code != 2 {
		t.Errorf("diff of a missing tag: exit %d, want 2; %s", r.code, r.stderr)
	}
}

func TestTLSBasicAuthAndSecrets(t *testing.T) {
	const secret = "pa55-w0rd-never-shown"
	reg := registrytest.Start(t, registrytest.Options{TLS: true, Username: "ci", Password: secret})
	src := writeFiles(t, t.TempDir(), fleetFiles)
	url := "oci://" + reg.Host + "/fleet:v1"

	r := run(t, "", "push", url, "--path", src)
	if r.code != 1 || !strings.Contains(r.stderr, "--ca-file") {
		t.Errorf("unknown CA: exit %d, want 1 with a --ca-file hint; %s", r.code, r.stderr)
	}
	// --password-stdin, at the highest verbosity.
	r = run(t, secret+"\n", "push", url, "--path", src, "--ca-file", reg.CAFile, "--username", "ci", "--password-stdin", "-v", "10").mustSucceed(t)
	if !strings.Contains(r.stderr, "I6] PUT https://"+reg.Host+"/v2/fleet/manifests/v1 201") {
		t.Errorf("-v 10 should log requests: %s", r.stderr)
	}
	// OCI_PASSWORD.
	t.Setenv(PasswordEnv, secret)
	run(t, "", "pull", url, "-o", t.TempDir(), "--ca-file", reg.CAFile, "--username", "ci", "-v", "9").mustSucceed(t)
	// A wrong password is a failure with a hint, and is never printed.
	t.Setenv(PasswordEnv, "wr0ng-"+secret)
	bad := run(t, "", "push", url, "--path", src, "--ca-file", reg.CAFile, "--username", "ci", "-v", "10")
	if bad.code != 1 || !strings.Contains(bad.stderr, "hint: check --username") {
		t.Errorf("wrong password: exit %d; %s", bad.code, bad.stderr)
	}
	for _, out := range []result{r, bad} {
		if strings.Contains(out.stdout+out.stderr, secret) {
			t.Fatalf("a credential was printed:\n%s\n%s", out.stdout, out.stderr)
		}
	}
	for _, q := range reg.Requests() {
		if !strings.HasPrefix(q.UserAgent, "kubectl-flux-oci/") {
			t.Fatalf("User-Agent %q", q.UserAgent)
		}
	}
}

func TestPushRetriesThrottling(t *testing.T) {
	var throttled atomic.Int32
	reg := registrytest.Start(t, registrytest.Options{Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && throttled.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}})
	run(t, "", "push", "oci://"+reg.Host+"/fleet:v1", "--path", writeFiles(t, t.TempDir(), fleetFiles)).mustSucceed(t)
	if n := reg.Count(http.MethodPut, "/manifests/"); n != 3 {
		t.Errorf("manifest PUTs = %d, want 2 throttled + 1", n)
	}
}

func TestPushReadsGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	reg := registrytest.Start(t, registrytest.Options{})
	dir := writeFiles(t, t.TempDir(), map[string]string{"deploy/app.yaml": "a: 1\n"})
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"}, {"remote", "add", "origin", "https://bot:tok3n@git.example.com/fleet.git"},
		{"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "x"},
	} {
		c := exec.Command("git", append([]string{"-C", dir}, args...)...)
		c.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2024-04-27T10:00:00Z", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	r := run(t, "", "push", "oci://"+reg.Host+"/fleet:v1", "--path", filepath.Join(dir, "deploy")).mustSucceed(t)
	if strings.Contains(r.stdout+r.stderr, "tok3n") {
		t.Fatal("the token in the remote URL was printed")
	}
	r = run(t, "", "list", "oci://"+reg.Host+"/fleet", "-o", "json").mustSucceed(t)
	var items []struct{ Source, Revision, Created string }
	json.Unmarshal([]byte(r.stdout), &items)
	if len(items) != 1 || items[0].Source != "https://git.example.com/fleet.git" || !strings.HasPrefix(items[0].Revision, "main@sha1:") || items[0].Created != "2024-04-27T10:00:00Z" {
		t.Errorf("annotations from git = %+v", items)
	}
}

func TestFailuresExit1(t *testing.T) {
	src := writeFiles(t, t.TempDir(), fleetFiles)
	r := run(t, "", "push", "oci://127.0.0.1:1/fleet:v1", "--path", src)
	if r.code != 1 || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("unreachable registry: exit %d; %s", r.code, r.stderr)
	}
	reg := registrytest.Start(t, registrytest.Options{})
	run(t, "", "push", "oci://"+reg.Host+"/fleet:v1", "--path", src).mustSucceed(t)
	r = run(t, "", "pull", "oci://"+reg.Host+"/fleet:v1", "-o", t.TempDir(), "--max-size", "10")
	if r.code != 1 || !strings.Contains(r.stderr, "raise --max-size") {
		t.Errorf("too large: exit %d; %s", r.code, r.stderr)
	}
}

// A tampered layer is refused whichever way pull extracts it: streamed into
// a new directory (which is then removed) or verified first when the
// directory already holds files (which stay as they were).
func TestPullRefusesTamperedLayer(t *testing.T) {
	var tamper atomic.Bool
	reg := registrytest.Start(t, registrytest.Options{Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		if tamper.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			w.Write([]byte("\\x1f\\x8b not the layer"))
			return true
		}
		return false
	}})
	url := "oci://" + reg.Host + "/fleet:v1"
	run(t, "", "push", url, "--path", writeFiles(t, t.TempDir(), fleetFiles)).mustSucceed(t)
	tamper.Store(true)

	fresh := filepath.Join(t.TempDir(), "new")
	r := run(t, "", "pull", url, "-o", fresh)
	if r.code != 1 || !strings.Contains(r.stderr, "verification") {
		t.Errorf("tampered pull into a new dir: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("the new directory was left behind: %v", err)
	}

	existing := writeFiles(t, t.TempDir(), map[string]string{"keep.yaml": "mine"})
	r = run(t, "", "pull", url, "-o", existing)
	if r.code != 1 {
		t.Errorf("tampered pull into an existing dir: exit %d", r.code)
	}
	entries, _ := os.ReadDir(existing)
	if len(entries) != 1 || entries[0].Name() != "keep.yaml" {
		t.Errorf("existing directory changed: %v", entries)
	}
}
