package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Ports are the loopback ports picked for one sandbox run.
type Ports struct {
	EtcdClient        int `json:"etcdClient"`
	EtcdPeer          int `json:"etcdPeer"`
	APIServer         int `json:"apiServer"`
	ControllerManager int `json:"controllerManager"`
	Scheduler         int `json:"scheduler"`
	RegistryPlain     int `json:"registryPlain"`
	RegistryTLS       int `json:"registryTLS"`
	SourceStorage     int `json:"sourceStorage"`
	SourceMetrics     int `json:"sourceMetrics"`
	SourceHealth      int `json:"sourceHealth"`
	KustomizeMetrics  int `json:"kustomizeMetrics"`
	KustomizeHealth   int `json:"kustomizeHealth"`
}

// All lists every port, for the no-listener-left check after `down`.
func (p Ports) All() []int {
	return []int{p.EtcdClient, p.EtcdPeer, p.APIServer, p.ControllerManager, p.Scheduler,
		p.RegistryPlain, p.RegistryTLS, p.SourceStorage, p.SourceMetrics, p.SourceHealth,
		p.KustomizeMetrics, p.KustomizeHealth}
}

// Process is one process `up` started: a session leader (Setsid), so that
// `down` can find and stop everything it spawned by session id.
type Process struct {
	Name      string `json:"name"`
	PID       int    `json:"pid"`
	StartTime uint64 `json:"startTime"` // clock ticks after boot; guards against PID reuse
	// Supervised processes are a supervisor whose child is the component.
	Supervised bool `json:"supervised,omitempty"`
	// Stopped marks a component stopped on purpose by StopComponent: status
	// reports it as such and Up starts it again instead of the whole sandbox.
	Stopped bool `json:"stopped,omitempty"`
}

// State is what `up` records in the state dir for `status` and `down`.
type State struct {
	Ports     Ports     `json:"ports"`
	Processes []Process `json:"processes"`
}

func loadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sandbox state %s: %w", path, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("parsing sandbox state %s: %w", path, err)
	}
	return &st, nil
}

// save writes atomically: `down` must never read half a state.
func (st *State) save(path string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding sandbox state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing sandbox state %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing sandbox state %s: %w", path, err)
	}
	return nil
}

// replace swaps the entry of p.Name for p, keeping its place in the start
// order that Down reverses.
func (st *State) replace(p Process) {
	for i := range st.Processes {
		if st.Processes[i].Name == p.Name {
			st.Processes[i] = p
			return
		}
	}
	st.Processes = append(st.Processes, p)
}

func (st *State) process(name string) (Process, bool) {
	for _, p := range st.Processes {
		if p.Name == name {
			return p, true
		}
	}
	return Process{}, false
}
