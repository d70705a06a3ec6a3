package sandbox

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRegistryEnv makes the test binary act as `registry serve CONFIG`, so
// StartComponent and StopComponent run a real process without the pinned
// registry binary.
const fakeRegistryEnv = "SANDBOX_TEST_FAKE_REGISTRY"

func TestMain(m *testing.M) {
	if os.Getenv(fakeRegistryEnv) == "1" {
		if err := serveFakeRegistry(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fake registry:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveFakeRegistry answers /v2/ on the http.addr of a distribution config.
func serveFakeRegistry(args []string) error {
	if len(args) != 2 || args[0] != "serve" {
		return fmt.Errorf("usage: registry serve CONFIG, got %v", args)
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	addr := ""
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "addr: "); ok {
			addr = v
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "{}")
	}))
}

// fakeTools writes a tools dir whose registry is this test binary and whose
// registry-htpasswd prints a fake hash (never the password).
func fakeTools(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scripts := map[string]string{
		"registry":          fmt.Sprintf("#!/bin/sh\n%s=1 exec %s \"$@\"\n", fakeRegistryEnv, shellQuote(self)),
		"registry-htpasswd": "#!/bin/sh\nread -r pw\necho \"$1:\\$2a\\$10\\$fake${#pw}\"\n",
	}
	for name, script := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeSandbox records a sandbox of just the registries, both stopped, with
// the files `up` writes for them.
func fakeSandbox(t *testing.T) (*Sandbox, *State) {
	t.Helper()
	root := t.TempDir()
	sb, err := New(Options{Root: root, Dir: filepath.Join(root, ".sandbox"), Tools: fakeTools(t)})
	if err != nil {
		t.Fatal(err)
	}
	ports, err := freePorts()
	if err != nil {
		t.Fatal(err)
	}
	l := sb.layout
	if err := os.MkdirAll(l.logDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeAll(map[string][]byte{
		l.path("registry", registryPlainName+".yml"): []byte(registryConfig(ports.RegistryPlain, l.path("registry", "data-plain"), "")),
		l.registryHtpasswd():                         []byte(RegistryUser + ":$2a$10$original\n"),
		l.registryPasswordPath():                     []byte("original-password"),
	}); err != nil {
		t.Fatal(err)
	}
	st := &State{Ports: ports, Processes: []Process{
		{Name: registryPlainName, Stopped: true}, {Name: registryTLSName, Stopped: true},
	}}
	if err := st.save(l.statePath()); err != nil {
		t.Fatal(err)
	}
	return sb, st
}
