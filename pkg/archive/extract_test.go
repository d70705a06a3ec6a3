package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type tarEntry struct {
	hdr  tar.Header
	body string
}

func gzTar(t *testing.T, entries ...tarEntry) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		must(t, tw.WriteHeader(&h))
		if e.body != "" {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	must(t, tw.Close())
	must(t, gz.Close())
	return bytes.NewReader(buf.Bytes())
}

func file(name, body string) tarEntry {
	return tarEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg}, body: body}
}

func link(typ byte, name, target string) tarEntry {
	return tarEntry{hdr: tar.Header{Name: name, Typeflag: typ, Linkname: target}}
}

// snapshot lists every path under dir, to prove nothing appeared outside.
func snapshot(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		out = append(out, p)
		return nil
	})
	return out
}

func TestExtractRefusesHostileArchives(t *testing.T) {
	cases := []struct {
		name    string
		entries []tarEntry
		// prepare runs in the parent before extraction (dir is parent/out).
		prepare func(t *testing.T, parent, dir string)
		want    error
	}{
		{"parent traversal", []tarEntry{file("../evil.yaml", "x")}, nil, ErrUnsafeEntry},
		{"nested traversal", []tarEntry{file("a/../../evil.yaml", "x")}, nil, ErrUnsafeEntry},
		{"absolute path", []tarEntry{file("/tmp/evil.yaml", "x")}, nil, ErrUnsafeEntry},
		{"absolute symlink", []tarEntry{link(tar.TypeSymlink, "passwd", "/etc/passwd")}, nil, ErrUnsafeEntry},
		{"escaping symlink", []tarEntry{link(tar.TypeSymlink, "a/up", "../../outside")}, nil, ErrUnsafeEntry},
		{"write through symlink", []tarEntry{
			link(tar.TypeSymlink, "d", "."), // harmless itself, stays inside
			file("d/../../evil.yaml", "x")}, nil, ErrUnsafeEntry},
		{"escaping hard link", []tarEntry{link(tar.TypeLink, "h", "../outside.txt")}, nil, ErrUnsafeEntry},
		{"char device", []tarEntry{{hdr: tar.Header{Name: "tty", Typeflag: tar.TypeChar, Devmajor: 5}}}, nil, ErrUnsafeEntry},
		{"block device", []tarEntry{{hdr: tar.Header{Name: "sda", Typeflag: tar.TypeBlock}}}, nil, ErrUnsafeEntry},
		{"fifo", []tarEntry{{hdr: tar.Header{Name: "pipe", Typeflag: tar.TypeFifo}}}, nil, ErrUnsafeEntry},
		{"gzip bomb", []tarEntry{file("zeros", strings.Repeat("\x00", 8<<20))}, nil, ErrTooLarge},
		{"existing symlink in the target pointing out", []tarEntry{file("escape/evil.yaml", "x")},
			func(t *testing.T, parent, dir string) {
				must(t, os.MkdirAll(dir, 0o755))
				must(t, os.Symlink(parent, filepath.Join(dir, "escape")))
			}, nil},
	}
	// Every case both as one gzip stream (flux, oras) and as members (ours).
	encodings := map[string]func(*testing.T, *bytes.Reader) *bytes.Reader{
		"gzip":    func(_ *testing.T, r *bytes.Reader) *bytes.Reader { return r },
		"members": reencode,
	}
	for _, c := range cases {
		for enc, encode := range encodings {
			t.Run(c.name+"/"+enc, func(t *testing.T) {
				parent := t.TempDir()
				must(t, os.WriteFile(filepath.Join(parent, "outside.txt"), []byte("keep"), 0o644))
				dir := filepath.Join(parent, "out")
				if c.prepare != nil {
					c.prepare(t, parent, dir)
				}
				before := snapshot(t, parent)
				_, err := Extract(encode(t, gzTar(t, c.entries...)), dir, ExtractOptions{MaxSize: 1 << 20})
				if err == nil {
					t.Fatal("hostile archive was accepted")
				}
				if testing.Verbose() {
					t.Log(err)
				}
				if c.want != nil && !errors.Is(err, c.want) {
					t.Errorf("error = %v, want %v", err, c.want)
				}
				// Nothing new outside dir, and the file next to it untouched.
				for _, p := range snapshot(t, parent) {
					if !strings.HasPrefix(p, dir) && !slices.Contains(before, p) {
						t.Errorf("extraction wrote %s outside the target", p)
					}
				}
				if data, _ := os.ReadFile(filepath.Join(parent, "outside.txt")); string(data) != "keep" {
					t.Errorf("file outside the target changed to %q", data)
				}
				if _, err := os.Stat(filepath.Join(parent, "evil.yaml")); err == nil {
					t.Error("evil.yaml was written next to the target")
				}
			})
		}
	}
}

// reencode turns a single-stream gzip into members, as Build writes them.
func reencode(t *testing.T, r *bytes.Reader) *bytes.Reader {
	t.Helper()
	gz, err := gzip.NewReader(r)
	must(t, err)
	plain, err := io.ReadAll(gz)
	must(t, err)
	return bytes.NewReader(encodeMembers(t, plain, 2))
}

func TestExtractAcceptsSafeLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	_, err := Extract(gzTar(t,
		file("base/a.yaml", "a"),
		link(tar.TypeSymlink, "base/alias.yaml", "a.yaml"),
		link(tar.TypeLink, "copy.yaml", "base/a.yaml"),
		tarEntry{hdr: tar.Header{Name: "./", Typeflag: tar.TypeDir}},
	), dir, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"base/alias.yaml", "copy.yaml"} {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(data) != "a" {
			t.Errorf("%s = %q, %v", name, data, err)
		}
	}
}

func TestExtractOverwritesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("old content, longer"), 0o644))
	if _, err := Extract(gzTar(t, file("a.yaml", "new")), dir, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a.yaml")); string(data) != "new" {
		t.Errorf("a.yaml = %q, want new", data)
	}
}

func TestExtractRejectsNonGzip(t *testing.T) {
	_, err := Extract(strings.NewReader("not gzip"), t.TempDir(), ExtractOptions{})
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("error = %v, want a gzip error", err)
	}
}
