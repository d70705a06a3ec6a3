package gitinfo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2024-04-27T10:00:00Z", "GIT_AUTHOR_DATE=2024-04-27T10:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestDescribe(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	run(t, dir, "config", "user.email", "t@example.com")
	run(t, dir, "config", "user.name", "t")
	run(t, dir, "remote", "add", "origin", "https://bot:ghp_token@github.com/org/fleet.git")
	os.MkdirAll(filepath.Join(dir, "clusters"), 0o755)
	os.WriteFile(filepath.Join(dir, "clusters", "a.yaml"), []byte("a: 1\n"), 0o644)
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-q", "-m", "init")

	info, ok := Describe(context.Background(), filepath.Join(dir, "clusters"))
	if !ok {
		t.Fatal("not recognised as a checkout")
	}
	if info.Source != "https://github.com/org/fleet.git" {
		t.Errorf("Source = %q, want the URL without credentials", info.Source)
	}
	if len(info.Revision) != len("main@sha1:")+40 || info.Revision[:10] != "main@sha1:" {
		t.Errorf("Revision = %q, want main@sha1:<40 hex>", info.Revision)
	}
	if !info.CommitTime.Equal(time.Date(2024, 4, 27, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("CommitTime = %v", info.CommitTime)
	}
	if _, ok := Describe(context.Background(), t.TempDir()); ok {
		t.Error("a plain directory was taken for a checkout")
	}
}

func TestStripCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:token@github.com/org/repo": "https://github.com/org/repo",
		"https://token@gitlab.com/org/repo":      "https://gitlab.com/org/repo",
		"ssh://git@github.com/org/repo":          "ssh://git@github.com/org/repo",
		"git@github.com:org/repo.git":            "git@github.com:org/repo.git",
		"https://github.com/org/repo":            "https://github.com/org/repo",
	} {
		if got := StripCredentials(in); got != want {
			t.Errorf("StripCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}
