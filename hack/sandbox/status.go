package sandbox

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// ComponentStatus is one line of `status`.
type ComponentStatus struct {
	Name    string
	PID     int // the component's own process (a supervisor's child)
	Ports   []int
	Running bool
	Stopped bool  // stopped on purpose by StopComponent
	Health  error // nil when healthy
	// Restarts counts exits of a supervised component; LastExit is the last.
	Restarts int
	LastExit string
}

// Status probes every recorded component. It returns nil when no sandbox is
// recorded.
func (s *Sandbox) Status(ctx context.Context) ([]ComponentStatus, error) {
	st, err := loadState(s.layout.statePath())
	if err != nil || st == nil {
		return nil, err
	}
	pr := prober{l: s.layout, ports: st.Ports}
	var out []ComponentStatus
	for _, p := range st.Processes {
		cs := ComponentStatus{Name: p.Name, PID: p.PID, Ports: componentPorts(p.Name, st.Ports), Running: ours(p)}
		if p.Supervised {
			if sup, err := readSupervisorStatus(s.layout.supervisorStatusPath(p.Name)); err == nil {
				cs.PID, cs.Restarts, cs.LastExit = sup.ChildPID, sup.Restarts, sup.LastExit
				cs.Running = cs.Running && alive(sup.ChildPID)
			}
		}
		if p.Stopped && !cs.Running {
			cs.PID, cs.Stopped = 0, true
			cs.Health = fmt.Errorf("stopped on request (start it: bin/sandbox start %s)", p.Name)
		} else if cs.Health = pr.probe(ctx, p.Name); cs.Health == nil && !cs.Running {
			cs.Health = fmt.Errorf("process %d is not running", cs.PID)
		}
		out = append(out, cs)
	}
	return out, nil
}

// unhealthy names the recorded components that are not healthy.
func (s *Sandbox) unhealthy(ctx context.Context, st *State) []string {
	pr := prober{l: s.layout, ports: st.Ports}
	var names []string
	for _, p := range st.Processes {
		if !ours(p) || pr.probe(ctx, p.Name) != nil {
			names = append(names, p.Name)
		}
	}
	if len(st.Processes) == 0 {
		names = append(names, "(no process recorded)")
	}
	return names
}

// PrintStatus writes a table of statuses, then the log tail of every
// component that is unhealthy or was restarted, so a crash is visible.
func (s *Sandbox) PrintStatus(w io.Writer, statuses []ComponentStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// HEALTH last: an error message is long and would widen every column.
	fmt.Fprintln(tw, "COMPONENT\tPID\tPORTS\tRESTARTS\tHEALTH")
	for _, cs := range statuses {
		health := "healthy"
		if cs.Health != nil {
			health = "unhealthy: " + cs.Health.Error()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\n", cs.Name, cs.PID, portsText(cs.Ports), cs.Restarts, health)
	}
	tw.Flush()
	for _, cs := range statuses {
		// A component stopped on purpose has nothing to explain.
		if cs.Health == nil && cs.Restarts == 0 || cs.Stopped && cs.Restarts == 0 {
			continue
		}
		if cs.Restarts > 0 {
			fmt.Fprintf(w, "\n%s restarted %d times, last: %s\n", cs.Name, cs.Restarts, cs.LastExit)
		}
		fmt.Fprintf(w, "\n%s\n", s.LogTail(cs.Name, 20))
	}
}
