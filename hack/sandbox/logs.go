package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// LogPath is the log file of a component, e.g. LogPath("source-controller").
func (s *Sandbox) LogPath(name string) string { return s.layout.logPath(name) }

// LogTail returns the last n lines of a component's log under a header
// naming the file, for error reports.
func (s *Sandbox) LogTail(name string, n int) string {
	path := s.layout.logPath(name)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("--- no log for %s: %v", name, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- last %d lines of %s ---\n%s", len(lines), path, strings.Join(lines, "\n"))
}

// withLogTail names the failing component and appends its log tail.
func (s *Sandbox) withLogTail(name string, err error) error {
	return fmt.Errorf("starting %s: %w\n%s", name, err, s.LogTail(name, 30))
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}
