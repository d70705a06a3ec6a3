package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// sample is one measured run of one command.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system, the command and every descendant it waited for
	maxRSS int64         // bytes; the largest single process of the tree
}

// invocation is a command to run, with the short form shown in the table.
type invocation struct {
	argv  []string
	dir   string // working directory; oras wants its files relative to it
	short string
}

// measureArg makes this binary act as the measuring parent of one command.
//
// Why a middleman: on exec, Linux folds the RSS high-water mark of the
// address space being replaced into the new program's ru_maxrss. Go starts
// children with CLONE_VM, so that address space is the benchmark's own, and
// after generating a 1 GB tree every child would report the benchmark's peak
// instead of its own. The middleman is a fresh, small process, so the floor it
// leaves is a few MiB, below any tool measured here.
const measureArg = "__measure-child"

// measureChild runs argv with inherited stdio, then writes
// "wall-ns cpu-ns maxrss-bytes" to file descriptor 3 and exits with the
// command's status.
func measureChild(argv []string) int {
	report := os.NewFile(3, "report")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// If the benchmark is interrupted it kills this middleman; take the tool along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintf(os.Stderr, "starting %s: %v\n", argv[0], err)
		return 127
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Fprintf(report, "%d %d %d\n", wall.Nanoseconds(), cpu.Nanoseconds(), maxRSS)
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		return max(code, 1) // a signal gives -1
	}
	return 0
}

// runMeasured runs inv under the measuring middleman and returns its sample
// and combined output. For `bash -c 'a | b'` rows the shell waits for both
// sides, so CPU covers the pipeline and Maxrss is its largest process.
func runMeasured(ctx context.Context, inv invocation, env []string) (sample, string, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, "", fmt.Errorf("finding the benchmark binary: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return sample{}, "", fmt.Errorf("creating the measurement pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, self, append([]string{measureArg}, inv.argv...)...)
	cmd.Dir, cmd.Env, cmd.ExtraFiles = inv.dir, env, []*os.File{w}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		w.Close()
		return sample{}, "", fmt.Errorf("running %s: %w", inv.argv[0], err)
	}
	w.Close() // the middleman holds the only writer now, so the read ends at its exit
	line, readErr := io.ReadAll(r)
	err = cmd.Wait()
	output := stdout.String() + stderr.String()
	if err != nil {
		return sample{}, "", fmt.Errorf("running %s: %w\n%s", strings.Join(inv.argv, " "), err, tail(output, 3000))
	}
	var wall, cpu, rss int64
	if _, err := fmt.Sscan(string(line), &wall, &cpu, &rss); err != nil || readErr != nil {
		return sample{}, "", fmt.Errorf("reading the measurement of %s: %q: %w", inv.argv[0], line, err)
	}
	return sample{wall: time.Duration(wall), cpu: time.Duration(cpu), maxRSS: rss}, output, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
