package archive

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// writeTree creates files (name → content) under a new directory with the
// given file and directory permissions and a random mtime.
func writeTree(t *testing.T, files map[string]string, filePerm, dirPerm os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	mtime := time.Unix(rand.Int64N(1<<31), 0)
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), filePerm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, filePerm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() && p != root {
			os.Chmod(p, dirPerm)
		}
		return nil
	})
	return root
}

func build(t *testing.T, src string, opts WalkOptions) *Layer {
	t.Helper()
	l, err := Walk(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := Build(l.Entries, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { layer.Remove() })
	return layer
}

var sample = map[string]string{
	"kustomization.yaml":     "resources:\n- apps/deploy.yaml\n",
	"apps/deploy.yaml":       "kind: Deployment\n",
	"apps/nested/config.yml": "kind: ConfigMap\n",
	"z-last.yaml":            "kind: Namespace\n",
}

func TestBuildIsReproducible(t *testing.T) {
	a := build(t, writeTree(t, sample, 0o644, 0o755), WalkOptions{})
	// Another checkout: other path, other mtimes, a restrictive umask.
	b := build(t, writeTree(t, sample, 0o600, 0o700), WalkOptions{})
	if a.Digest != b.Digest || a.DiffID != b.DiffID {
		t.Fatalf("same content gave different digests: %s vs %s", a.Digest, b.Digest)
	}
	if a.Files != 4 {
		t.Errorf("Files = %d, want 4", a.Files)
	}
	// The executable bit is content: it must change the digest.
	c := build(t, writeTree(t, sample, 0o755, 0o755), WalkOptions{})
	if c.Digest == a.Digest {
		t.Error("making files executable did not change the digest")
	}
	// So is a byte of content.
	changed := map[string]string{}
	for k, v := range sample {
		changed[k] = v
	}
	changed["z-last.yaml"] = "kind: Namespace \n"
	if d := build(t, writeTree(t, changed, 0o644, 0o755), WalkOptions{}); d.Digest == a.Digest {
		t.Error("changing content did not change the digest")
	}
}

func TestBuildDoesNotDependOnCores(t *testing.T) {
	// More than one compression block, so parallelism could matter.
	files := map[string]string{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		var b strings.Builder
		for range 5000 {
			b.WriteString("key" + string(rune('a'+r.IntN(26))) + ": value\n")
		}
		files[filepath.Join("d", string(rune('a'+i%26)), "f"+string(rune('a'+i))+".yaml")] = b.String()
	}
	src := writeTree(t, files, 0o644, 0o755)
	prev := runtime.GOMAXPROCS(1)
	one := build(t, src, WalkOptions{})
	runtime.GOMAXPROCS(8)
	eight := build(t, src, WalkOptions{})
	runtime.GOMAXPROCS(prev)
	if one.Size < 2*blockSize/10 {
		t.Fatalf("test tree too small: %d bytes compressed", one.Size)
	}
	if one.Digest != eight.Digest {
		t.Fatalf("digest depends on GOMAXPROCS: %s vs %s", one.Digest, eight.Digest)
	}
}

// The output must be plain gzip: Flux reads it with the standard library.
func TestBuildIsStandardGzipTar(t *testing.T) {
	layer := build(t, writeTree(t, sample, 0o644, 0o755), WalkOptions{})
	f, err := os.Open(layer.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	compressed := sha256.New()
	gz, err := gzip.NewReader(io.TeeReader(f, compressed))
	if err != nil {
		t.Fatal(err)
	}
	uncompressed := sha256.New()
	tr := tar.NewReader(io.TeeReader(gz, uncompressed))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.ModTime.Unix() != 0 {
			t.Errorf("%s carries environment data: %+v", h.Name, h)
		}
	}
	io.Copy(io.Discard, gz)
	want := "apps/ apps/deploy.yaml apps/nested/ apps/nested/config.yml kustomization.yaml z-last.yaml"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries = %q, want %q (lexical, directory first)", got, want)
	}
	if got := "sha256:" + hex.EncodeToString(uncompressed.Sum(nil)); got != layer.DiffID {
		t.Errorf("DiffID = %s, stdlib computes %s", layer.DiffID, got)
	}
	if got := "sha256:" + hex.EncodeToString(compressed.Sum(nil)); got != layer.Digest {
		t.Errorf("Digest = %s, file hashes to %s", layer.Digest, got)
	}
}

func TestBuildSingleFile(t *testing.T) {
	src := writeTree(t, map[string]string{"one.yaml": "a: 1\n"}, 0o644, 0o755)
	l, err := Walk(filepath.Join(src, "one.yaml"), WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 1 || l.Entries[0].Name != "one.yaml" {
		t.Fatalf("entries = %+v, want one.yaml alone", l.Entries)
	}
}

func TestBuildRoundTrip(t *testing.T) {
	src := writeTree(t, sample, 0o644, 0o755)
	os.Chmod(filepath.Join(src, "apps/deploy.yaml"), 0o755)
	layer := build(t, src, WalkOptions{})
	f, _ := os.Open(layer.Path)
	defer f.Close()
	out := t.TempDir()
	got, err := Extract(f, out, ExtractOptions{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got.Files != 4 {
		t.Errorf("extracted %d files, want 4", got.Files)
	}
	for name, content := range sample {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || string(data) != content {
			t.Errorf("%s = %q, %v; want %q", name, data, err, content)
		}
	}
	st, _ := os.Stat(filepath.Join(out, "apps/deploy.yaml"))
	if st.Mode().Perm()&0o100 == 0 {
		t.Errorf("executable bit lost: %v", st.Mode())
	}
}
