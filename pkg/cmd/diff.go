package cmd

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/treediff"
)

const diffExample = `  # What would pushing ./clusters change in production? (exit 1 if anything)
  kubectl flux-oci diff oci://ghcr.io/org/fleet:production --path ./clusters

  # Only the names of the files that differ
  kubectl flux-oci diff oci://ghcr.io/org/fleet:production --path ./clusters --brief`

// DiffOptions holds what diff needs.
type DiffOptions struct {
	g               *globals
	Registry        *RegistryFlags
	URL             string
	Path            string
	Brief           bool
	IgnorePaths     []string
	NoSourceIgnore  bool
	ResolveSymlinks bool
	MaxSize         int64
	ref             name.Reference
}

func newDiffCmd(g *globals) *cobra.Command {
	o := &DiffOptions{g: g, Registry: NewRegistryFlags(), IgnorePaths: archive.DefaultIgnorePaths(), MaxSize: 2 << 30}
	c := &cobra.Command{
		Use:     "diff oci://HOST/REPO:TAG --path DIR",
		Short:   "Compare an artifact with a local directory, file by file",
		Long:    "Diff shows what pushing --path would change: added, removed and modified files, with a unified\ndiff for text. It exits 0 when they are the same, 1 when they differ and 2 on error, like diff(1).",
		Example: diffExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE: func(c *cobra.Command, args []string) error {
			err := runVerb(o)(c, args)
			// diff(1) exits 2 on any trouble; 1 means "different".
			if err != nil && ExitCode(err) != ExitUsage && !Silent(err) {
				return &ExitError{Code: 2, Err: err}
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Path, "path", "f", "", "local directory or file to compare with the artifact")
	f.BoolVarP(&o.Brief, "brief", "q", false, "report only which files differ")
	f.StringSliceVar(&o.IgnorePaths, "ignore-paths", o.IgnorePaths, "paths to leave out, in .gitignore format (as for push)")
	f.BoolVar(&o.NoSourceIgnore, "no-sourceignore", false, "do not read .sourceignore files")
	f.BoolVar(&o.ResolveSymlinks, "resolve-symlinks", false, "compare symlink targets as push --resolve-symlinks stores them")
	o.Registry.AddFlags(f)
	return c
}

func (o *DiffOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	ref, err := o.Registry.CompleteArtifact(o.g.streams.In, o.URL)
	if err != nil {
		return err
	}
	o.ref = ref
	return nil
}

func (o *DiffOptions) Validate() error {
	if o.Path == "" {
		return usageErrorf("--path is required; hint: kubectl flux-oci diff %s --path ./dir", o.URL)
	}
	if _, err := os.Stat(o.Path); err != nil {
		return usageErrorf("--path %s: %v", o.Path, err)
	}
	return o.Registry.Validate()
}

func (o *DiffOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	client, err := o.Registry.NewClient(ctx, o.g.progress().V(6))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "flux-oci-diff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, _, err := fetchAndExtract(ctx, client, o.ref, tmp, o.MaxSize); err != nil {
		return err
	}
	// The artifact side is taken as stored; the local side through the
	// same rules push applies, so the diff is what a push would change.
	remote, err := archive.Walk(tmp, archive.WalkOptions{SkipSourceIgnore: true})
	if err != nil {
		return err
	}
	local, err := archive.Walk(o.Path, archive.WalkOptions{Ignore: o.IgnorePaths, SkipSourceIgnore: o.NoSourceIgnore, ResolveSymlinks: o.ResolveSymlinks})
	if err != nil {
		return err
	}
	changes, err := treediff.Compare(files(remote), files(local), treediff.Options{Brief: o.Brief})
	if err != nil {
		return err
	}
	for _, c := range changes {
		o.print(c)
	}
	if len(changes) > 0 {
		return &ExitError{Code: ExitFailure}
	}
	o.g.progress().Successf("no differences between %s and %s", artifact.String(o.ref), o.Path)
	return nil
}

func (o *DiffOptions) print(c treediff.Change) {
	w := o.g.streams.Out
	fmt.Fprintf(w, "%s: %s\n", c.Kind, c.Name)
	switch {
	case o.Brief:
	case c.Binary:
		fmt.Fprintf(w, "Binary files a/%s and b/%s differ\n", c.Name, c.Name)
	default:
		fmt.Fprint(w, c.Diff)
	}
}

func files(l *archive.Listing) []treediff.File {
	var out []treediff.File
	for _, e := range l.Entries {
		if !e.Dir {
			out = append(out, treediff.File{Name: e.Name, Path: e.Path, Executable: e.Mode&0o111 != 0})
		}
	}
	return out
}
