package archive

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"time"
)

// Layer is a built artifact layer: a gzipped tarball in a temporary file.
type Layer struct {
	// Path of the temporary file; the caller removes it (Remove).
	Path string
	// Digest is the sha256 of the compressed bytes, DiffID of the tar.
	Digest string
	DiffID string
	Size   int64
	// Files and Bytes count the regular files stored and their content.
	Files int
	Bytes int64
}

// Remove deletes the layer's temporary file.
func (l *Layer) Remove() error { return os.Remove(l.Path) }

// blockSize is how much of the tar stream goes in one gzip member, the unit
// of parallel work both ways. It is fixed because the output bytes depend on
// it: changing it changes every digest. Smaller blocks compress worse (each
// starts with an empty dictionary); larger ones leave cores idle on small
// artifacts.
const blockSize = 1 << 20

// Build writes the entries as a gzipped tar into a new file in tmpDir ("" for
// the system default, never next to the source). Headers carry no owner,
// time or umask, so the same content always gives the same digest. The
// tarball is compressed by all cores in parallel, as independent gzip
// members (member.go) that Extract inflates in parallel too; the result is
// standard gzip that Flux reads.
func Build(entries []Entry, tmpDir string) (layer *Layer, err error) {
	f, err := os.CreateTemp(tmpDir, "flux-oci-layer-*.tar.gz")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary file for the layer: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			layer = nil
		}
	}()
	compressed := &countingHash{h: sha256.New()}
	out := bufio.NewWriterSize(io.MultiWriter(f, compressed), 1<<20)
	gz := newMemberWriter(out, runtime.GOMAXPROCS(0))
	defer gz.stop()
	uncompressed := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, uncompressed))
	layer = &Layer{Path: f.Name()}
	buf := make([]byte, 256<<10)
	for _, e := range entries {
		n, err := writeEntry(tw, e, buf)
		if err != nil {
			return nil, err
		}
		if !e.Dir {
			layer.Files++
			layer.Bytes += n
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	if err := out.Flush(); err != nil {
		return nil, fmt.Errorf("writing layer %s: %w", f.Name(), err)
	}
	layer.Digest = "sha256:" + hex.EncodeToString(compressed.h.Sum(nil))
	layer.DiffID = "sha256:" + hex.EncodeToString(uncompressed.Sum(nil))
	layer.Size = compressed.n
	return layer, nil
}

func writeEntry(tw *tar.Writer, e Entry, buf []byte) (int64, error) {
	// The Unix epoch is the only timestamp stored: mtimes differ between
	// checkouts of the same content.
	hdr := &tar.Header{Name: e.Name, Mode: e.Mode, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
	if e.Dir {
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
		return 0, tw.WriteHeader(hdr)
	}
	f, err := os.Open(e.Path)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	defer f.Close()
	// The size is taken from the open file: the walk may be stale if the
	// file changed since.
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	hdr.Size = info.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(tw, io.LimitReader(f, hdr.Size), buf)
	if err != nil {
		return n, fmt.Errorf("archiving %s: %w", e.Path, err)
	}
	if n != hdr.Size {
		return n, fmt.Errorf("archiving %s: file changed while being read", e.Path)
	}
	return n, nil
}

type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}
