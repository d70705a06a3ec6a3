// Command sandbox starts, inspects and stops the local e2e sandbox:
//
//	sandbox up|down|status|env
//	sandbox stop|start COMPONENT          e.g. registry-tls, registry-plain
//	sandbox add-user USER < password      HTTPS registry user (added or new password)
//	sandbox remove-user USER
//
// See hack/sandbox/README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/flux-oci/kubectl-flux-oci/hack/sandbox"
)

const usage = "usage: sandbox up|down|status|env | stop|start COMPONENT | add-user USER < PASSWORD | remove-user USER"

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
	if len(args) == 0 {
		return errors.New(usage)
	}
	want := map[string]int{"up": 0, "down": 0, "status": 0, "env": 0,
		"stop": 1, "start": 1, "add-user": 1, "remove-user": 1}
	n, known := want[args[0]]
	if !known {
		return fmt.Errorf("unknown command %q: %s", args[0], usage)
	}
	if len(args)-1 != n {
		return fmt.Errorf("%s: wrong number of arguments: %s", args[0], usage)
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
		return status(ctx, sb)
	case "env":
		env, err := sb.Env()
		if err != nil {
			return err
		}
		fmt.Print(env)
		return nil
	case "stop":
		return sb.StopComponent(args[1])
	case "start":
		return sb.StartComponent(ctx, args[1])
	case "add-user":
		password, err := readPassword(os.Stdin)
		if err != nil {
			return fmt.Errorf("add-user %s: %w", args[1], err)
		}
		return sb.AddRegistryUser(ctx, args[1], password)
	default: // remove-user
		return sb.RemoveRegistryUser(ctx, args[1])
	}
}

func status(ctx context.Context, sb *sandbox.Sandbox) error {
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
}

// readPassword takes the first line of stdin (as `--password-stdin` does),
// so a password never shows up in argv or the shell history.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on stdin")
	}
	return password, nil
}
