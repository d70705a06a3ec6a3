package archive

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"

	"github.com/klauspost/pgzip"
)

// ExtractOptions bounds what Extract accepts.
type ExtractOptions struct {
	// MaxSize caps the uncompressed size of the archive (headers included),
	// which stops gzip bombs. 0 means no cap.
	MaxSize int64
}

// Extracted counts what Extract wrote.
type Extracted struct {
	Files int
	Bytes int64
}

// ErrUnsafeEntry marks an archive entry that would write outside the target
// directory or create something that is not a file, directory or link.
var ErrUnsafeEntry = errors.New("unsafe archive entry")

// ErrTooLarge marks an archive past ExtractOptions.MaxSize.
var ErrTooLarge = errors.New("archive exceeds the size limit")

// Extract unpacks a gzipped tar into dir, creating it if needed. Every write
// goes through an os.Root, so neither an entry's name nor a symlink, from the
// archive or already in dir, can reach outside dir. Entries that try are
// refused with ErrUnsafeEntry, before anything is written for them. A layer
// Build made is inflated on every core, each member checked against its
// CRC-32 and size (ErrCorrupt if one does not match).
func Extract(r io.Reader, dir string, opts ExtractOptions) (*Extracted, error) {
	gz, err := openGzip(r)
	if err != nil {
		return nil, err
	}
	defer gz.Close()
	var stream io.Reader = gz
	if opts.MaxSize > 0 {
		stream = &capReader{r: gz, left: opts.MaxSize}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	top, err := openDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	x := extractor{dirs: map[string]dirHandle{".": top}, buf: make([]byte, 256<<10)}
	defer x.close()
	tr := tar.NewReader(stream)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return &x.done, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar stream: %w", err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return nil, err
		}
	}
}

// openGzip inflates a layer this package built on every core, member by
// member; any other gzip stream (from flux, oras, …) is read as one.
func openGzip(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if hdr, _ := br.Peek(memberHeaderLen); isMemberHeader(hdr) {
		return newMemberReader(br, runtime.GOMAXPROCS(0)), nil
	}
	gz, err := pgzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("reading gzip stream: %w", err)
	}
	return gz, nil
}

type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// dirHandle is a directory being extracted into. Every operation takes a
// base name relative to it and never follows a symlink, so no entry, and no
// link already on disk, can lead a write outside the target directory.
// extract_unix.go implements it with openat(2); extract_root.go with os.Root.
type dirHandle interface {
	Mkdir(base string) (dirHandle, error)
	Create(base string, mode fs.FileMode) (io.WriteCloser, error)
	Symlink(target, base string) error
	// Link makes base a hard link to the file oldBase in dir old.
	Link(old dirHandle, oldBase, base string) error
	Remove(base string) error
	Close() error
}

type extractor struct {
	// dirs holds a handle per directory created, so each file costs one
	// open by its base name instead of a walk over every path component.
	dirs map[string]dirHandle
	buf  []byte
	// limit bounds each file's copy; one for all files, as thousands of
	// them would each leave one behind for the collector.
	limit io.LimitedReader
	done  Extracted
}

func (x *extractor) close() {
	for _, d := range x.dirs {
		d.Close()
	}
}

// cleanName validates an entry name and returns it relative to the root.
func cleanName(name string) (string, error) {
	if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: %q has an absolute or Windows path", ErrUnsafeEntry, name)
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %q climbs out of the target directory", ErrUnsafeEntry, name)
		}
	}
	return path.Clean(name), nil
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader:
		return nil
	case tar.TypeDir:
		_, err := x.mkdir(name)
		return err
	case tar.TypeReg, tar.TypeRegA:
		if name == "." {
			return fmt.Errorf("%w: a file entry has no name", ErrUnsafeEntry)
		}
		return x.file(name, fs.FileMode(hdr.Mode).Perm()&0o755, hdr.Size, r)
	case tar.TypeSymlink:
		return x.symlink(name, hdr.Linkname)
	case tar.TypeLink:
		target, err := cleanName(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link %q: %w", name, err)
		}
		old, err := x.mkdir(path.Dir(target))
		if err != nil {
			return err
		}
		d, err := x.replace(name)
		if err != nil {
			return err
		}
		return d.Link(old, path.Base(target), path.Base(name))
	default:
		return fmt.Errorf("%w: %q is a device, FIFO or other special file (type %q); artifacts hold files, directories and links only", ErrUnsafeEntry, hdr.Name, hdr.Typeflag)
	}
}

// mkdir creates directory name and its parents, one component at a time,
// and returns a handle for it.
func (x *extractor) mkdir(name string) (dirHandle, error) {
	if d, ok := x.dirs[name]; ok {
		return d, nil
	}
	parent, err := x.mkdir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	d, err := parent.Mkdir(path.Base(name))
	if err != nil {
		return nil, fmt.Errorf("creating directory %s: %w", name, err)
	}
	x.dirs[name] = d
	return d, nil
}

// replace removes what stands at name, so a link is never created over an
// existing entry, and returns the directory holding name.
func (x *extractor) replace(name string) (dirHandle, error) {
	d, err := x.mkdir(path.Dir(name))
	if err != nil {
		return nil, err
	}
	if err := d.Remove(path.Base(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("replacing %s: %w", name, err)
	}
	return d, nil
}

func (x *extractor) file(name string, mode fs.FileMode, size int64, r io.Reader) error {
	d, err := x.mkdir(path.Dir(name))
	if err != nil {
		return err
	}
	f, err := d.Create(path.Base(name), mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	x.limit.R, x.limit.N = r, size
	n, err := io.CopyBuffer(f, &x.limit, x.buf)
	x.limit.R = nil
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, ErrCorrupt) {
		return err // the layer is at fault, not the file being written
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	x.done.Files++
	x.done.Bytes += n
	return nil
}

func (x *extractor) symlink(name, target string) error {
	// The target is resolved from the link's directory; it must stay inside.
	if strings.HasPrefix(target, "/") || strings.HasPrefix(path.Clean(path.Join(path.Dir(name), target)), "..") {
		return fmt.Errorf("%w: symlink %q -> %q points outside the target directory", ErrUnsafeEntry, name, target)
	}
	d, err := x.replace(name)
	if err != nil {
		return err
	}
	return d.Symlink(target, path.Base(name))
}
