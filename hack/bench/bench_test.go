package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// readTree maps every file of dir to its content.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Results are only comparable across runs and machines if the trees are.
func TestGenerateIsDeterministic(t *testing.T) {
	ds, dir := dataSets()["small"], t.TempDir()
	for _, sub := range []string{"a", "b", "c"} {
		seed := uint64(7)
		if sub == "c" {
			seed = 8
		}
		if _, err := ds.generate(context.Background(), filepath.Join(dir, sub), seed); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := readTree(t, filepath.Join(dir, "a")), readTree(t, filepath.Join(dir, "b")), readTree(t, filepath.Join(dir, "c"))
	if len(a) != ds.files {
		t.Fatalf("generated %d files, want %d", len(a), ds.files)
	}
	for name, content := range a {
		if !bytes.Equal(content, b[name]) {
			t.Fatalf("%s differs between two runs with the same seed", name)
		}
	}
	same := 0
	for name, content := range a {
		if bytes.Equal(content, c[name]) {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("another seed generated the same tree")
	}
}

// The gzip ratio decides how much of a push is compression versus upload, so
// the generated text must compress like real manifests (~4-5×).
func TestGeneratedTextCompressesLikeManifests(t *testing.T) {
	g := newTextGen()
	var raw, packed bytes.Buffer
	ds := dataSets()["medium"]
	for i := range 300 {
		raw.Write(g.fileContent(newRand(1, uint64(i)), ds.meanSize))
	}
	zw, _ := gzip.NewWriterLevel(&packed, gzip.DefaultCompression)
	zw.Write(raw.Bytes())
	zw.Close()
	if ratio := float64(raw.Len()) / float64(packed.Len()); ratio < 3.5 || ratio > 6 {
		t.Fatalf("gzip ratio %.2f, want 3.5-6", ratio)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		walls []time.Duration
		want  time.Duration
	}{
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2 in integer nanoseconds
		{[]time.Duration{5}, 5},
	} {
		var r result
		for _, w := range tc.walls {
			r.samples = append(r.samples, sample{wall: w})
		}
		if got := r.median(wallOf); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.walls, got, tc.want)
		}
	}
}
