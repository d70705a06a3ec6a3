package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// supervisorArg, as first argument, turns the sandbox CLI or the e2e test
// binary into a supervisor (see RunSupervisorIfRequested).
const supervisorArg = "__sandbox-supervise"

// SupervisorStatus is what a supervisor records about its component.
type SupervisorStatus struct {
	ChildPID   int       `json:"childPID"`
	Restarts   int       `json:"restarts"`
	LastExit   string    `json:"lastExit,omitempty"`
	LastExitAt time.Time `json:"lastExitAt,omitzero"`
}

// RunSupervisorIfRequested runs the supervisor and exits when the process was
// started as one by the sandbox; otherwise it returns at once. Call it first
// in main (and in an e2e TestMain): supervisors are this same executable.
func RunSupervisorIfRequested() {
	if len(os.Args) < 2 || os.Args[1] != supervisorArg {
		return
	}
	if err := supervise(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "=== sandbox supervisor: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// supervise runs `STATUS -- BIN ARGS...`: BIN again whenever it exits, with
// a growing pause, until SIGTERM. Its output (the component log) gets a line
// per exit so a crash loop shows in the log tail.
func supervise(args []string) error {
	if len(args) < 3 || args[1] != "--" {
		return errors.New("usage: " + supervisorArg + " STATUS_FILE -- BIN [ARGS...]")
	}
	statusPath, bin, binArgs := args[0], args[2], args[3:]
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	var status SupervisorStatus
	pause := time.Second
	for {
		cmd := exec.Command(bin, binArgs...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		started := time.Now()
		exit := "exec failed"
		if err := cmd.Start(); err != nil {
			exit = err.Error()
		} else {
			status.ChildPID = cmd.Process.Pid
			writeSupervisorStatus(statusPath, status)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-signals:
				return stopChild(cmd, done)
			case err := <-done:
				exit = fmt.Sprint(err)
				if err == nil {
					exit = "exit status 0"
				}
			}
		}
		if time.Since(started) > 30*time.Second {
			pause = time.Second // it ran fine for a while: not a crash loop
		}
		status.Restarts++
		status.LastExit, status.LastExitAt = exit, time.Now()
		writeSupervisorStatus(statusPath, status)
		fmt.Fprintf(os.Stderr, "=== sandbox supervisor: %s exited after %s (%s); restart #%d in %s\n",
			bin, time.Since(started).Round(time.Millisecond), exit, status.Restarts, pause)
		select {
		case <-signals:
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Second)
	}
}

func stopChild(cmd *exec.Cmd, done <-chan error) error {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return nil
}

func writeSupervisorStatus(path string, status SupervisorStatus) {
	data, err := json.Marshal(status)
	if err == nil {
		err = os.WriteFile(path+".tmp", data, 0o644)
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "=== sandbox supervisor: recording status: %v\n", err)
	}
}

func readSupervisorStatus(path string) (SupervisorStatus, error) {
	var status SupervisorStatus
	data, err := os.ReadFile(path)
	if err != nil {
		return status, fmt.Errorf("reading supervisor status %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &status); err != nil {
		return status, fmt.Errorf("parsing supervisor status %s: %w", path, err)
	}
	return status, nil
}
