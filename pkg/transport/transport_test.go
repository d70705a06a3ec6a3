package transport

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder replaces sleeping so tests see the waits without taking them.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return nil
}

// flaky answers with the given statuses in turn, then 200.
func flaky(t *testing.T, statuses []int, header http.Header) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(statuses[i])
			return
		}
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newRT(t *testing.T, rec *recorder, attempts int) http.RoundTripper {
	rt, err := New(Options{Retry: RetryPolicy{Attempts: attempts, Base: 10 * time.Millisecond, MaxWait: 10 * time.Second, Sleep: rec.sleep}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	srv, n := flaky(t, []int{429, 429}, http.Header{"Retry-After": {"3"}})
	rec := &recorder{}
	resp, err := (&http.Client{Transport: newRT(t, rec, 5)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || n.Load() != 3 {
		t.Fatalf("status %d after %d requests, want 200 after 3", resp.StatusCode, n.Load())
	}
	if len(rec.waits) != 2 || rec.waits[0] != 3*time.Second {
		t.Errorf("waits = %v, want two of 3s as Retry-After asked", rec.waits)
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := retryAfter(now.Add(7*time.Second).Format(http.TimeFormat), now); got != 7*time.Second {
		t.Errorf("retryAfter(date) = %v, want 7s", got)
	}
	if got := retryAfter("soon", now); got != 0 {
		t.Errorf("retryAfter(garbage) = %v, want 0 (fall back to backoff)", got)
	}
}

func TestRetryIsBounded(t *testing.T) {
	srv, n := flaky(t, []int{503, 503, 503, 503, 503, 503}, nil)
	rec := &recorder{}
	resp, err := (&http.Client{Transport: newRT(t, rec, 3)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || n.Load() != 3 {
		t.Fatalf("status %d after %d requests, want the 503 after 3 attempts", resp.StatusCode, n.Load())
	}
	if rec.waits[1] < rec.waits[0] {
		t.Errorf("backoff did not grow: %v", rec.waits)
	}
}

func TestNoRetryFor4xxOrLongRetryAfter(t *testing.T) {
	for _, c := range []struct {
		status int
		header http.Header
	}{{404, nil}, {401, nil}, {429, http.Header{"Retry-After": {"3600"}}}} {
		srv, n := flaky(t, []int{c.status}, c.header)
		rec := &recorder{}
		resp, err := (&http.Client{Transport: newRT(t, rec, 5)}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || n.Load() != 1 {
			t.Errorf("%d: got %d after %d requests, want it returned at once", c.status, resp.StatusCode, n.Load())
		}
	}
}

func TestRetryReplaysRewindableBodyOnly(t *testing.T) {
	srv, n := flaky(t, []int{502}, nil)
	rec := &recorder{}
	c := &http.Client{Transport: newRT(t, rec, 5)}
	resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("manifest"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("rewindable body: %d after %d requests, want 200 after 2", resp.StatusCode, n.Load())
	}
	srv2, n2 := flaky(t, []int{502}, nil)
	// io.MultiReader hides the length and GetBody: a streamed blob.
	resp, err = c.Post(srv2.URL, "text/plain", io.MultiReader(strings.NewReader("blob")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 || n2.Load() != 1 {
		t.Errorf("streamed body: %d after %d requests, want the 502 unretried", resp.StatusCode, n2.Load())
	}
}

func TestRetryConnectionReset(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close() // the client sees EOF: the connection broke
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	rec := &recorder{}
	resp, err := (&http.Client{Transport: newRT(t, rec, 5)}).Get(srv.URL)
	if err != nil {
		t.Fatalf("broken connection was not retried: %v", err)
	}
	resp.Body.Close()
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}
}

func TestInsecureGuard(t *testing.T) {
	rt, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Refused before any connection is made, so no traffic leaves the host.
	req, _ := http.NewRequest(http.MethodGet, "http://registry.example.com/v2/", nil)
	_, err = rt.RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "--allow-insecure-http") {
		t.Fatalf("plain HTTP to a remote host: error = %v, want a hint naming --allow-insecure-http", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("plain HTTP to loopback must work without the flag: %v", err)
	}
	resp.Body.Close()
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost:5000": true, "[::1]:5000": true, "127.8.9.10": true,
		"10.0.0.1:5000": false, "192.168.1.1": false, "ghcr.io": false, "localhost.evil.com": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	plain, _ := New(Options{})
	if _, err := (&http.Client{Transport: plain}).Get(srv.URL); err == nil {
		t.Fatal("an unknown CA was trusted without --ca-file")
	}
	trusted, err := New(Options{CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: trusted}).Get(srv.URL)
	if err != nil {
		t.Fatalf("--ca-file not trusted: %v", err)
	}
	resp.Body.Close()

	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := New(Options{CAFile: bad}); err == nil || !strings.Contains(err.Error(), "--ca-file") {
		t.Errorf("invalid CA file: error = %v, want one naming --ca-file", err)
	}
}

func TestUserAgentAndLogsWithoutSecrets(t *testing.T) {
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	var lines []string
	rt, err := New(Options{UserAgent: "kubectl-flux-oci/v9", Log: func(f string, a ...any) {
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/token?account=alice&scope=x", nil)
	req.SetBasicAuth("alice", "hunter2")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ua != "kubectl-flux-oci/v9" {
		t.Errorf("User-Agent = %q", ua)
	}
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "GET ") || !strings.Contains(all, "/token 200") {
		t.Errorf("log = %q, want method, path and status", all)
	}
	for _, secret := range []string{"alice", "hunter2", "Authorization", "Basic"} {
		if strings.Contains(all, secret) {
			t.Errorf("log leaks %q: %s", secret, all)
		}
	}
}
