// Command krew renders the krew plugin manifest from the krew-release-bot
// template (.krew.yaml) as the bot does on a release, except that each
// archive's sha256 comes from a local file rather than the published release:
// the manifest can then be rendered, checked and installed before anything is
// published.
//
//	go run ./hack/krew -tag v0.1.0 -dist dist -o plugins/flux-oci.yaml
//	go run ./hack/krew -tag v0.1.0 -dist /tmp/d -allow-missing -url-prefix http://127.0.0.1:8080/
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "✗ %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	var (
		opts         renderOptions
		templatePath string
		out          string
	)
	fs := flag.NewFlagSet("krew", flag.ContinueOnError)
	fs.StringVar(&templatePath, "template", ".krew.yaml", "krew-release-bot template")
	fs.StringVar(&opts.Tag, "tag", "", "release tag, e.g. v0.1.0 (required)")
	fs.StringVar(&opts.Dist, "dist", "dist", "directory holding the release archives")
	fs.BoolVar(&opts.AllowMissing, "allow-missing", false,
		"write a placeholder sha256 for an archive not in -dist (checks and tests only)")
	fs.StringVar(&opts.URLPrefix, "url-prefix", "",
		"serve the archives from this URL instead of the release (tests only)")
	fs.StringVar(&out, "o", "", "write the manifest to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if opts.Tag == "" {
		return errors.New("-tag is required (the release tag, e.g. v0.1.0)")
	}
	text, err := os.ReadFile(templatePath)
	if err != nil {
		return fmt.Errorf("reading the template: %w", err)
	}
	manifest, err := render(templatePath, string(text), opts)
	if err != nil {
		return err
	}
	if out == "" {
		_, err := stdout.Write(manifest)
		return err
	}
	if err := os.WriteFile(out, manifest, 0o644); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	return nil
}
