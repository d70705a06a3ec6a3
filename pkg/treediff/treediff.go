// Package treediff compares two sets of files, such as an artifact's content
// and a local directory, and renders the differences as unified diffs.
package treediff

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
)

// File is one file on either side.
type File struct {
	// Name is the slash-separated path shared by both sides.
	Name string
	// Path is where its content is read from.
	Path       string
	Executable bool
}

// Kind of change.
type Kind string

const (
	Added    Kind = "added"
	Removed  Kind = "removed"
	Modified Kind = "modified"
	// ModeChanged means only the executable bit differs.
	ModeChanged Kind = "mode"
)

// Change is one file that differs.
type Change struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Diff is a unified diff for text, empty for binary content or --brief.
	Diff string `json:"diff,omitempty"`
	// Binary is set when a modified file is not text.
	Binary bool `json:"binary,omitempty"`
}

// Options shape the output of Compare.
type Options struct {
	// Brief skips rendering diffs: only which files differ is reported.
	Brief bool
	// Context lines around each hunk; 0 means 3.
	Context int
	// MaxTextSize is the largest file rendered as text; 0 means 1 MiB.
	MaxTextSize int64
}

// Compare reports how newer differs from older, sorted by name. Diffs read
// a/NAME for the older side and b/NAME for the newer, as git does.
func Compare(older, newer []File, opts Options) ([]Change, error) {
	if opts.Context <= 0 {
		opts.Context = 3
	}
	if opts.MaxTextSize <= 0 {
		opts.MaxTextSize = 1 << 20
	}
	olds := index(older)
	news := index(newer)
	var changes []Change
	for name, o := range olds {
		n, ok := news[name]
		if !ok {
			c := Change{Name: name, Kind: Removed}
			if !opts.Brief {
				if err := render(&c, &o, nil, opts); err != nil {
					return nil, err
				}
			}
			changes = append(changes, c)
			continue
		}
		c, err := compareFile(o, n, opts)
		if err != nil {
			return nil, err
		}
		if c != nil {
			changes = append(changes, *c)
		}
	}
	for name, n := range news {
		if _, ok := olds[name]; ok {
			continue
		}
		c := Change{Name: name, Kind: Added}
		if !opts.Brief {
			if err := render(&c, nil, &n, opts); err != nil {
				return nil, err
			}
		}
		changes = append(changes, c)
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Name < changes[j].Name })
	return changes, nil
}

func index(files []File) map[string]File {
	m := make(map[string]File, len(files))
	for _, f := range files {
		m[f.Name] = f
	}
	return m
}

func compareFile(o, n File, opts Options) (*Change, error) {
	same, err := sameContent(o.Path, n.Path)
	if err != nil {
		return nil, err
	}
	if same {
		if o.Executable != n.Executable {
			return &Change{Name: o.Name, Kind: ModeChanged, Diff: modeLine(o, n, opts)}, nil
		}
		return nil, nil
	}
	c := &Change{Name: o.Name, Kind: Modified}
	if opts.Brief {
		return c, nil
	}
	return c, render(c, &o, &n, opts)
}

func modeLine(o, n File, opts Options) string {
	if opts.Brief {
		return ""
	}
	return fmt.Sprintf("mode %s -> %s\n", mode(o.Executable), mode(n.Executable))
}

func mode(exec bool) string {
	if exec {
		return "0755"
	}
	return "0644"
}

// sameContent compares sizes first, then bytes in chunks, so large equal
// files are never held in memory whole.
func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	sa, err := fa.Stat()
	if err != nil {
		return false, err
	}
	sb, err := fb.Stat()
	if err != nil {
		return false, err
	}
	if sa.Size() != sb.Size() {
		return false, nil
	}
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			return errB == io.EOF || errB == io.ErrUnexpectedEOF, nil
		}
		if errA != nil {
			return false, errA
		}
		if errB != nil {
			return false, errB
		}
	}
}

// render fills in c.Diff (or c.Binary) from the content of o and n; a nil
// side is an absent file.
func render(c *Change, o, n *File, opts Options) error {
	a, aText, err := readText(o, opts.MaxTextSize)
	if err != nil {
		return err
	}
	b, bText, err := readText(n, opts.MaxTextSize)
	if err != nil {
		return err
	}
	if !aText || !bText {
		c.Binary = true
		return nil
	}
	from, to := "a/"+c.Name, "b/"+c.Name
	if o == nil {
		from = "/dev/null"
	}
	if n == nil {
		to = "/dev/null"
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: from, ToFile: to, Context: opts.Context,
	})
	c.Diff = text
	return err
}

func readText(f *File, max int64) (string, bool, error) {
	if f == nil {
		return "", true, nil
	}
	info, err := os.Stat(f.Path)
	if err != nil {
		return "", false, err
	}
	if info.Size() > max {
		return "", false, nil
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return "", false, err
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return "", false, nil
	}
	return string(data), true, nil
}
