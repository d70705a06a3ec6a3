package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// bench holds one run: the clients found, the scratch space and the results.
type bench struct {
	cfg      config
	tools    []tool // available, ours first
	registry string // the registry binary
	scratch  string
	env      []string // environment of every measured command
	log      io.Writer
	started  time.Time
	notes    []string
	versions []string
	setInfo  []string
	results  []result
}

// result is every measured sample of one tool doing one operation.
type result struct {
	set     string
	op      operation
	tool    string
	short   string
	samples []sample
}

func toolNames(tools []tool) []string {
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.name
	}
	return names
}

func (b *bench) cleanup() {
	if err := os.RemoveAll(b.scratch); err != nil {
		fmt.Fprintf(b.log, "⚠ removing scratch %s: %v\n", b.scratch, err)
	}
}

func (b *bench) runAll(ctx context.Context) error {
	needsTree := slices.Contains(b.cfg.ops, opPush) || slices.Contains(b.cfg.ops, opPull)
	for _, name := range b.cfg.sets {
		if !needsTree {
			break
		}
		if err := b.runSet(ctx, dataSets()[name]); err != nil {
			return err
		}
	}
	if slices.Contains(b.cfg.ops, opList) {
		return b.runList(ctx)
	}
	return nil
}

// repHooks customise runOp for one operation: the target of each run, and a
// check after it (given the output) that also cleans up.
type repHooks struct {
	target func(t tool, rep string) (target, error)
	after  func(t tool, rep string, tg target, output string, warmup bool) error
}

// runOp runs every tool once as a warm-up, then reps measured rounds. Each
// round runs every tool once, starting one tool later than the round before,
// so drift (thermal, page cache, registry storage growth) and ordering
// effects fall on every tool alike.
func (b *bench) runOp(ctx context.Context, set string, op operation, tools []tool, h repHooks) error {
	res := make([]result, len(tools))
	for i, t := range tools {
		res[i] = result{set: set, op: op, tool: t.name}
	}
	n := len(tools)
	for rep := -1; rep < b.cfg.reps; rep++ {
		label, warmup := fmt.Sprint(rep+1), rep < 0
		if warmup {
			label = "warmup"
		}
		var line []string
		for k := range n {
			i := (k + rep + 1) % n
			t := tools[i]
			tg, err := h.target(t, label)
			if err != nil {
				return err
			}
			inv := t.invocation(op, tg)
			s, out, err := runMeasured(ctx, inv, b.env)
			if err != nil {
				return fmt.Errorf("%s %s with %s (%s): %w", set, op, t.name, label, err)
			}
			if h.after != nil {
				if err := h.after(t, label, tg, out, warmup); err != nil {
					return fmt.Errorf("%s %s with %s (%s): %w", set, op, t.name, label, err)
				}
			}
			res[i].short = inv.short
			if !warmup {
				res[i].samples = append(res[i].samples, s)
			}
			line = append(line, fmt.Sprintf("%s %s", t.name, fmtDur(s.wall)))
		}
		fmt.Fprintf(b.log, "  %s %s %s: %s\n", set, op, label, strings.Join(line, " · "))
	}
	b.results = append(b.results, res...)
	return nil
}

// machine describes where the numbers come from, for the report header.
func (b *bench) machine() string {
	return fmt.Sprintf("%d cores · %s %s/%s · scratch and registry storage on %s",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, filepath.Dir(b.scratch))
}
