// Command sandbox starts, inspects and stops the local e2e sandbox:
//
//	sandbox up|down|status|env
//
// See hack/sandbox/README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flux-oci/kubectl-flux-oci/hack/sandbox"
)

func main() {
	sandbox.RunSupervisorIfRequested() // supervisors are this executable
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: sandbox up|down|status|env")
	}
	sb, err := sandbox.New(sandbox.Options{Progress: os.Stderr})
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		_, err := sb.Up(ctx)
		return err
	case "down":
		return sb.Down()
	case "status":
		statuses, err := sb.Status(ctx)
		if err != nil {
			return err
		}
		if statuses == nil {
			return errors.New("no sandbox is up (hint: make sandbox)")
		}
		sb.PrintStatus(os.Stdout, statuses)
		for _, cs := range statuses {
			if cs.Health != nil {
				return fmt.Errorf("%s is unhealthy", cs.Name)
			}
		}
		return nil
	case "env":
		env, err := sb.Env()
		if err != nil {
			return err
		}
		fmt.Print(env)
		return nil
	}
	return fmt.Errorf("unknown command %q: usage: sandbox up|down|status|env", args[0])
}
