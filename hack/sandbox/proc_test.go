package sandbox

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestListeningPortsSeesALoopbackListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ports, err := ListeningPorts()
	if err != nil {
		t.Fatal(err)
	}
	if !ports[port] {
		t.Fatalf("port %d not reported as listening", port)
	}
	ln.Close()
	if ports, _ = ListeningPorts(); ports[port] {
		t.Fatalf("port %d still reported after close", port)
	}
}

// stop must end a session leader and what it forked (as a supervisor's
// component), which a plain kill of the leader's PID would leave behind.
func TestStopEndsTheWholeSession(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	// The leader ignores SIGTERM, so stop must escalate to SIGKILL.
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 300 & sleep 300 & wait`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait() }()
	st, err := readProcStat(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	p := Process{Name: "sh", PID: cmd.Process.Pid, StartTime: st.startTime}
	deadline := time.Now().Add(5 * time.Second)
	for len(sessionMembers(p.PID)) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(sessionMembers(p.PID)); n < 3 {
		t.Fatalf("session has %d members, want the shell and two sleeps", n)
	}
	if err := stop(p, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if Running(p) {
		t.Fatalf("session %d still has members %v", p.PID, sessionMembers(p.PID))
	}
}

func TestOursRejectsAReusedPID(t *testing.T) {
	self, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if ours(Process{PID: os.Getpid(), StartTime: self.startTime + 1}) {
		t.Fatal("a live PID with another start time was taken for a sandbox process")
	}
}
