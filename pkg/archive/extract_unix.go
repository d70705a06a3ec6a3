//go:build unix

package archive

import (
	"errors"
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// fdDir extracts with *at(2) system calls relative to directory descriptors
// this package opened itself, each with O_NOFOLLOW. That is the guarantee
// os.Root gives, at a third of its system calls per file (os.Root also
// re-checks flags and registers every file with the poller), which is most
// of the time spent writing thousands of small files.
type fdDir struct{ fd int }

func openDir(path string) (dirHandle, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return &fdDir{fd: fd}, nil
}

func (d *fdDir) Mkdir(base string) (dirHandle, error) {
	if err := unix.Mkdirat(d.fd, base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, &fs.PathError{Op: "mkdir", Path: base, Err: err}
	}
	// O_NOFOLLOW: an existing symlink named base is refused (ELOOP), never
	// entered.
	fd, err := retry(func() (int, error) {
		return unix.Openat(d.fd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: base, Err: err}
	}
	return &fdDir{fd: fd}, nil
}

func (d *fdDir) Create(base string, mode fs.FileMode) (io.WriteCloser, error) {
	open := func() (int, error) {
		return unix.Openat(d.fd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(mode.Perm()))
	}
	fd, err := retry(open)
	if errors.Is(err, unix.EEXIST) {
		// Replace, never write through, whatever is there: a file or a link.
		if err := d.Remove(base); err != nil {
			return nil, err
		}
		fd, err = retry(open)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "create", Path: base, Err: err}
	}
	return fdFile(fd), nil
}

func (d *fdDir) Symlink(target, base string) error {
	if err := unix.Symlinkat(target, d.fd, base); err != nil {
		return &fs.PathError{Op: "symlink", Path: base, Err: err}
	}
	return nil
}

func (d *fdDir) Link(old dirHandle, oldBase, base string) error {
	// Flags 0: a symlink is linked as itself, never followed.
	if err := unix.Linkat(old.(*fdDir).fd, oldBase, d.fd, base, 0); err != nil {
		return &fs.PathError{Op: "link", Path: base, Err: err}
	}
	return nil
}

func (d *fdDir) Remove(base string) error {
	if err := unix.Unlinkat(d.fd, base, 0); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fs.ErrNotExist
		}
		return &fs.PathError{Op: "remove", Path: base, Err: err}
	}
	return nil
}

func (d *fdDir) Close() error { return unix.Close(d.fd) }

type fdFile int

func (f fdFile) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := unix.Write(int(f), p[written:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

func (f fdFile) Close() error { return unix.Close(int(f)) }

// retry repeats a call interrupted by a signal; Go's scheduler sends them.
func retry(call func() (int, error)) (int, error) {
	for {
		fd, err := call()
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}
