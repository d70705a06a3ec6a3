// Package cmd wires the plugin's verbs to cobra. Each verb has an Options
// struct with Complete, Validate and Run; the work itself is done by the
// library packages.
package cmd

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// globals are the flags every verb inherits: kubectl's own (--kubeconfig,
// --context, -n, …) and the log verbosity.
type globals struct {
	streams     genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags
	verbosity   int
}

func (g *globals) progress() progress {
	return progress{w: g.streams.ErrOut, verbosity: g.verbosity}
}

// NewRootCmd builds a fresh command tree; nothing is shared between two
// trees, so tests can build, run and discard one per case.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	g := &globals{streams: streams, configFlags: genericclioptions.NewConfigFlags(true)}
	root := &cobra.Command{
		Use:   "flux-oci",
		Short: "Run Flux from OCI artifacts, without Git",
		Long: `kubectl flux-oci runs Flux CD from a container registry instead of Git: it
packages configuration as OCI artifacts that Flux consumes, and moves them in
and out of registries.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl flux-oci"},
		SilenceUsage:  true,
		SilenceErrors: true,
		// With no verb the help is the answer, not an error.
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	flags := root.PersistentFlags()
	g.configFlags.AddFlags(flags)
	flags.IntVarP(&g.verbosity, "v", "v", 0, "log level: 6 logs every registry request")

	root.AddCommand(
		newVersionCmd(g),
		newPushCmd(g),
		newPullCmd(g),
		newTagCmd(g),
		newListCmd(g),
		newDiffCmd(g),
		newSignCmd(g), newVerifyCmd(g), newGenerateKeyCmd(g),
		newBootstrapCmd(g),
		newUpgradeCmd(g),
		newRotateCmd(g),
		newOptionsCmd(root),
	)
	root.SetUsageTemplate(usageTemplate)
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that says what is missing.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s; hint: %s", c.CommandPath(), what, c.UseLine())
		}
		return nil
	}
}

// verb is the Complete/Validate/Run shape every command with work to do
// has; Complete gets the context for what it must look up (passwords on
// stdin, credentials) and the positional arguments.
type verb interface {
	Complete(ctx context.Context, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runVerb is the RunE of such a command: complete, validate, then run.
func runVerb(o verb) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if err := o.Complete(c.Context(), args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(c.Context())
	}
}
