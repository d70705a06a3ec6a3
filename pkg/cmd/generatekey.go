package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/signing"
)

const generateKeyExample = `  # cosign.key (encrypted; password from COSIGN_PASSWORD, or typed twice) and cosign.pub
  kubectl flux-oci generate-key

  # keys/fleet.key and keys/fleet.pub, then sign with them
  kubectl flux-oci generate-key --output-key-prefix keys/fleet
  kubectl flux-oci push oci://ghcr.io/org/fleet:v1.2.0 --path ./clusters --sign cosign --key keys/fleet.key`

// GenerateKeyOptions holds what generate-key needs.
type GenerateKeyOptions struct {
	g *globals
	// Prefix names the files: PREFIX.key and PREFIX.pub, as cosign's
	// --output-key-prefix does.
	Prefix  string
	Force   bool
	keyPath string
	pubPath string
}

func newGenerateKeyCmd(g *globals) *cobra.Command {
	o := &GenerateKeyOptions{g: g, Prefix: "cosign"}
	c := &cobra.Command{
		Use:   "generate-key",
		Short: "Make a cosign key pair (cosign.key, cosign.pub) to sign artifacts with",
		Long: "generate-key writes the key pair `cosign generate-key-pair` writes, without the cosign CLI: an ECDSA P-256\n" +
			"private key encrypted with a password in cosign's format (cosign.key, mode 0600), and its public key\n" +
			"(cosign.pub). Sign with --sign cosign --key cosign.key on push, sign, bootstrap and upgrade; Flux and\n" +
			"kubectl flux-oci verify check signatures with cosign.pub. The password comes from $" + KeyPasswordEnv + " or\n" +
			"is typed twice at a prompt; it is never a flag. Existing files are kept unless --force is given.",
		Example: generateKeyExample,
		Args:    exactArgs(0, "no arguments"),
		RunE:    runVerb(o),
	}
	c.Flags().StringVar(&o.Prefix, "output-key-prefix", o.Prefix, "write PREFIX.key and PREFIX.pub (a path may lead the name)")
	c.Flags().BoolVar(&o.Force, "force", false, "replace PREFIX.key and PREFIX.pub if they exist")
	return c
}

// Complete names the two files.
func (o *GenerateKeyOptions) Complete(context.Context, []string) error {
	o.keyPath, o.pubPath = o.Prefix+".key", o.Prefix+".pub"
	return nil
}

// Validate refuses to replace a key, which would lose what it signed with,
// unless asked to; both files are checked before anything is written.
func (o *GenerateKeyOptions) Validate() error {
	if o.Prefix == "" {
		return usageErrorf("--output-key-prefix is empty; hint: give a name such as cosign or keys/fleet")
	}
	if dir := filepath.Dir(o.Prefix); !isDir(dir) {
		return fmt.Errorf("--output-key-prefix %q: directory %s does not exist; hint: create it first", o.Prefix, dir)
	}
	if o.Force {
		return nil
	}
	for _, p := range []string{o.keyPath, o.pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s already exists; hint: choose another --output-key-prefix, or pass --force to replace it (what it signed will no longer verify with a new key)", p)
		}
	}
	return nil
}

func (o *GenerateKeyOptions) Run(context.Context) error {
	// A new password is typed twice: a typo would lock the key for good.
	password, err := readPassword(o.g.streams.In, o.g.streams.ErrOut, o.keyPath,
		"Enter password for private key %s: ", "Enter password for private key %s again: ")
	if err != nil {
		return err
	}
	pair, err := signing.GenerateKeyPair(password)
	if err != nil {
		return err
	}
	pub, err := signing.LoadPublicKey(pair.Public)
	if err != nil {
		return err
	}
	if err := writeKeyFiles(o.keyPath, pair.Private, o.pubPath, pair.Public, o.Force); err != nil {
		return err
	}
	p := o.g.progress()
	p.Successf("private key written to %s (encrypted)", o.keyPath)
	p.Successf("public key written to %s; Flux verifies with it (bootstrap --sign stores it in the flux-verify Secret)", o.pubPath)
	fmt.Fprintf(o.g.streams.Out, "key: %s\npublic-key: %s\nid: %s\n", o.keyPath, o.pubPath, pub.ID)
	return nil
}

// writeKeyFiles writes both files or neither: a failure on the second
// removes the first, so a re-run starts clean.
func writeKeyFiles(keyPath string, key []byte, pubPath string, pub []byte, replace bool) error {
	if err := writeNew(keyPath, key, 0o600, replace); err != nil {
		return err
	}
	if err := writeNew(pubPath, pub, 0o644, replace); err != nil {
		os.Remove(keyPath)
		return err
	}
	return nil
}

// writeNew creates path with mode, failing if it exists unless replace is
// set: O_EXCL, so a file that appeared since Validate is not overwritten.
func writeNew(path string, data []byte, mode fs.FileMode, replace bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if replace {
		// Removed first, so the new file gets mode, not the old file's.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("replacing %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, flags, mode)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
