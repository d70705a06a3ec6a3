package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// registry is a CNCF distribution registry run as a child process, plain
// HTTP on a loopback port, with its storage on the scratch filesystem.
type registry struct {
	host    string // 127.0.0.1:PORT
	cmd     *exec.Cmd
	logPath string
	client  *http.Client
}

// registryConfig keeps the registry quiet (access logs would cost CPU on the
// same two cores the tools run on) and caches blob descriptors in memory, as
// the distribution's own sample configuration does.
const registryConfig = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: %s
`

// startRegistry starts bin/tools/registry on a free loopback port and waits
// until /v2/ answers.
func startRegistry(ctx context.Context, bin, dir string) (*registry, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	if err := os.MkdirAll(filepath.Join(dir, "storage"), 0o755); err != nil {
		return nil, fmt.Errorf("creating registry storage in %s: %w", dir, err)
	}
	configPath := filepath.Join(dir, "config.yml")
	config := fmt.Sprintf(registryConfig, filepath.Join(dir, "storage"), host)
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		return nil, fmt.Errorf("writing registry config: %w", err)
	}
	r := &registry{host: host, logPath: filepath.Join(dir, "registry.log"), client: &http.Client{Timeout: 30 * time.Second}}
	logFile, err := os.Create(r.logPath)
	if err != nil {
		return nil, fmt.Errorf("creating registry log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	r.cmd = exec.Command(bin, "serve", configPath)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	// If the benchmark dies without its deferred stop (a kill, a broken
	// pipe), the kernel still ends the registry: no listener is left behind.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// Without an exporter configured the registry logs an export error per request.
	r.cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none")
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting registry %s: %w", bin, err)
	}
	if err := r.waitReady(ctx); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *registry) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := r.client.Get("http://" + r.host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("registry on %s not ready after 15s (log: %s): %s", r.host, r.logPath, r.logTail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends the registry by its PID (TERM, then KILL) and checks that its
// port is free again, so a run leaves no listener behind.
func (r *registry) stop() error {
	if r.cmd.Process == nil {
		return nil
	}
	exited := make(chan struct{})
	go func() { r.cmd.Wait(); close(exited) }()
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-exited
	}
	l, err := net.Listen("tcp", r.host)
	if err != nil {
		return fmt.Errorf("registry pid %d stopped but %s is still taken: %w", r.cmd.Process.Pid, r.host, err)
	}
	return l.Close()
}

func (r *registry) logTail() string {
	b, _ := os.ReadFile(r.logPath)
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}

// ociManifestType is the media type Flux artifacts are pushed with; retagged
// copies are put back with it.
const ociManifestType = "application/vnd.oci.image.manifest.v1+json"

// getManifest fetches a manifest's raw bytes; the raw bytes matter because
// retagged copies must stay valid manifests of the same artifact.
func (r *registry) getManifest(ctx context.Context, repo, ref string) ([]byte, error) {
	url := fmt.Sprintf("http://%s/v2/%s/manifests/%s", r.host, repo, ref)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("getting manifest %s: %w", url, err)
	}
	// crane append writes a Docker manifest; everything else writes OCI.
	req.Header.Set("Accept", ociManifestType+", application/vnd.docker.distribution.manifest.v2+json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getting manifest %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := readAllLimited(resp, 4<<20)
	if err != nil {
		return nil, fmt.Errorf("getting manifest %s: %w", url, err)
	}
	return body, nil
}

func (r *registry) putManifest(ctx context.Context, repo, tag string, body []byte) error {
	url := fmt.Sprintf("http://%s/v2/%s/manifests/%s", r.host, repo, tag)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("putting manifest %s: %w", url, err)
	}
	req.Header.Set("Content-Type", ociManifestType)
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("putting manifest %s: %w", url, err)
	}
	defer resp.Body.Close()
	if _, err := readAllLimited(resp, 1<<20); err != nil {
		return fmt.Errorf("putting manifest %s: %w", url, err)
	}
	return nil
}

func readAllLimited(resp *http.Response, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("status %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// descriptor is the part of a manifest's layer entry the benchmark reads.
type descriptor struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// layer returns the single content layer of a Flux artifact.
func (r *registry) layer(ctx context.Context, repo, ref string) (descriptor, error) {
	raw, err := r.getManifest(ctx, repo, ref)
	if err != nil {
		return descriptor{}, err
	}
	var m struct {
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return descriptor{}, fmt.Errorf("decoding manifest %s:%s: %w", repo, ref, err)
	}
	if len(m.Layers) != 1 {
		return descriptor{}, fmt.Errorf("manifest %s:%s has %d layers, want 1", repo, ref, len(m.Layers))
	}
	return m.Layers[0], nil
}
