// Command bench measures `kubectl flux-oci` push, pull and list against
// `flux`, `oras` and `crane` on generated GitOps trees and a real distribution
// registry, all on loopback, and prints a markdown table of medians.
//
//	go run ./hack/bench [-reps 5] [-sets small,medium,large] [-tools ours,flux,oras,crane] [-out .bench/results.md]
//
// Timings are reported, never asserted: the run fails only when a command fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == measureArg {
		os.Exit(measureChild(os.Args[2:]))
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	reps       int
	sets       []string
	tools      []string
	largeTools []string
	ops        []operation
	out        string
	plugin     string
	toolsDir   string
	listTags   int
	seed       uint64
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var sets, tools, largeTools, ops string
	fs.IntVar(&c.reps, "reps", 5, "measured repetitions per tool and operation (after one warm-up)")
	fs.StringVar(&sets, "sets", "small,medium,large", "data sets: small (30 files), medium (5,000 files, ~60 MB), large (20,000 files, ~1 GB)")
	fs.StringVar(&tools, "tools", "ours,flux,oras,crane", "clients to compare; ours is always measured")
	fs.StringVar(&largeTools, "large-tools", "ours,flux", "clients measured on the large tree (empty: all of -tools)")
	fs.StringVar(&ops, "ops", "push,pull,list", "operations to measure")
	fs.StringVar(&c.out, "out", ".bench/results.md", "also write the markdown report here (empty: do not)")
	fs.StringVar(&c.plugin, "plugin", "bin/kubectl-flux_oci", "the plugin binary (make build)")
	fs.StringVar(&c.toolsDir, "tools-dir", "bin/tools", "where registry, flux, oras and crane are (hack/tools/build.sh)")
	fs.IntVar(&c.listTags, "list-tags", 200, "tags in the repository the list operation reads")
	fs.Uint64Var(&c.seed, "seed", 20240601, "PRNG seed of the generated trees")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	// Absolute, because oras runs from the tree's parent directory.
	for _, p := range []*string{&c.plugin, &c.toolsDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return config{}, fmt.Errorf("resolving %s: %w", *p, err)
		}
		*p = abs
	}
	if c.reps < 1 || c.listTags < 1 {
		return config{}, errors.New("-reps and -list-tags must be at least 1")
	}
	known := dataSets()
	for _, s := range parseList(sets) {
		if _, ok := known[s]; !ok {
			return config{}, fmt.Errorf("unknown data set %q in -sets (want small, medium or large)", s)
		}
		c.sets = append(c.sets, s)
	}
	c.tools = parseList(tools)
	c.largeTools = parseList(largeTools)
	for _, t := range append(slices.Clone(c.tools), c.largeTools...) {
		if !slices.Contains([]string{"ours", "flux", "oras", "crane"}, t) {
			return config{}, fmt.Errorf("unknown tool %q (want ours, flux, oras or crane)", t)
		}
	}
	if len(c.largeTools) == 0 {
		c.largeTools = c.tools
	}
	if !slices.Contains(c.tools, "ours") {
		c.tools = append([]string{"ours"}, c.tools...)
	}
	for _, o := range parseList(ops) {
		switch op := operation(o); op {
		case opPush, opPull, opList:
			c.ops = append(c.ops, op)
		default:
			return config{}, fmt.Errorf("unknown operation %q in -ops (want push, pull or list)", o)
		}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b, err := newBench(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer b.cleanup()
	if err := b.runAll(ctx); err != nil {
		return err
	}
	report := b.report()
	fmt.Fprint(stdout, report)
	if c.out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return fmt.Errorf("creating directory for %s: %w", c.out, err)
	}
	if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
		return fmt.Errorf("writing report %s: %w", c.out, err)
	}
	fmt.Fprintf(stderr, "✔ report written to %s\n", c.out)
	return nil
}
