package cmd

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

const listExample = `  # List every artifact of a repository with its source and revision
  kubectl flux-oci list oci://ghcr.io/org/fleet

  # Only the 1.x releases, newest first, as JSON
  kubectl flux-oci list oci://ghcr.io/org/fleet --semver ">=1.0.0 <2.0.0" -o json`

// ListOptions holds what list needs.
type ListOptions struct {
	g        *globals
	Registry *RegistryFlags
	URL      string
	Filter   artifact.TagFilter
	Output   string
	repo     name.Repository
}

func newListCmd(g *globals) *cobra.Command {
	o := &ListOptions{g: g, Registry: NewRegistryFlags(), Output: "table"}
	c := &cobra.Command{
		Use:     "list oci://HOST/REPO",
		Aliases: []string{"ls"},
		Short:   "List the artifacts of a repository",
		Example: listExample,
		Args:    exactArgs(1, "one repository URL"),
		RunE:    runVerb(o),
	}
	f := c.Flags()
	f.StringVar(&o.Filter.SemVer, "semver", "", "keep tags that are versions in this range, newest first")
	f.StringVar(&o.Filter.Regex, "regex", "", "keep tags matching this regular expression")
	f.StringVarP(&o.Output, "output", "o", o.Output, "output format: table or json")
	o.Registry.AddFlags(f)
	return c
}

func (o *ListOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	if err := o.Registry.Complete(o.g.streams.In); err != nil {
		return err
	}
	repo, err := artifact.ParseRepositoryURL(o.URL, o.Registry.AllowInsecureHTTP)
	if err != nil {
		return usageError(err)
	}
	o.repo = repo
	return nil
}

func (o *ListOptions) Validate() error {
	if o.Output != "table" && o.Output != "json" {
		return usageErrorf("--output %q is not supported; hint: use -o table or -o json", o.Output)
	}
	if _, err := o.Filter.Apply(nil); err != nil {
		return usageError(err)
	}
	return o.Registry.Validate()
}

func (o *ListOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	client, err := o.Registry.NewClient(ctx, o.g.progress().V(6))
	if err != nil {
		return err
	}
	tags, err := client.Tags(ctx, o.repo)
	if err != nil {
		return err
	}
	if tags, err = o.Filter.Apply(tags); err != nil {
		return err
	}
	items, err := client.List(ctx, o.repo, tags)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		if items == nil {
			items = []artifact.Info{}
		}
		return writeJSON(o.g.streams.Out, items)
	}
	tw := tabwriter.NewWriter(o.g.streams.Out, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "ARTIFACT\tDIGEST\tSOURCE\tREVISION\tCREATED")
	for _, it := range items {
		fmt.Fprintf(tw, "%s:%s\t%s\t%s\t%s\t%s\n", o.repo.Name(), it.Tag, it.Digest, it.Source, it.Revision, it.Created)
	}
	return tw.Flush()
}
