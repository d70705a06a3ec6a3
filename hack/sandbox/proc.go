package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procStat holds the fields of /proc/PID/stat the sandbox needs.
type procStat struct {
	pid       int
	state     byte
	session   int
	startTime uint64
}

// readProcStat parses /proc/PID/stat. The command name may hold spaces and
// parentheses, so the fields are counted after its last ')'.
func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return procStat{}, fmt.Errorf("parsing /proc/%d/stat: no command name", pid)
	}
	// fields[0] is field 3 (state) of proc(5).
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 20 {
		return procStat{}, fmt.Errorf("parsing /proc/%d/stat: %d fields", pid, len(fields))
	}
	session, err := strconv.Atoi(fields[3])
	if err != nil {
		return procStat{}, fmt.Errorf("parsing the session of pid %d: %w", pid, err)
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("parsing the start time of pid %d: %w", pid, err)
	}
	return procStat{pid: pid, state: fields[0][0], session: session, startTime: start}, nil
}

// alive reports whether pid runs and is not a zombie (a zombie's parent may
// never reap it, and it holds no port or file).
func alive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && st.state != 'Z' && st.state != 'X'
}

// sameProcess reports whether p still names the process `up` started, and
// not a later process that reused its PID.
func sameProcess(p Process) bool {
	st, err := readProcStat(p.PID)
	return err == nil && st.startTime == p.StartTime && st.state != 'Z' && st.state != 'X'
}

// sessionMembers lists the live processes of session sid. `up` starts every
// component as a session leader, so this finds its children too (a
// supervisor's component, anything the component forked).
func sessionMembers(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.session != sid || st.state == 'Z' || st.state == 'X' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// ours reports whether session p.PID is still one `up` started: either its
// leader is the recorded process, or the leader is gone and members remain.
func ours(p Process) bool {
	if p.PID <= 0 {
		return false // session 0 holds the kernel threads, never ours
	}
	if sameProcess(p) {
		return true
	}
	if alive(p.PID) {
		return false // PID reused by an unrelated process
	}
	return len(sessionMembers(p.PID)) > 0
}

// ListeningPorts returns the local TCP ports in LISTEN state on any address,
// read from /proc/net/tcp and tcp6 (no ss or netstat needed).
func ListeningPorts() (map[int]bool, error) {
	ports := map[int]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(file)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			i := strings.LastIndexByte(fields[1], ':')
			port, err := strconv.ParseUint(fields[1][i+1:], 16, 16)
			if err == nil {
				ports[int(port)] = true
			}
		}
	}
	return ports, nil
}
