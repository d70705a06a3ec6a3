package treediff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func side(t *testing.T, files map[string]string, exec ...string) []File {
	t.Helper()
	dir := t.TempDir()
	var out []File
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		f := File{Name: name, Path: p}
		for _, e := range exec {
			f.Executable = f.Executable || e == name
		}
		out = append(out, f)
	}
	return out
}

func TestCompare(t *testing.T) {
	older := side(t, map[string]string{
		"same.yaml":    "a: 1\n",
		"changed.yaml": "replicas: 1\nimage: app:v1\n",
		"gone.yaml":    "kind: ConfigMap\n",
		"bin.dat":      "\x00\x01",
		"script.sh":    "echo hi\n",
	})
	newer := side(t, map[string]string{
		"same.yaml":    "a: 1\n",
		"changed.yaml": "replicas: 2\nimage: app:v1\n",
		"new.yaml":     "kind: Namespace\n",
		"bin.dat":      "\x00\x02",
		"script.sh":    "echo hi\n",
	}, "script.sh")
	changes, err := Compare(older, newer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Change{}
	var order []string
	for _, c := range changes {
		got[c.Name] = c
		order = append(order, c.Name)
	}
	if strings.Join(order, " ") != "bin.dat changed.yaml gone.yaml new.yaml script.sh" {
		t.Fatalf("changes = %v, want sorted and without same.yaml", order)
	}
	want := map[string]Kind{"bin.dat": Modified, "changed.yaml": Modified, "gone.yaml": Removed, "new.yaml": Added, "script.sh": ModeChanged}
	for name, kind := range want {
		if got[name].Kind != kind {
			t.Errorf("%s: kind %s, want %s", name, got[name].Kind, kind)
		}
	}
	d := got["changed.yaml"].Diff
	for _, line := range []string{"--- a/changed.yaml", "+++ b/changed.yaml", "-replicas: 1", "+replicas: 2", " image: app:v1"} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if !got["bin.dat"].Binary || got["bin.dat"].Diff != "" {
		t.Errorf("binary file rendered as text: %+v", got["bin.dat"])
	}
	if !strings.Contains(got["new.yaml"].Diff, "--- /dev/null") || !strings.Contains(got["gone.yaml"].Diff, "+++ /dev/null") {
		t.Errorf("added/removed diffs should use /dev/null: %q %q", got["new.yaml"].Diff, got["gone.yaml"].Diff)
	}
	if got["script.sh"].Diff != "mode 0644 -> 0755\n" {
		t.Errorf("mode change rendered %q", got["script.sh"].Diff)
	}

	brief, err := Compare(older, newer, Options{Brief: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range brief {
		if c.Diff != "" {
			t.Errorf("--brief rendered a diff for %s", c.Name)
		}
	}
}

func TestCompareSame(t *testing.T) {
	files := map[string]string{"a.yaml": strings.Repeat("x", 200<<10), "b/c.yaml": "c"}
	changes, err := Compare(side(t, files), side(t, files), Options{})
	if err != nil || len(changes) != 0 {
		t.Fatalf("identical trees: %v, %v", changes, err)
	}
}
