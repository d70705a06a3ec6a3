package archive

import (
	"os"
	"testing"
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
		layer.Remove()
	}
}

func BenchmarkExtract(b *testing.B) {
	dir := benchTree(b)
	l, _ := Walk(dir, WalkOptions{})
	layer, err := Build(l.Entries, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer layer.Remove()
	b.SetBytes(layer.Bytes)
	for b.Loop() {
		f, _ := os.Open(layer.Path)
		out := b.TempDir()
		if _, err := Extract(f, out, ExtractOptions{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
		os.RemoveAll(out)
	}
}
