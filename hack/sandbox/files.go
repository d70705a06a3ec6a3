package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RegistryUser is the basic-auth user of the TLS registry.
const RegistryUser = "flux-oci"

// writeFiles creates everything the processes read: PKI, credentials,
// kubeconfig and registry configs.
func writeFiles(l layout, p Ports) error {
	for _, dir := range []string{l.logDir(), l.path("supervisor"), l.path("pki"), l.path("registry"),
		l.path("etcd"), l.path("apiserver"), l.path("controller-manager"), l.path("scheduler"),
		l.path("source-controller", "storage"), l.path("manifests")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	if err := os.Chmod(l.path("etcd"), 0o700); err != nil { // etcd refuses a wider data dir
		return fmt.Errorf("restricting %s: %w", l.path("etcd"), err)
	}
	token, err := randomHex(24)
	if err != nil {
		return err
	}
	if err := writeClusterPKI(l, token); err != nil {
		return err
	}
	if err := writeKubeconfig(l, p, token); err != nil {
		return err
	}
	return writeRegistryFiles(l, p)
}

func writeClusterPKI(l layout, token string) error {
	ca, err := newCertAuthority("sandbox-cluster-ca")
	if err != nil {
		return err
	}
	if err := ca.writeFiles(l.pki("ca.crt"), l.pki("ca.key")); err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.issueServing("kube-apiserver",
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 96, 0, 1)})
	if err != nil {
		return err
	}
	if err := writeAll(map[string][]byte{
		l.pki("apiserver.crt"): certPEM, l.pki("apiserver.key"): keyPEM,
		// token,user,uid,"groups": system:masters is cluster admin, beyond RBAC.
		l.pki("tokens.csv"): []byte(token + `,admin,admin,"system:masters"` + "\n"),
		l.tokenPath():       []byte(token),
	}); err != nil {
		return err
	}
	return writeServiceAccountKeys(l.pki("sa.key"), l.pki("sa.pub"))
}

func writeKubeconfig(l layout, p Ports, token string) error {
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster:
    server: https://%s
    certificate-authority: %s
users:
- name: sandbox-admin
  user:
    token: %s
contexts:
- name: sandbox
  context:
    cluster: sandbox
    user: sandbox-admin
current-context: sandbox
`, loopback(p.APIServer), l.pki("ca.crt"), token)
	return writeAll(map[string][]byte{l.kubeconfigPath(): []byte(kubeconfig)})
}

func writeRegistryFiles(l layout, p Ports) error {
	ca, err := newCertAuthority("sandbox-registry-ca")
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := ca.issueServing("sandbox-registry", []string{"localhost"},
		[]net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	password, err := randomHex(16)
	if err != nil {
		return err
	}
	entry, err := hashRegistryPassword(l, RegistryUser, password)
	if err != nil {
		return err
	}
	reg := func(name string) string { return l.path("registry", name) }
	plain := registryConfig(p.RegistryPlain, reg("data-plain"), "")
	tls := registryConfig(p.RegistryTLS, reg("data-tls"), fmt.Sprintf(`  tls:
    certificate: %s
    key: %s
auth:
  htpasswd:
    realm: sandbox-registry
    path: %s
`, reg("tls.crt"), reg("tls.key"), reg("htpasswd")))
	return writeAll(map[string][]byte{
		l.registryCA(): ca.certPEM(), reg("tls.crt"): certPEM, reg("tls.key"): keyPEM,
		reg("htpasswd"): []byte(entry), l.registryUserPath(): []byte(RegistryUser),
		l.registryPasswordPath():        []byte(password),
		reg(registryPlainName + ".yml"): []byte(plain), reg(registryTLSName + ".yml"): []byte(tls),
	})
}

// registryConfig renders a distribution config; extra continues the http
// section (tls) and may add top-level sections (auth).
func registryConfig(port int, root, extra string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, root, loopback(port), extra)
}

// hashRegistryPassword returns the "user:bcrypt" htpasswd line from the
// helper built in the registry tools module, which keeps golang.org/x/crypto
// out of the main module. The password goes over stdin, never argv.
func hashRegistryPassword(l layout, user, password string) (string, error) {
	cmd := exec.Command(l.tool("registry-htpasswd"), user)
	cmd.Stdin = strings.NewReader(password + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hashing the password of registry user %s with %s: %w: %s (hint: make tools TOOLS=registry)",
			user, cmd.Path, err, strings.TrimSpace(stderr.String()))
	}
	if !strings.HasPrefix(string(out), user+":") {
		return "", fmt.Errorf("hashing the password of registry user %s with %s: unexpected output", user, cmd.Path)
	}
	return string(out), nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writeAll writes files readable only by the owner: several hold secrets.
func writeAll(files map[string][]byte) error {
	for path, data := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}
