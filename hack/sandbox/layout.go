package sandbox

import "path/filepath"

// layout names every file of the state dir, so that up, down, status and the
// e2e tests agree on where things are.
type layout struct {
	dir   string // state dir, e.g. .sandbox
	tools string // pinned binaries, e.g. bin/tools
}

func (l layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.dir}, elem...)...)
}

func (l layout) tool(name string) string { return filepath.Join(l.tools, name) }

func (l layout) statePath() string      { return l.path("state.json") }
func (l layout) envPath() string        { return l.path("env") }
func (l layout) kubeconfigPath() string { return l.path("kubeconfig") }
func (l layout) tokenPath() string      { return l.path("admin.token") }
func (l layout) logDir() string         { return l.path("logs") }
func (l layout) logPath(name string) string {
	return filepath.Join(l.logDir(), name+".log")
}

// supervisorStatusPath is where a supervisor records its child and restarts.
func (l layout) supervisorStatusPath(name string) string {
	return l.path("supervisor", name+".json")
}

func (l layout) pki(name string) string { return l.path("pki", name) }

func (l layout) registryCA() string           { return l.path("registry", "ca.crt") }
func (l layout) registryUserPath() string     { return l.path("registry", "username") }
func (l layout) registryPasswordPath() string { return l.path("registry", "password") }
func (l layout) registryHtpasswd() string     { return l.path("registry", "htpasswd") }

// registryPasswordFile holds the password of a registry user: the env
// file's user keeps the file `up` wrote, users added later get their own.
func (l layout) registryPasswordFile(user string) string {
	if user == RegistryUser {
		return l.registryPasswordPath()
	}
	return l.path("registry", "passwords", user)
}

// generated lists the entries `up` recreates: it removes only these, never
// the whole state dir, in case it was pointed somewhere shared.
func (l layout) generated() []string {
	return []string{
		l.statePath(), l.envPath(), l.kubeconfigPath(), l.tokenPath(), l.logDir(),
		l.path("supervisor"), l.path("pki"), l.path("registry"), l.path("etcd"),
		l.path("apiserver"), l.path("controller-manager"), l.path("scheduler"),
		l.path("kwok"), l.path("source-controller"), l.path("manifests"),
	}
}
