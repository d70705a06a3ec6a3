// Package archive turns a directory into the gzipped tarball Flux stores in
// an OCI artifact, and back, safely. It owns the ignore rules (Flux's
// defaults, --ignore-paths and .sourceignore files), reproducibility and the
// compression.
package archive

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fluxcd/pkg/sourceignore"
	"github.com/fluxcd/pkg/sourceignore/gitignore"
)

// DefaultIgnorePaths are the patterns `flux push artifact` ignores unless
// told otherwise, so the same directory gives the same artifact content.
func DefaultIgnorePaths() []string {
	return append(strings.Split(sourceignore.ExcludeVCS, ","), strings.Split(sourceignore.ExcludeExt, ",")...)
}

// Entry is one file or directory of an artifact, in the order it is stored.
type Entry struct {
	// Name is the slash-separated path inside the artifact.
	Name string
	// Path is where the content is read from on disk.
	Path string
	Dir  bool
	// Mode is normalised: 0755 for directories and executables, else 0644,
	// so umask and checkout tools do not change the digest.
	Mode int64
	Size int64
}

// WalkOptions selects what goes into an artifact.
type WalkOptions struct {
	// Ignore holds .gitignore-style patterns, relative to the root.
	Ignore []string
	// SkipSourceIgnore stops .sourceignore files from adding patterns.
	SkipSourceIgnore bool
	// ResolveSymlinks stores a symlinked file or directory as a copy of its
	// target. Without it symlinks are left out, as Flux does.
	ResolveSymlinks bool
}

// Listing is the result of Walk.
type Listing struct {
	Entries []Entry
	// Skipped names symlinks and special files that were left out.
	Skipped []string
}

// Walk lists what an artifact of src holds, in a stable order (lexical, a
// directory before its content). src may be a single file.
func Walk(src string, opts WalkOptions) (*Listing, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("reading --path %s: %w", src, err)
	}
	l := &Listing{}
	if !info.IsDir() {
		l.Entries = append(l.Entries, fileEntry(info.Name(), src, info))
		return l, nil
	}
	w := walker{opts: opts, listing: l, ancestors: map[string]bool{}}
	w.patterns = sourceignore.ReadPatterns(strings.NewReader(strings.Join(opts.Ignore, "\n")), nil)
	w.matcher = gitignore.NewMatcher(w.patterns)
	if err := w.dir(src, nil); err != nil {
		return nil, err
	}
	return l, nil
}

type walker struct {
	opts     WalkOptions
	listing  *Listing
	patterns []gitignore.Pattern
	matcher  gitignore.Matcher
	// ancestors holds the real paths of the directories being walked, so a
	// symlink cycle under ResolveSymlinks ends instead of recursing forever,
	// while a directory reached twice by different links is stored twice.
	ancestors map[string]bool
}

func (w *walker) dir(path string, parts []string) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		if w.ancestors[real] {
			return nil
		}
		w.ancestors[real] = true
		defer delete(w.ancestors, real)
	}
	if !w.opts.SkipSourceIgnore {
		ps, err := sourceignore.ReadIgnoreFile(filepath.Join(path, sourceignore.IgnoreFile), parts)
		if err != nil {
			return fmt.Errorf("reading %s: %w", filepath.Join(path, sourceignore.IgnoreFile), err)
		}
		if len(ps) > 0 {
			// Deeper patterns are scoped to their directory by the domain
			// (parts), so they cannot affect siblings walked later.
			w.patterns = append(w.patterns, ps...)
			w.matcher = gitignore.NewMatcher(w.patterns)
		}
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("reading directory %s: %w", path, err)
	}
	for _, de := range entries {
		if err := w.entry(path, parts, de); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) entry(parent string, parts []string, de fs.DirEntry) error {
	full := filepath.Join(parent, de.Name())
	childParts := append(append([]string(nil), parts...), de.Name())
	name := strings.Join(childParts, "/")
	typ := de.Type()
	if typ&fs.ModeSymlink != 0 {
		if !w.opts.ResolveSymlinks {
			w.listing.Skipped = append(w.listing.Skipped, name)
			return nil
		}
		info, err := os.Stat(full)
		if err != nil {
			return fmt.Errorf("resolving symlink %s: %w", full, err)
		}
		typ = info.Mode().Type()
	}
	isDir := typ.IsDir()
	if w.matcher.Match(childParts, isDir) {
		return nil
	}
	switch {
	case isDir:
		w.listing.Entries = append(w.listing.Entries, Entry{Name: name, Path: full, Dir: true, Mode: 0o755})
		return w.dir(full, childParts)
	case typ.IsRegular():
		info, err := os.Stat(full)
		if err != nil {
			return fmt.Errorf("reading %s: %w", full, err)
		}
		w.listing.Entries = append(w.listing.Entries, fileEntry(name, full, info))
	default:
		w.listing.Skipped = append(w.listing.Skipped, name)
	}
	return nil
}

func fileEntry(name, path string, info fs.FileInfo) Entry {
	mode := int64(0o644)
	if info.Mode().Perm()&0o111 != 0 {
		mode = 0o755
	}
	return Entry{Name: name, Path: path, Mode: mode, Size: info.Size()}
}
