package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// fakeNode is managed by kwok (the annotation matches its selector). No
// taint, so ordinary Deployments schedule onto it.
const fakeNode = `apiVersion: v1
kind: Node
metadata:
  name: ` + FakeNodeName + `
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ` + FakeNodeName + `
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    type: kwok
`

const fluxNamespace = `apiVersion: v1
kind: Namespace
metadata:
  name: ` + runtimeNamespace + `
`

// installManifests applies the Flux CRDs (of the exact controller versions
// the build copied next to the binaries), the flux-system Namespace and the
// fake Node, and waits for the CRDs to be Established.
func (s *Sandbox) installManifests(ctx context.Context) error {
	l := s.layout
	if err := writeAll(map[string][]byte{
		l.path("manifests", "node.yaml"):      []byte(fakeNode),
		l.path("manifests", "namespace.yaml"): []byte(fluxNamespace),
	}); err != nil {
		return err
	}
	s.logf("► installing Flux CRDs, namespace %s and node %s", runtimeNamespace, FakeNodeName)
	args := []string{"apply", "--server-side", "--field-manager=sandbox",
		"-f", l.path("manifests")}
	for _, controller := range []string{sourceControllerName, kustomizeCtrlName} {
		dir := l.tool("crds/" + controller)
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("installing the CRDs of %s: %w (hint: make tools)", controller, err)
		}
		args = append(args, "-f", dir)
	}
	if _, err := s.kubectl(ctx, args...); err != nil {
		return err
	}
	_, err := s.kubectl(ctx, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
	return err
}

// kubectl runs the pinned kubectl against the sandbox and returns stdout.
func (s *Sandbox) kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.layout.tool("kubectl"), append([]string{"--kubeconfig", s.layout.kubeconfigPath()}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
