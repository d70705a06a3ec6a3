package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/version"
)

type versionOptions struct {
	g      *globals
	output string
}

func newVersionCmd(g *globals) *cobra.Command {
	o := &versionOptions{g: g}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "", "output format: json")
	return c
}

func (o *versionOptions) Validate() error {
	if o.output != "" && o.output != "json" {
		return usageErrorf("--output %q is not supported; hint: use -o json", o.output)
	}
	return nil
}

func (o *versionOptions) Run() error {
	info := version.Get()
	info.Flux = components.Latest()
	if o.output == "json" {
		return writeJSON(o.g.streams.Out, info)
	}
	fmt.Fprintf(o.g.streams.Out, "kubectl-flux_oci: %s\ngo: %s\nplatform: %s\n", info.Version, info.GoVersion, info.Platform)
	if info.Flux != "" {
		fmt.Fprintf(o.g.streams.Out, "flux: %s\n", info.Flux)
	}
	return nil
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
