// Command kubectl-flux_oci is the kubectl plugin `kubectl flux-oci`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/flux-oci/kubectl-flux-oci/pkg/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := cmd.NewRootCmd(streams).ExecuteContext(ctx)
	stop()
	if err != nil && !cmd.Silent(err) {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
	}
	os.Exit(cmd.ExitCode(err))
}
