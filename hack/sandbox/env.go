package sandbox

import (
	"fmt"
	"os"
	"strings"
)

// writeEnvFile writes the shell file users and tests source to reach the
// sandbox. Only paths and addresses: secrets stay in their own files.
func writeEnvFile(l layout, p Ports) error {
	vars := [][2]string{
		{"KUBECONFIG", l.kubeconfigPath()},
		{"SANDBOX_DIR", l.dir},
		{"SANDBOX_KUBECTL", l.tool("kubectl")},
		{"SANDBOX_REGISTRY_PLAIN", loopback(p.RegistryPlain)},
		{"SANDBOX_REGISTRY_TLS", loopback(p.RegistryTLS)},
		{"SANDBOX_REGISTRY_CA", l.registryCA()},
		{"SANDBOX_REGISTRY_USER", RegistryUser},
		{"SANDBOX_REGISTRY_PASSWORD_FILE", l.registryPasswordPath()},
		{"SANDBOX_LOG_DIR", l.logDir()},
	}
	for _, name := range []string{etcdName, registryPlainName, registryTLSName, apiServerName,
		controllerManagerName, schedulerName, kwokName, sourceControllerName, kustomizeCtrlName} {
		key := "SANDBOX_LOG_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(name))
		vars = append(vars, [2]string{key, l.logPath(name)})
	}
	var b strings.Builder
	b.WriteString("# kubectl flux-oci sandbox: source this file (. .sandbox/env)\n")
	for _, kv := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	if err := os.WriteFile(l.envPath(), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the sandbox env file: %w", err)
	}
	return nil
}

// Env returns the env file of a running sandbox.
func (s *Sandbox) Env() (string, error) {
	data, err := os.ReadFile(s.layout.envPath())
	if err != nil {
		return "", fmt.Errorf("reading the sandbox env file (is the sandbox up? make sandbox): %w", err)
	}
	return string(data), nil
}

// EnvVars parses the env file into a map, for tests that do not use a shell.
func (s *Sandbox) EnvVars() (map[string]string, error) {
	text, err := s.Env()
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if ok && !strings.HasPrefix(line, "#") {
			vars[key] = strings.Trim(value, "'")
		}
	}
	return vars, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
