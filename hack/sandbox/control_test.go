package sandbox

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
)

// The registry must come back on its recorded port, the state must follow
// each step, and a port taken meanwhile must be reported as such.
func TestStopAndStartKeepThePortAndTheState(t *testing.T) {
	sb, st := fakeSandbox(t)
	ctx := context.Background()
	addr := "http://" + loopback(st.Ports.RegistryPlain) + "/v2/"
	t.Cleanup(func() { _ = sb.Down() })

	if err := sb.StartComponent(ctx, registryPlainName); err != nil {
		t.Fatal(err)
	}
	first := recordedProcess(t, sb, registryPlainName)
	if first.Stopped || !Running(first) {
		t.Fatalf("after start: %+v, running %v", first, Running(first))
	}
	mustGet(t, addr)

	if err := sb.StopComponent(registryPlainName); err != nil {
		t.Fatal(err)
	}
	if listening, _ := ListeningPorts(); listening[st.Ports.RegistryPlain] {
		t.Fatalf("port %d still listening after stop", st.Ports.RegistryPlain)
	}
	if p := recordedProcess(t, sb, registryPlainName); !p.Stopped || Running(first) {
		t.Fatalf("after stop: %+v, old process running %v", p, Running(first))
	}
	if err := sb.StopComponent(registryPlainName); err != nil {
		t.Fatalf("stopping again: %v", err)
	}
	statuses, err := sb.Status(ctx)
	if err != nil || len(statuses) == 0 || !statuses[0].Stopped {
		t.Fatalf("status after stop: %+v, %v", statuses, err)
	}

	squatter, err := net.Listen("tcp", loopback(st.Ports.RegistryPlain))
	if err != nil {
		t.Fatal(err)
	}
	err = sb.StartComponent(ctx, registryPlainName)
	squatter.Close()
	if err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("start on a taken port: err = %v", err)
	}

	if err := sb.StartComponent(ctx, registryPlainName); err != nil {
		t.Fatal(err)
	}
	mustGet(t, addr)
	if got := recordedProcess(t, sb, registryPlainName); got.PID == first.PID || got.Stopped {
		t.Fatalf("after restart: %+v (first pid %d)", got, first.PID)
	}
	if err := sb.StartComponent(ctx, registryPlainName); err != nil {
		t.Fatalf("starting a running component: %v", err)
	}
	last := recordedProcess(t, sb, registryPlainName)
	if err := sb.Down(); err != nil {
		t.Fatal(err)
	}
	if Running(last) {
		t.Fatal("down left the restarted registry running")
	}
}

func TestStartAndStopRefuseUnknownComponents(t *testing.T) {
	sb, _ := fakeSandbox(t)
	if err := sb.StopComponent("registry"); err == nil || !strings.Contains(err.Error(), "registry-tls") {
		t.Fatalf("stop of an unknown name: err = %v, want the known names listed", err)
	}
	if err := sb.StartComponent(context.Background(), "nope"); err == nil {
		t.Fatal("start of an unknown name succeeded")
	}
}

func TestOnlyStopped(t *testing.T) {
	st := &State{Processes: []Process{{Name: "a", Stopped: true}, {Name: "b"}}}
	if !onlyStopped(st, []string{"a"}) || onlyStopped(st, []string{"a", "b"}) || onlyStopped(st, nil) {
		t.Fatal("onlyStopped must hold exactly when every unhealthy component was stopped on purpose")
	}
}

func recordedProcess(t *testing.T, sb *Sandbox, name string) Process {
	t.Helper()
	st, err := sb.State()
	if err != nil || st == nil {
		t.Fatalf("loading state: %v", err)
	}
	p, ok := st.process(name)
	if !ok {
		t.Fatalf("%s not recorded", name)
	}
	return p
}

func mustGet(t *testing.T, url string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
}
