package archive

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func names(l *Listing) []string {
	var out []string
	for _, e := range l.Entries {
		if !e.Dir {
			out = append(out, e.Name)
		}
	}
	return out
}

func TestWalkIgnoreRules(t *testing.T) {
	src := writeTree(t, map[string]string{
		"keep.yaml":          "a",
		".git/config":        "secret",
		".gitignore":         "x",
		"logo.png":           "png",
		"bundle.tar.gz":      "gz",
		"ci/pipeline.yaml":   "ci",
		"apps/app.yaml":      "app",
		"apps/app.bak":       "bak",
		"apps/.sourceignore": "*.bak\n# comment\n",
		"other/app.bak":      "kept: the nested .sourceignore is scoped to apps/",
		".sourceignore":      "/ci/\n",
		"docs/readme.md":     "doc",
	}, 0o644, 0o755)
	cases := []struct {
		name string
		opts WalkOptions
		want []string
	}{
		{"flux defaults and .sourceignore", WalkOptions{Ignore: DefaultIgnorePaths()},
			[]string{".sourceignore", "apps/.sourceignore", "apps/app.yaml", "docs/readme.md", "keep.yaml", "other/app.bak"}},
		{"extra --ignore-paths", WalkOptions{Ignore: append(DefaultIgnorePaths(), "docs/", "*.sourceignore")},
			[]string{"apps/app.yaml", "keep.yaml", "other/app.bak"}},
		{"no .sourceignore", WalkOptions{Ignore: DefaultIgnorePaths(), SkipSourceIgnore: true},
			[]string{".sourceignore", "apps/.sourceignore", "apps/app.bak", "apps/app.yaml", "ci/pipeline.yaml", "docs/readme.md", "keep.yaml", "other/app.bak"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := Walk(src, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(l); !reflect.DeepEqual(got, c.want) {
				t.Errorf("files = %q\nwant    %q", got, c.want)
			}
		})
	}
}

func TestWalkSymlinks(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.txt": "s"}, 0o644, 0o755)
	src := writeTree(t, map[string]string{"real/a.yaml": "a"}, 0o644, 0o755)
	must(t, os.Symlink("real/a.yaml", filepath.Join(src, "link.yaml")))
	must(t, os.Symlink("real", filepath.Join(src, "linkdir")))
	must(t, os.Symlink(".", filepath.Join(src, "real", "loop")))
	must(t, os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(src, "out.txt")))

	l, err := Walk(src, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(l); !reflect.DeepEqual(got, []string{"real/a.yaml"}) {
		t.Errorf("default walk stored %q; symlinks must be left out as Flux does", got)
	}
	if len(l.Skipped) != 4 {
		t.Errorf("skipped = %q, want the 4 links reported", l.Skipped)
	}

	l, err = Walk(src, WalkOptions{ResolveSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"link.yaml", "linkdir/a.yaml", "out.txt", "real/a.yaml"}
	if got := names(l); !reflect.DeepEqual(got, want) {
		t.Errorf("resolved walk = %q, want %q (and the loop must end)", got, want)
	}
}

func TestWalkMissingPathNamesFlag(t *testing.T) {
	_, err := Walk(filepath.Join(t.TempDir(), "nope"), WalkOptions{})
	if err == nil || !strings.Contains(err.Error(), "--path") {
		t.Fatalf("error = %v, want it to name --path", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
