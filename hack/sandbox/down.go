package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// stopGrace is how long a component may take to exit after SIGTERM.
const stopGrace = 15 * time.Second

// Down stops every process Up recorded, in reverse start order, and waits
// until each session is gone. Logs and the state dir stay for inspection;
// the state file is removed so a later Up starts fresh.
func (s *Sandbox) Down() error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadState(s.layout.statePath())
	if err != nil || st == nil {
		if err == nil {
			s.logf("✔ no sandbox recorded in %s", s.layout.dir)
		}
		return err
	}
	return s.stopAll(st)
}

func (s *Sandbox) stopAll(st *State) error {
	var errs []error
	for _, p := range slices.Backward(st.Processes) {
		if !ours(p) {
			continue
		}
		s.logf("◎ stopping %s (pid %d)", p.Name, p.PID)
		if err := stop(p, stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping the sandbox: %w", err)
	}
	if err := removeIfExists(s.layout.statePath()); err != nil {
		return err
	}
	if err := removeIfExists(s.layout.envPath()); err != nil {
		return err
	}
	s.logf("✔ sandbox stopped")
	return nil
}
