package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// runSet generates one tree, starts a registry just for it (so each set
// starts from empty storage and a large set's blobs are freed with it), and
// measures push and pull.
func (b *bench) runSet(ctx context.Context, ds dataSet) error {
	dir := filepath.Join(b.scratch, ds.name)
	defer os.RemoveAll(dir)
	dataDir := filepath.Join(dir, "tree", ds.name) // its base name is what oras records
	start := time.Now()
	stats, err := ds.generate(ctx, dataDir, b.cfg.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.log, "► %s: generated %s in %s\n", ds.name, stats, fmtDur(time.Since(start)))

	reg, stop, err := b.startRegistry(ctx, filepath.Join(dir, "registry"))
	if err != nil {
		return err
	}
	defer stop()

	ours := b.tools[0]
	seed := target{host: reg.host, repo: ds.name + "/seed", tag: "v1", orasRepo: ds.name + "/oras-seed", dataDir: dataDir}
	if _, _, err := runMeasured(ctx, ours.invocation(opPush, seed), b.env); err != nil {
		return fmt.Errorf("pushing the %s seed artifact: %w", ds.name, err)
	}
	layer, err := reg.layer(ctx, seed.repo, seed.tag)
	if err != nil {
		return err
	}
	b.setInfo = append(b.setInfo, fmt.Sprintf("| %s | %d | %s | %s (%.1f×) |",
		ds.name, stats.files, humanBytes(stats.bytes), humanBytes(layer.Size), float64(stats.bytes)/float64(layer.Size)))

	tools := b.toolsFor(ds.name)
	if slices.Contains(b.cfg.ops, opPush) {
		if err := b.measurePush(ctx, ds.name, tools, reg, seed, layer.Digest); err != nil {
			return err
		}
	}
	if slices.Contains(b.cfg.ops, opPull) {
		if err := b.measurePull(ctx, ds.name, dir, tools, seed, stats); err != nil {
			return err
		}
	}
	return nil
}

// measurePush pushes to a fresh repository every time: in a repository that
// already holds the layer, every client skips the upload after a HEAD, and
// the numbers would no longer be those of a first push.
func (b *bench) measurePush(ctx context.Context, set string, tools []tool, reg *registry, seed target, seedLayer string) error {
	var sizes []string
	h := repHooks{
		target: func(t tool, rep string) (target, error) {
			tg := seed
			tg.repo, tg.tag = fmt.Sprintf("%s/push-%s-%s", set, t.name, rep), "v1"
			return tg, nil
		},
		after: func(t tool, _ string, tg target, _ string, warmup bool) error {
			if !warmup {
				return nil
			}
			// The layer sizes show what each client traded for its speed
			// (crane gzips at level 1), and byte compatibility with flux is
			// the plugin's promise: record whether it held.
			l, err := reg.layer(ctx, tg.repo, tg.tag)
			if err != nil {
				return err
			}
			sizes = append(sizes, fmt.Sprintf("%s %s", t.name, humanBytes(l.Size)))
			if t.name == "flux" {
				same := "identical to"
				if l.Digest != seedLayer {
					same = "DIFFERENT from"
				}
				b.notes = append(b.notes, fmt.Sprintf("%s: the layer `flux push artifact` wrote is %s ours (flux %s, ours %s)",
					set, same, shortDigest(l.Digest), shortDigest(seedLayer)))
			}
			return nil
		},
	}
	if err := b.runOp(ctx, set, opPush, tools, h); err != nil {
		return err
	}
	b.notes = append(b.notes, fmt.Sprintf("%s: pushed layer sizes: %s", set, strings.Join(sizes, " · ")))
	return nil
}

// measurePull extracts into a fresh, empty directory each time and checks,
// after the warm-up, that the whole tree arrived.
func (b *bench) measurePull(ctx context.Context, set, dir string, tools []tool, seed target, stats treeStats) error {
	if hasTool(tools, "oras") {
		orasSeed := seed
		orasSeed.repo = seed.orasRepo
		if _, _, err := runMeasured(ctx, b.tool("oras").invocation(opPush, orasSeed), b.env); err != nil {
			return fmt.Errorf("pushing the %s oras seed artifact: %w", set, err)
		}
	}
	h := repHooks{
		target: func(t tool, rep string) (target, error) {
			tg := seed
			tg.outDir = filepath.Join(dir, "out", t.name+"-"+rep)
			if err := os.MkdirAll(tg.outDir, 0o755); err != nil {
				return target{}, fmt.Errorf("creating output directory %s: %w", tg.outDir, err)
			}
			return tg, nil
		},
		after: func(t tool, _ string, tg target, _ string, warmup bool) error {
			defer os.RemoveAll(tg.outDir)
			if !warmup {
				return nil
			}
			got, err := statTree(tg.outDir)
			if err != nil {
				return err
			}
			if got != stats {
				return fmt.Errorf("pulled tree has %s, want %s", got, stats)
			}
			return nil
		},
	}
	return b.runOp(ctx, set, opPull, tools, h)
}

// runList builds a repository of listTags tags, each a distinct manifest
// (its own revision annotation) over one small layer, as CI leaves behind
// after many commits, and measures listing it.
func (b *bench) runList(ctx context.Context) error {
	dir := filepath.Join(b.scratch, "list")
	defer os.RemoveAll(dir)
	dataDir := filepath.Join(dir, "tree", "fleet")
	if _, err := dataSets()["small"].generate(ctx, dataDir, b.cfg.seed); err != nil {
		return err
	}
	reg, stop, err := b.startRegistry(ctx, filepath.Join(dir, "registry"))
	if err != nil {
		return err
	}
	defer stop()
	tg := target{host: reg.host, repo: "list/fleet", tag: "v1.0.0", dataDir: dataDir}
	if _, _, err := runMeasured(ctx, b.tools[0].invocation(opPush, tg), b.env); err != nil {
		return fmt.Errorf("pushing the list seed artifact: %w", err)
	}
	if err := retag(ctx, reg, tg.repo, tg.tag, b.cfg.listTags); err != nil {
		return err
	}
	set := fmt.Sprintf("%d tags", b.cfg.listTags)
	last := fmt.Sprintf("v1.%d.0", b.cfg.listTags-1)
	fmt.Fprintf(b.log, "► list: %s in %s/%s\n", set, reg.host, tg.repo)
	h := repHooks{
		target: func(tool, string) (target, error) { return tg, nil },
		after: func(t tool, _ string, _ target, out string, warmup bool) error {
			if warmup && !strings.Contains(out, last) {
				return fmt.Errorf("listing does not mention tag %s:\n%s", last, tail(out, 500))
			}
			return nil
		},
	}
	return b.runOp(ctx, set, opList, b.tools, h)
}

// retag writes tags v1.1.0 … v1.(n-1).0 next to the seed tag v1.0.0, each
// with its own revision annotation so every tag is a different manifest.
func retag(ctx context.Context, reg *registry, repo, seedTag string, n int) error {
	raw, err := reg.getManifest(ctx, repo, seedTag)
	if err != nil {
		return err
	}
	for i := 1; i < n; i++ {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("decoding manifest %s:%s: %w", repo, seedTag, err)
		}
		ann, _ := m["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			m["annotations"] = ann
		}
		ann["org.opencontainers.image.revision"] = fmt.Sprintf("main@sha1:%040x", i)
		body, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encoding manifest for tag %d: %w", i, err)
		}
		if err := reg.putManifest(ctx, repo, fmt.Sprintf("v1.%d.0", i), body); err != nil {
			return err
		}
	}
	return nil
}

// toolsFor narrows the tools on the large tree to -large-tools: each
// single-threaded peer costs ~30 s a push there, and the targets compare
// with flux only.
func (b *bench) toolsFor(set string) []tool {
	if set != "large" {
		return b.tools
	}
	var out []tool
	for _, t := range b.tools {
		if slices.Contains(b.cfg.largeTools, t.name) || t.name == "ours" {
			out = append(out, t)
		}
	}
	if len(out) < len(b.tools) {
		msg := fmt.Sprintf("large: measured with %s only (-large-tools)", strings.Join(toolNames(out), ", "))
		if !slices.Contains(b.notes, msg) {
			b.notes = append(b.notes, msg)
		}
	}
	return out
}

func hasTool(tools []tool, name string) bool {
	return slices.ContainsFunc(tools, func(t tool) bool { return t.name == name })
}

func (b *bench) tool(name string) tool {
	i := slices.IndexFunc(b.tools, func(t tool) bool { return t.name == name })
	return b.tools[i]
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19] + "…"
	}
	return d
}

// startRegistry starts a registry with its storage under dir; stop ends it,
// reporting (not failing on) a registry that would not stop.
func (b *bench) startRegistry(ctx context.Context, dir string) (reg *registry, stop func(), err error) {
	reg, err = startRegistry(ctx, b.registry, dir)
	if err != nil {
		return nil, nil, err
	}
	return reg, func() {
		if err := reg.stop(); err != nil {
			fmt.Fprintf(b.log, "⚠ %v\n", err)
		}
	}, nil
}
