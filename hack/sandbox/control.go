package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"
)

// portCloseTimeout bounds the wait for a stopped component's listeners to
// go; the kernel closes them when the process exits, so this is a safety net.
const portCloseTimeout = 10 * time.Second

// StopComponent stops one running component of the sandbox, e.g.
// "registry-tls", and returns once its session is gone and none of its ports
// has a listener. It stays recorded as stopped: Status reports it, Down skips
// it, StartComponent (or Up) starts it again on the same ports with the same
// config and data. Stopping a stopped component does nothing.
func (s *Sandbox) StopComponent(name string) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, p, err := s.recorded(name)
	if err != nil {
		return err
	}
	if p.Stopped && !ours(p) {
		s.logf("✔ %s already stopped", name)
		return nil
	}
	begin := time.Now()
	s.logf("◎ stopping %s (pid %d)", name, p.PID)
	if err := stop(p, stopGrace); err != nil {
		return err
	}
	if err := waitPortsClosed(componentPorts(name, st.Ports), portCloseTimeout); err != nil {
		return fmt.Errorf("stopping %s: %w", name, err)
	}
	p.Stopped = true
	st.replace(p)
	if err := st.save(s.layout.statePath()); err != nil {
		return err
	}
	s.appendLog(name, "=== sandbox: stopped %s on request at %s", name, time.Now().Format(time.RFC3339))
	s.logf("✔ %s stopped in %s", name, time.Since(begin).Round(time.Millisecond))
	return nil
}

// StartComponent starts a component that StopComponent stopped (or that
// died) again, on the ports, config and data dir `up` gave it, and returns
// once it is healthy. A running component is only waited for.
func (s *Sandbox) StartComponent(ctx context.Context, name string) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, _, err := s.recorded(name)
	if err != nil {
		return err
	}
	return s.startComponent(ctx, st, name)
}

// startComponent is StartComponent under the lock the caller holds.
func (s *Sandbox) startComponent(ctx context.Context, st *State, name string) error {
	p, ok := st.process(name)
	if !ok {
		return fmt.Errorf("starting %s: not part of the recorded sandbox", name)
	}
	if ours(p) {
		if err := s.waitHealthy(ctx, st.Ports, p, readyTimeout); err != nil {
			return fmt.Errorf("%s is already running: %w", name, err)
		}
		s.logf("✔ %s already running", name)
		return nil
	}
	sp, err := componentSpec(s.layout, st.Ports, name)
	if err != nil {
		return err
	}
	// The clients under test keep the address they were given, so the
	// component must come back on its own port, not a fresh one.
	if err := portsFree(componentPorts(name, st.Ports)); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	return s.startAndWait(ctx, st, readyTimeout, sp)
}

// recorded loads the state and the entry of component name.
func (s *Sandbox) recorded(name string) (*State, Process, error) {
	st, err := loadState(s.layout.statePath())
	if err != nil {
		return nil, Process{}, err
	}
	if st == nil {
		return nil, Process{}, fmt.Errorf("component %s: no sandbox is up (hint: make sandbox)", name)
	}
	p, ok := st.process(name)
	if !ok {
		names := make([]string, 0, len(st.Processes))
		for _, p := range st.Processes {
			names = append(names, p.Name)
		}
		return nil, Process{}, fmt.Errorf("component %s: not recorded in %s (components: %v)",
			name, s.layout.statePath(), names)
	}
	return st, p, nil
}

// onlyStopped reports whether every name is a component stopped on purpose,
// which Up restarts alone instead of recreating the sandbox.
func onlyStopped(st *State, names []string) bool {
	for _, name := range names {
		p, ok := st.process(name)
		if !ok || !p.Stopped {
			return false
		}
	}
	return len(names) > 0
}

// waitPortsClosed returns once no listener is left on any of ports.
func waitPortsClosed(ports []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		listening, err := ListeningPorts()
		if err != nil {
			return err
		}
		open := slices.DeleteFunc(slices.Clone(ports), func(port int) bool { return !listening[port] })
		if len(open) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ports %v still have a listener after %s", open, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// portsFree checks that each loopback port can be bound now, so a port taken
// by another process is reported as such instead of as a start failure.
func portsFree(ports []int) error {
	var errs []error
	for _, port := range ports {
		ln, err := net.Listen("tcp", loopback(port))
		if err != nil {
			errs = append(errs, fmt.Errorf("port %d is taken by another process: %w", port, err))
			continue
		}
		ln.Close()
	}
	return errors.Join(errs...)
}

// appendLog adds a line to a component's log, so its tail shows why it went.
func (s *Sandbox) appendLog(name, format string, args ...any) {
	f, err := os.OpenFile(s.layout.logPath(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return // the log is a courtesy; stopping succeeded
	}
	defer f.Close()
	fmt.Fprintf(f, format+"\n", args...)
}
