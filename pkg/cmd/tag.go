package cmd

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

const tagExample = `  # Promote a tested revision to production
  kubectl flux-oci tag oci://ghcr.io/org/fleet:6f7a258 --tag production

  # Tag over plain HTTP on a lab registry
  kubectl flux-oci tag oci://10.0.0.5:5000/fleet:v1.2.0 --tag latest --tag v1 --allow-insecure-http`

// TagOptions holds what tag needs.
type TagOptions struct {
	g        *globals
	Registry *RegistryFlags
	URL      string
	Tags     []string
	ref      name.Reference
}

func newTagCmd(g *globals) *cobra.Command {
	o := &TagOptions{g: g, Registry: NewRegistryFlags()}
	c := &cobra.Command{
		Use:     "tag oci://HOST/REPO:TAG --tag NEW [--tag NEW…]",
		Short:   "Point more tags at an existing artifact",
		Example: tagExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE:    runVerb(o),
	}
	c.Flags().StringSliceVarP(&o.Tags, "tag", "t", nil, "tag to add (repeatable)")
	o.Registry.AddFlags(c.Flags())
	return c
}

func (o *TagOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	ref, err := o.Registry.CompleteArtifact(o.g.streams.In, o.URL)
	if err != nil {
		return err
	}
	o.ref = ref
	return nil
}

func (o *TagOptions) Validate() error {
	if len(o.Tags) == 0 {
		return usageErrorf("--tag is required; hint: kubectl flux-oci tag %s --tag production", o.URL)
	}
	for _, t := range o.Tags {
		if _, err := artifact.NewTag(o.ref, t, o.Registry.AllowInsecureHTTP); err != nil {
			return usageError(fmt.Errorf("--tag: %w", err))
		}
	}
	return o.Registry.Validate()
}

func (o *TagOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	digest, err := client.Tag(ctx, o.ref, o.Tags)
	if err != nil {
		return err
	}
	for _, t := range o.Tags {
		p.Successf("tagged %s:%s", o.ref.Context().Name(), t)
	}
	fmt.Fprintf(o.g.streams.Out, "oci://%s@%s\n", o.ref.Context().Name(), digest)
	return nil
}
