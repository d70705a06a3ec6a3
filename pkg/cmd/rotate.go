package cmd

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/bootstrap"
	"github.com/flux-oci/kubectl-flux-oci/pkg/credentials"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
	"github.com/flux-oci/kubectl-flux-oci/pkg/transport"
	"github.com/flux-oci/kubectl-flux-oci/pkg/version"
)

const rotateExample = `  # A new token for the registry both sources use
  echo "$NEW_TOKEN" | kubectl flux-oci rotate-secret --username bot --password-stdin

  # Only the cluster state's source, with read-only credentials
  OCI_PULL_PASSWORD=$READ_TOKEN kubectl flux-oci rotate-secret --target cluster --pull-username reader

  # Check the new credentials and say what would change
  echo "$NEW_TOKEN" | kubectl flux-oci rotate-secret --username bot --password-stdin --dry-run`

// RotateOptions holds what rotate-secret needs.
type RotateOptions struct {
	g      *globals
	f      *bootstrapFlags // the same credential flags as bootstrap
	target string
	dryRun bool
}

func newRotateCmd(g *globals) *cobra.Command {
	o := &RotateOptions{g: g, f: newBootstrapFlags(), target: "all"}
	c := &cobra.Command{
		Use:   "rotate-secret --username USER --password-stdin",
		Short: "Replace the registry credentials Flux pulls with, safely",
		Long: `Rotate-secret checks the new credentials against the exact artifact each
bootstrap OCIRepository follows, and only if every check passes rewrites the
pull Secret(s) with server-side apply, asks Flux to fetch again, and waits
until each source is Ready on a fetch made after the rotation. Sources that
use workload identity (spec.provider) have no Secret and are left alone.`,
		Example: rotateExample,
		Args:    exactArgs(0, "no arguments (everything is a flag)"),
		RunE:    runVerb(o),
	}
	fs := c.Flags()
	fs.StringVar(&o.target, "target", o.target, "which source's Secret: components, cluster or all")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check the new credentials and report, changing nothing")
	f := o.f
	f.registry.AddFlags(fs)
	fs.StringVar(&f.clusterUsername, "cluster-username", "", "new user for the cluster source (default: --username)")
	fs.StringVar(&f.clusterPassword, "cluster-password", "", "password for --cluster-username (or $"+ClusterPasswordEnv+")")
	fs.StringVar(&f.pullUsername, "pull-username", "", "new read-only user to store instead of --username (password: --pull-password or $"+PullPasswordEnv+")")
	fs.StringVar(&f.pullPassword, "pull-password", "", "password for --pull-username")
	fs.StringVar(&f.clusterPullUsername, "cluster-pull-username", "", "new read-only user for the cluster source")
	fs.StringVar(&f.clusterPullPassword, "cluster-pull-password", "", "password for --cluster-pull-username")
	return c
}

func (o *RotateOptions) Complete(context.Context, []string) error {
	if err := o.f.registry.Complete(o.g.streams.In); err != nil {
		return err
	}
	o.f.clusterPassword = envOr(o.f.clusterPassword, ClusterPasswordEnv)
	o.f.pullPassword = envOr(o.f.pullPassword, PullPasswordEnv)
	return nil
}

func (o *RotateOptions) Validate() error {
	if !slices.Contains([]string{"components", "cluster", "all"}, o.target) {
		return usageErrorf("--target %q; hint: use components, cluster or all", o.target)
	}
	f := o.f
	if f.registry.password == "" && f.pullPassword == "" && f.clusterPassword == "" && f.clusterPullPassword == "" {
		return usageErrorf("no new credentials; hint: --username with --password-stdin (or $%s), or --pull-username with $%s", PasswordEnv, PullPasswordEnv)
	}
	return f.registry.Validate()
}

// newCreds returns the credentials to store for one source.
func (o *RotateOptions) newCreds(source, registry string) (*syncgen.Credentials, error) {
	f := o.f
	pairs := [][2]string{{f.pullUsername, f.pullPassword}, {f.registry.Username, f.registry.password}}
	if source == bootstrap.ClusterName {
		pairs = append([][2]string{{f.clusterPullUsername, f.clusterPullPassword}, {f.clusterUsername, f.clusterPassword}}, pairs...)
	}
	for _, p := range pairs {
		if p[1] != "" {
			if p[0] == "" {
				return nil, usageErrorf("a password without a user name cannot be stored in a pull Secret; hint: pass the matching --*username")
			}
			return &syncgen.Credentials{Registry: registry, Username: p[0], Password: p[1]}, nil
		}
	}
	return nil, nil
}

func (o *RotateOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.f.registry.Timeout)
	defer cancel()
	p := &steps{progress: o.g.progress()}
	ns := *o.g.configFlags.Namespace
	if ns == "" {
		ns = "flux-system"
	}
	applier, err := apply.New(o.g.configFlags, apply.Options{FieldManager: bootstrap.SyncFieldManager})
	if err != nil {
		return err
	}
	rotations, err := o.plan(ctx, applier, ns, p)
	if err != nil {
		return err
	}
	if len(rotations) == 0 {
		return nil
	}
	if err := bootstrap.Rotate(ctx, applier, check, rotations, o.dryRun, p); err != nil {
		return err
	}
	if !o.dryRun {
		p.Successf("rotated %d Secret(s); every source fetched again and is Ready", len(rotations))
	}
	return nil
}

// plan reads both sources and groups them by pull Secret. A Secret is
// rewritten when a targeted source uses it, and then checked against every
// source using it: a shared Secret must keep working for all of them.
func (o *RotateOptions) plan(ctx context.Context, applier *apply.Applier, ns string, p *steps) ([]bootstrap.Rotation, error) {
	var rotations []bootstrap.Rotation
	index := map[string]int{}
	for _, name := range []string{bootstrap.ComponentsName, bootstrap.ClusterName} {
		targeted := o.target == "all" || (o.target == "components") == (name == bootstrap.ComponentsName)
		src, err := bootstrap.ReadSource(ctx, applier, ns, name)
		if err != nil {
			if targeted {
				return nil, err
			}
			continue
		}
		if src.SecretName == "" {
			if targeted {
				p.Successf("%s/%s authenticates with %q workload identity: no Secret to rotate, nothing changed", ns, name, src.Provider)
			}
			continue
		}
		repo, err := src.Repository()
		if err != nil {
			return nil, err
		}
		creds, err := o.newCreds(name, repo.RegistryStr())
		if err != nil {
			return nil, err
		}
		i, seen := index[src.SecretName]
		if !seen {
			index[src.SecretName] = len(rotations)
			rotations = append(rotations, bootstrap.Rotation{Secret: src.SecretName})
			i = len(rotations) - 1
		}
		r := &rotations[i]
		r.Sources = append(r.Sources, src)
		if !targeted {
			continue
		}
		if creds == nil {
			hint := "--username (or --pull-username)"
			if name == bootstrap.ClusterName {
				hint = "--cluster-username (or --cluster-pull-username), or --username for the same registry"
			}
			return nil, usageErrorf("no new credentials for %s; hint: pass %s, or narrow --target", name, hint)
		}
		if r.Creds.Password != "" && r.Creds != *creds {
			return nil, usageErrorf("%s and %s share Secret %s but were given different credentials; hint: give one set", bootstrap.ComponentsName, bootstrap.ClusterName, r.Secret)
		}
		r.Creds = *creds
	}
	var out []bootstrap.Rotation
	for _, r := range rotations {
		if r.Creds.Password != "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// check reads what source follows with creds, over a transport that trusts
// the source's own CA and allows plain HTTP only if the source does.
func check(ctx context.Context, s *bootstrap.Source, creds syncgen.Credentials) error {
	rt, err := transport.New(transport.Options{CAData: s.CA, AllowInsecureHTTP: s.Insecure, UserAgent: version.UserAgent()})
	if err != nil {
		return err
	}
	kc, err := credentials.Options{Username: creds.Username, Password: creds.Password}.Keychain(ctx)
	if err != nil {
		return err
	}
	client := artifact.New(artifact.Options{Transport: rt, Keychain: kc, Insecure: s.Insecure})
	repo, err := s.Repository()
	if err != nil {
		return err
	}
	if s.SemVer != "" {
		_, err = client.Tags(ctx, repo)
		return err
	}
	_, err = client.Resolve(ctx, repo.Tag(s.Tag))
	if err != nil {
		return fmt.Errorf("reading %s: %w", s, err)
	}
	return nil
}
