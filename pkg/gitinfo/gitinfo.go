// Package gitinfo reads where a directory's content comes from when it is
// part of a git checkout, to fill the source and revision annotations the
// way Flux's documentation asks users to by hand. It runs the git binary:
// a checkout without git installed simply yields nothing.
package gitinfo

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Info describes the commit a directory is checked out at.
type Info struct {
	// Source is remote.origin.url with any credentials removed.
	Source string
	// Revision is BRANCH@sha1:COMMIT, or sha1:COMMIT on a detached HEAD.
	Revision string
	// CommitTime is the committer date of HEAD.
	CommitTime time.Time
}

// Describe returns the git facts of the checkout holding path, or ok=false
// when path is not in a checkout or git is missing.
func Describe(ctx context.Context, path string) (info Info, ok bool) {
	dir := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		dir = filepath.Dir(path)
	}
	head, err := git(ctx, dir, "log", "-1", "--format=%H %ct")
	if err != nil {
		return Info{}, false
	}
	fields := strings.Fields(head)
	if len(fields) != 2 {
		return Info{}, false
	}
	secs, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return Info{}, false
	}
	info.CommitTime = time.Unix(secs, 0).UTC()
	info.Revision = "sha1:" + fields[0]
	if branch, err := git(ctx, dir, "symbolic-ref", "--short", "-q", "HEAD"); err == nil && branch != "" {
		info.Revision = branch + "@" + info.Revision
	}
	if origin, err := git(ctx, dir, "config", "--get", "remote.origin.url"); err == nil {
		info.Source = StripCredentials(origin)
	}
	return info, true
}

// StripCredentials removes user:password@ from a URL: a token pasted into a
// clone URL must not travel into a public artifact.
func StripCredentials(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Scheme == "" {
		return raw
	}
	// ssh://git@host keeps its user name: it is not a secret and ssh needs it.
	if _, hasPassword := u.User.Password(); !hasPassword && u.Scheme == "ssh" {
		return raw
	}
	u.User = nil
	return u.String()
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}
