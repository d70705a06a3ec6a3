package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Timeouts for one component to become healthy after it started.
const (
	readyTimeout     = 90 * time.Second
	controlPlaneWait = 60 * time.Second
)

// Up starts the sandbox, or returns at once when a recorded sandbox is
// entirely healthy. started tells whether this call started it (and so
// whether the caller should bring it down again). On failure it stops what
// it started and names the component with the tail of its log.
func (s *Sandbox) Up(ctx context.Context) (started bool, err error) {
	unlock, err := s.lock()
	if err != nil {
		return false, err
	}
	defer unlock()
	st, err := loadState(s.layout.statePath())
	if err != nil {
		return false, err
	}
	if st != nil {
		unhealthy := s.unhealthy(ctx, st)
		if len(unhealthy) == 0 {
			s.logf("✔ sandbox already up (%s)", s.layout.dir)
			return false, nil
		}
		// A component stopped on purpose (StopComponent) comes back alone:
		// recreating the sandbox would move every port under the clients.
		if onlyStopped(st, unhealthy) {
			s.logf("⚠ %v stopped on request: starting again", unhealthy)
			for _, name := range unhealthy {
				if err := s.startComponent(ctx, st, name); err != nil {
					return false, err
				}
			}
			return false, nil
		}
		s.logf("⚠ sandbox partly down (%v): restarting it", unhealthy)
		if err := s.stopAll(st); err != nil {
			return false, err
		}
	}
	begin := time.Now()
	if err := s.fresh(ctx); err != nil {
		if st, _ := loadState(s.layout.statePath()); st != nil {
			if stopErr := s.stopAll(st); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
		return false, err
	}
	s.logf("✔ sandbox up in %s; source %s", time.Since(begin).Round(time.Millisecond), s.layout.envPath())
	return true, nil
}

// fresh starts every component from an empty state dir.
func (s *Sandbox) fresh(ctx context.Context) error {
	for _, path := range s.layout.generated() {
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("clearing %s: %w", path, err)
		}
	}
	ports, err := freePorts()
	if err != nil {
		return err
	}
	l := s.layout
	if err := writeFiles(l, ports); err != nil {
		return err
	}
	st := &State{Ports: ports}
	if err := st.save(l.statePath()); err != nil {
		return err
	}
	run := func(specs ...spec) error { return s.startAndWait(ctx, st, controlPlaneWait, specs...) }
	if err := run(etcdSpec(l, ports), registrySpec(l, registryPlainName), registrySpec(l, registryTLSName)); err != nil {
		return err
	}
	if err := run(apiServerSpec(l, ports)); err != nil {
		return err
	}
	if err := run(controllerManagerSpec(l, ports), schedulerSpec(l, ports)); err != nil {
		return err
	}
	// The controllers exit without their CRDs, and kwok needs its Node.
	if err := s.installManifests(ctx); err != nil {
		return err
	}
	if err := s.startAndWait(ctx, st, readyTimeout, kwokSpec(l),
		sourceControllerSpec(l, ports), kustomizeControllerSpec(l, ports)); err != nil {
		return err
	}
	return writeEnvFile(l, ports)
}

// startAndWait starts specs together, then waits until each is healthy.
func (s *Sandbox) startAndWait(ctx context.Context, st *State, timeout time.Duration, specs ...spec) error {
	for _, sp := range specs {
		if _, err := os.Stat(sp.bin); err != nil {
			return fmt.Errorf("starting %s: %w (hint: make tools)", sp.name, err)
		}
		s.logf("► starting %s", sp.name)
		p, err := s.start(sp)
		if err != nil {
			return s.withLogTail(sp.name, err)
		}
		st.replace(p) // StartComponent restarts a recorded component in place
		if err := st.save(s.layout.statePath()); err != nil {
			return err
		}
	}
	for _, sp := range specs {
		begin := time.Now()
		p, _ := st.process(sp.name)
		if err := s.waitHealthy(ctx, st.Ports, p, timeout); err != nil {
			return s.withLogTail(sp.name, err)
		}
		s.logf("✔ %s healthy after %s", sp.name, time.Since(begin).Round(time.Millisecond))
	}
	return nil
}

func (s *Sandbox) waitHealthy(ctx context.Context, ports Ports, p Process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pr := prober{l: s.layout, ports: ports}
	for {
		err := pr.probe(ctx, p.Name)
		if err == nil {
			return nil
		}
		// A supervisor outlives its component's crashes; the session leader
		// exiting means the component (or its supervisor) is gone for good.
		if !sameProcess(p) {
			return fmt.Errorf("%s (pid %d) exited during start: %w", p.Name, p.PID, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not healthy after %s: %w", p.Name, timeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePorts asks the kernel for distinct free loopback ports. Holding every
// listener until all are picked keeps them distinct; another process could
// still take one before the component binds it, which `up` would report.
func freePorts() (Ports, error) {
	var listeners []net.Listener
	defer func() {
		for _, ln := range listeners {
			ln.Close()
		}
	}()
	var p Ports
	for _, port := range []*int{&p.EtcdClient, &p.EtcdPeer, &p.APIServer, &p.ControllerManager,
		&p.Scheduler, &p.RegistryPlain, &p.RegistryTLS, &p.SourceStorage, &p.SourceMetrics,
		&p.SourceHealth, &p.KustomizeMetrics, &p.KustomizeHealth} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return p, fmt.Errorf("picking a free loopback port: %w", err)
		}
		listeners = append(listeners, ln)
		*port = ln.Addr().(*net.TCPAddr).Port
	}
	return p, nil
}
