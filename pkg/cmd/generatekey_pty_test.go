//go:build linux

package cmd

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

// openPTY returns the two ends of a new pseudo-terminal: the plugin reads
// the terminal end as its standard input, the test types into the other.
func openPTY(t *testing.T) (typist, terminal *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptmx, pts
}

// runOnTerminal runs the plugin with a terminal as standard input, the
// lines typed ahead of time.
func runOnTerminal(t *testing.T, typed string, args ...string) result {
	t.Helper()
	typist, terminal := openPTY(t)
	if _, err := typist.WriteString(typed); err != nil {
		t.Fatal(err)
	}
	return runIn(t, terminal, args...)
}

// Without $COSIGN_PASSWORD the new password is typed twice, and a second
// entry that differs writes nothing.
func TestGenerateKeyPromptsTwice(t *testing.T) {
	t.Setenv(KeyPasswordEnv, "") // restored after the test
	os.Unsetenv(KeyPasswordEnv)
	dir := t.TempDir()
	prefix := filepath.Join(dir, "typed")
	r := runOnTerminal(t, "s3cret-typed\ns3cret-typed\n", "generate-key", "--output-key-prefix", prefix)
	if r.code != 0 || strings.Count(r.stderr, "Enter password for private key "+prefix+".key") != 2 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret-typed") {
		t.Error("the typed password was echoed")
	}
	if _, err := signing.LoadPrivateKeyFile(prefix+".key", func() ([]byte, error) { return []byte("s3cret-typed"), nil }); err != nil {
		t.Errorf("the key does not open with the typed password: %v", err)
	}

	mismatch := filepath.Join(dir, "mismatch")
	r = runOnTerminal(t, "one\ntwo\n", "generate-key", "--output-key-prefix", mismatch)
	if r.code != 1 || !strings.Contains(r.stderr, "differ") {
		t.Errorf("different passwords: exit %d %s", r.code, r.stderr)
	}
	if files, _ := filepath.Glob(mismatch + ".*"); len(files) != 0 {
		t.Errorf("written although the passwords differ: %v", files)
	}
}
