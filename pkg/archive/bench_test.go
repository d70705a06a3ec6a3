package archive

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/pgzip"
)

// Benchmarks over a real tree: ARCHIVE_BENCH_DIR=/dev/shm/tree go test -bench .
func benchTree(b *testing.B) string {
	dir := os.Getenv("ARCHIVE_BENCH_DIR")
	if dir == "" {
		b.Skip("set ARCHIVE_BENCH_DIR to a directory to benchmark")
	}
	return dir
}

func BenchmarkBuild(b *testing.B) {
	dir := benchTree(b)
	defer reportCPU(b)()
	for b.Loop() {
		l, err := Walk(dir, WalkOptions{Ignore: DefaultIgnorePaths()})
		if err != nil {
			b.Fatal(err)
		}
		layer, err := Build(l.Entries, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(layer.Bytes)
		b.ReportMetric(float64(layer.Size), "layer-bytes")
		layer.Remove()
	}
}

// BenchmarkExtract extracts the tree as Build writes it (members inflated in
// parallel) and as one gzip stream, the way flux and oras write layers.
func BenchmarkExtract(b *testing.B) {
	dir := benchTree(b)
	l, _ := Walk(dir, WalkOptions{})
	layer, err := Build(l.Entries, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer layer.Remove()
	single := singleStream(b, layer.Path)
	for _, c := range []struct{ name, path string }{{"members", layer.Path}, {"single-stream", single}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(layer.Bytes)
			defer reportCPU(b)()
			for b.Loop() {
				f, _ := os.Open(c.path)
				out := b.TempDir()
				if _, err := Extract(f, out, ExtractOptions{}); err != nil {
					b.Fatal(err)
				}
				f.Close()
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
			}
		})
	}
}

// singleStream recompresses a layer as one pgzip stream, as Build did
// before it wrote members.
func singleStream(b *testing.B, path string) string {
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	gz, err := gzip.NewReader(in)
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(filepath.Join(b.TempDir(), "single.tar.gz"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	pz, _ := pgzip.NewWriterLevel(out, pgzip.DefaultCompression)
	pz.SetConcurrency(blockSize, runtime.GOMAXPROCS(0)+1)
	if _, err := io.Copy(pz, gz); err != nil {
		b.Fatal(err)
	}
	if err := pz.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Name()
}

// reportCPU adds the process's CPU time per operation to the results: on a
// shared machine it moves less than wall time does.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
