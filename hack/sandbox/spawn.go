package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// spec describes how to run one component.
type spec struct {
	name string
	bin  string
	args []string
	env  []string
	// supervised components run under a supervisor that restarts them when
	// they exit (the Flux controllers exit when they lose their CRDs or the
	// API server for a moment).
	supervised bool
}

// start runs sp detached: a session leader (so it outlives `up` and `down`
// finds all it forked) with output appended to its log file.
func (s *Sandbox) start(sp spec) (Process, error) {
	logFile, err := os.OpenFile(s.layout.logPath(sp.name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return Process{}, fmt.Errorf("opening the log of %s: %w", sp.name, err)
	}
	defer logFile.Close() // the child holds its own descriptor
	fmt.Fprintf(logFile, "=== sandbox: starting %s at %s: %s %s\n", sp.name,
		time.Now().Format(time.RFC3339), sp.bin, strings.Join(sp.args, " "))

	name, args := sp.bin, sp.args
	if sp.supervised {
		self, err := os.Executable()
		if err != nil {
			return Process{}, fmt.Errorf("finding the supervisor executable for %s: %w", sp.name, err)
		}
		name = self
		args = append([]string{supervisorArg, s.layout.supervisorStatusPath(sp.name), "--", sp.bin}, sp.args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(componentEnv(), sp.env...)
	cmd.Dir = s.layout.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return Process{}, fmt.Errorf("starting %s: %w", sp.name, err)
	}
	// Reap the child if it exits while this process still runs (the e2e test
	// binary stays its parent); otherwise init adopts it.
	go func() { _ = cmd.Wait() }()
	st, err := readProcStat(cmd.Process.Pid)
	if err != nil {
		return Process{}, fmt.Errorf("%s exited at once: %w", sp.name, err)
	}
	return Process{Name: sp.name, PID: cmd.Process.Pid, StartTime: st.startTime, Supervised: sp.supervised}, nil
}

// componentEnv is the caller's environment without what would point a
// component at another cluster, plus settings every component wants.
func componentEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "OTEL_")
	})
	return append(env,
		"OTEL_TRACES_EXPORTER=none", // the registry would try to export traces
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	)
}

// stop ends the session of p: SIGTERM to every member, then SIGKILL after
// grace. It returns once no member is left, or an error naming the survivors.
func stop(p Process, grace time.Duration) error {
	if !ours(p) {
		return nil
	}
	signalSession(p, syscall.SIGTERM)
	if waitSessionGone(p, grace) {
		return nil
	}
	signalSession(p, syscall.SIGKILL)
	if waitSessionGone(p, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("stopping %s (pid %d): processes %v still running", p.Name, p.PID, sessionMembers(p.PID))
}

func signalSession(p Process, sig syscall.Signal) {
	for _, pid := range sessionMembers(p.PID) {
		_ = syscall.Kill(pid, sig)
	}
}

func waitSessionGone(p Process, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if !sameProcess(p) && len(sessionMembers(p.PID)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Running reports whether any process of p's session is still alive; the
// e2e tests use it to prove `down` left nothing behind.
func Running(p Process) bool { return ours(p) }
