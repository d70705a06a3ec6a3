package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report renders the markdown report: data sets, the results table, the
// issue's targets and the notes gathered on the way.
func (b *bench) report() string {
	var w strings.Builder
	fmt.Fprintf(&w, "# kubectl flux-oci benchmark\n\n")
	fmt.Fprintf(&w, "%s · %s.\n", b.started.Format(time.DateTime), b.machine())
	fmt.Fprintf(&w, "Each tool ran 1 warm-up and %d measured repetitions, round-robin across tools; figures are medians (wall range in brackets). ", b.cfg.reps)
	fmt.Fprintf(&w, "CPU is user+system of the command and its children; peak RSS is its largest process. ")
	fmt.Fprintf(&w, "Every push goes to a fresh repository of a distribution registry on 127.0.0.1 (plain HTTP), every pull into a fresh empty directory. Total run: %s.\n\n", fmtDur(time.Since(b.started)))
	if len(b.setInfo) > 0 {
		w.WriteString("| data set | files | size | gzipped (our layer) |\n|---|--:|--:|--:|\n")
		w.WriteString(strings.Join(b.setInfo, "\n") + "\n\n")
	}
	w.WriteString("| data set | operation | tool | command | wall | CPU | peak RSS | ours ÷ peer (wall) |\n")
	w.WriteString("|---|---|---|---|--:|--:|--:|---|\n")
	for _, r := range b.results {
		fmt.Fprintf(&w, "| %s | %s | %s | `%s` | %s (%s–%s) | %s | %s | %s |\n",
			r.set, r.op, r.tool, r.short, fmtDur(r.median(wallOf)), fmtDur(r.min(wallOf)), fmtDur(r.max(wallOf)),
			fmtDur(r.median(cpuOf)), fmtRSS(r.medianRSS()), b.ratios(r))
	}
	w.WriteString("\n## Targets (from the issue)\n\n| target | measured | met |\n|---|---|---|\n")
	for _, t := range b.targets() {
		fmt.Fprintf(&w, "| %s | %s | %s |\n", t.name, t.measured, t.verdict)
	}
	w.WriteString("\n## Notes\n\n")
	for _, v := range b.versions {
		fmt.Fprintf(&w, "- version of %s\n", v)
	}
	fmt.Fprintf(&w, "- load average at end: %s (on %d cores; above that, other work shared the CPUs and figures are noisier)\n", loadAverage(), runtime.NumCPU())
	for _, n := range b.notes {
		fmt.Fprintf(&w, "- %s\n", n)
	}
	w.WriteString("- oras and crane list rows read tags only; ours and flux also fetch every tag's manifest.\n")
	w.WriteString("- oras cannot unpack a Flux layer (it carries no file name), so its pull row reads the same tree as pushed by oras.\n")
	return w.String()
}

// ratios is filled on our rows only: our median wall over each peer's.
func (b *bench) ratios(r result) string {
	if r.tool != "ours" {
		return ""
	}
	var parts []string
	for _, p := range b.results {
		if p.set == r.set && p.op == r.op && p.tool != "ours" {
			parts = append(parts, fmt.Sprintf("%.2f× %s", ratio(r.median(wallOf), p.median(wallOf)), p.tool))
		}
	}
	return strings.Join(parts, " · ")
}

func (b *bench) find(set string, op operation, tool string) (result, bool) {
	i := slices.IndexFunc(b.results, func(r result) bool { return r.set == set && r.op == op && r.tool == tool })
	if i < 0 {
		return result{}, false
	}
	return b.results[i], true
}

func wallOf(s sample) time.Duration { return s.wall }
func cpuOf(s sample) time.Duration  { return s.cpu }

func (r result) sorted(f func(sample) time.Duration) []time.Duration {
	d := make([]time.Duration, len(r.samples))
	for i, s := range r.samples {
		d[i] = f(s)
	}
	slices.Sort(d)
	return d
}

// median of an even count is the mean of the middle two.
func (r result) median(f func(sample) time.Duration) time.Duration {
	d := r.sorted(f)
	if len(d) == 0 {
		return 0
	}
	return (d[(len(d)-1)/2] + d[len(d)/2]) / 2
}

func (r result) min(f func(sample) time.Duration) time.Duration { return r.sorted(f)[0] }

func (r result) max(f func(sample) time.Duration) time.Duration {
	d := r.sorted(f)
	return d[len(d)-1]
}

// medianRSS reuses the duration median on byte counts.
func (r result) medianRSS() int64 {
	return int64(r.median(func(s sample) time.Duration { return time.Duration(s.maxRSS) }))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func fmtRSS(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
