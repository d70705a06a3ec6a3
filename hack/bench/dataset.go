package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// dataSet describes a generated tree. The layout is clusters/<env>/<team>/<app>/
// style nesting: fanout gives the directories per level and the files are
// spread evenly over the leaves.
type dataSet struct {
	name     string
	files    int
	meanSize int   // bytes per file on average; sizes vary ±50%
	fanout   []int // directories per nesting level
}

// dataSets are the trees the benchmark knows, keyed by -sets names. The
// medium tree is the one the targets are stated for.
func dataSets() map[string]dataSet {
	return map[string]dataSet{
		"small":  {name: "small", files: 30, meanSize: 7 << 10, fanout: []int{3}},
		"medium": {name: "medium", files: 5000, meanSize: 11<<10 + 256, fanout: []int{5, 10, 10}},
		"large":  {name: "large", files: 20000, meanSize: 50 << 10, fanout: []int{5, 20, 20}},
	}
}

// treeStats is what a pulled tree is checked against.
type treeStats struct {
	files int
	bytes int64
}

func (t treeStats) String() string {
	return fmt.Sprintf("%d files, %s", t.files, humanBytes(t.bytes))
}

// relPath names file i. Directory names come from the vocabulary so that
// paths look like a real repository, with the index keeping them unique.
func (d dataSet) relPath(g textGen, i int) string {
	leaves := 1
	for _, f := range d.fanout {
		leaves *= f
	}
	leaf := i % leaves
	parts := make([]string, 0, len(d.fanout)+2)
	parts = append(parts, "clusters")
	for level, f := range d.fanout {
		idx := leaf % f
		leaf /= f
		if level == 0 {
			parts = append(parts, fmt.Sprintf("%s-%02d", g.envs[idx%len(g.envs)], idx))
		} else {
			parts = append(parts, fmt.Sprintf("%s-%02d", g.words[(idx*7+level)%len(g.words)], idx))
		}
	}
	parts = append(parts, fmt.Sprintf("%s-%05d.yaml", g.words[i%len(g.words)], i))
	return filepath.Join(parts...)
}

// generate writes the tree under dir. Every file has its own PRNG seeded by
// (seed, index), so the tree is identical across runs and machines however
// the workers are scheduled.
func (d dataSet) generate(ctx context.Context, dir string, seed uint64) (treeStats, error) {
	g := newTextGen()
	sizes := make([]int64, d.files)
	errs := make([]error, d.files)
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				sizes[i], errs[i] = d.writeFile(g, dir, seed, i)
			}
		})
	}
feed:
	for i := range d.files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// The first failure is enough to report: the others are usually the same.
	for _, err := range append(errs, ctx.Err()) {
		if err != nil {
			return treeStats{}, fmt.Errorf("generating data set %s: %w", d.name, err)
		}
	}
	st := treeStats{files: d.files}
	for _, s := range sizes {
		st.bytes += s
	}
	return st, nil
}

func (d dataSet) writeFile(g textGen, dir string, seed uint64, i int) (int64, error) {
	r := newRand(seed, uint64(i))
	content := g.fileContent(r, d.meanSize/2+r.IntN(d.meanSize+1))
	path := filepath.Join(dir, d.relPath(g, i))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, fmt.Errorf("creating directory for %s: %w", path, err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return int64(len(content)), nil
}

// newRand gives each file its own stream, so generation order does not matter.
func newRand(seed, index uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, index)) }

// statTree counts the regular files under dir, to check that a pull really
// extracted the whole tree rather than timing a no-op.
func statTree(dir string) (treeStats, error) {
	var st treeStats
	err := filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		st.files++
		st.bytes += info.Size()
		return nil
	})
	if err != nil {
		return treeStats{}, fmt.Errorf("walking %s: %w", dir, err)
	}
	return st, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// parseList splits a comma-separated flag value, dropping empty items.
func parseList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
