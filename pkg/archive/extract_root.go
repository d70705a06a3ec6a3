//go:build !unix

package archive

import (
	"io"
	"io/fs"
	"os"
	"path"
)

// rootDir extracts through os.Root where openat(2) is not available. Every
// handle keeps the top-level root so hard links resolve inside it.
type rootDir struct {
	top  *os.Root
	root *os.Root
	rel  string
}

func openDir(p string) (dirHandle, error) {
	r, err := os.OpenRoot(p)
	if err != nil {
		return nil, err
	}
	return &rootDir{top: r, root: r, rel: "."}, nil
}

func (d *rootDir) Mkdir(base string) (dirHandle, error) {
	if err := d.root.Mkdir(base, 0o755); err != nil && !os.IsExist(err) {
		return nil, err
	}
	r, err := d.root.OpenRoot(base)
	if err != nil {
		return nil, err
	}
	return &rootDir{top: d.top, root: r, rel: path.Join(d.rel, base)}, nil
}

func (d *rootDir) Create(base string, mode fs.FileMode) (io.WriteCloser, error) {
	f, err := d.root.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if os.IsExist(err) {
		if err := d.root.Remove(base); err != nil {
			return nil, err
		}
		f, err = d.root.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	}
	return f, err
}

func (d *rootDir) Symlink(target, base string) error { return d.root.Symlink(target, base) }

func (d *rootDir) Link(old dirHandle, oldBase, base string) error {
	return d.top.Link(path.Join(old.(*rootDir).rel, oldBase), path.Join(d.rel, base))
}

func (d *rootDir) Remove(base string) error { return d.root.Remove(base) }

// Close closes this handle's root; the top-level one is closed by its own
// handle, which the extractor holds under ".".
func (d *rootDir) Close() error { return d.root.Close() }
