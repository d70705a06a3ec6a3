package bootstrap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// RotateCluster is what rotation needs of the cluster.
type RotateCluster interface {
	Follower
	Apply(ctx context.Context, objs []*unstructured.Unstructured) ([]apply.Change, error)
}

// Checker proves creds can read what source follows: its tag, or for a
// semver range its tag list. One client per source, since each may have its
// own CA and HTTP setting.
type Checker func(ctx context.Context, source *Source, creds syncgen.Credentials) error

// Source is an OCIRepository as rotation sees it.
type Source struct {
	Name, Namespace string
	URL             string // oci://host/repo
	Tag, SemVer     string
	SecretName      string
	Provider        string
	CA              []byte
	Insecure        bool
}

// ReadSource reads OCIRepository name and the CA of its certSecretRef.
func ReadSource(ctx context.Context, c Follower, namespace, name string) (*Source, error) {
	repo, err := c.Get(ctx, flux("OCIRepository", namespace, name))
	if err != nil {
		return nil, fmt.Errorf("reading OCIRepository %s/%s: %w; hint: was this cluster bootstrapped with -n %s?", namespace, name, err, namespace)
	}
	s := &Source{Name: name, Namespace: namespace}
	s.URL, _, _ = unstructured.NestedString(repo.Object, "spec", "url")
	s.Tag, _, _ = unstructured.NestedString(repo.Object, "spec", "ref", "tag")
	s.SemVer, _, _ = unstructured.NestedString(repo.Object, "spec", "ref", "semver")
	s.SecretName, _, _ = unstructured.NestedString(repo.Object, "spec", "secretRef", "name")
	s.Provider, _, _ = unstructured.NestedString(repo.Object, "spec", "provider")
	s.Insecure, _, _ = unstructured.NestedBool(repo.Object, "spec", "insecure")
	if ca, _, _ := unstructured.NestedString(repo.Object, "spec", "certSecretRef", "name"); ca != "" {
		secret := &unstructured.Unstructured{}
		secret.SetAPIVersion("v1")
		secret.SetKind("Secret")
		secret.SetNamespace(namespace)
		secret.SetName(ca)
		live, err := c.Get(ctx, secret)
		if err != nil {
			return nil, fmt.Errorf("reading the CA Secret %s/%s: %w", namespace, ca, err)
		}
		data, _, _ := unstructured.NestedString(live.Object, "data", "ca.crt")
		s.CA, _ = decodeBase64(data)
	}
	return s, nil
}

// Repository is the repository the source follows.
func (s *Source) Repository() (name.Repository, error) {
	return name.NewRepository(strings.TrimPrefix(s.URL, "oci://"), name.Insecure)
}

// String names what the source follows, for messages.
func (s *Source) String() string {
	if s.SemVer != "" {
		return fmt.Sprintf("%s (semver %s)", s.URL, s.SemVer)
	}
	return s.URL + ":" + s.Tag
}

// Rotation is one Secret to rewrite and the sources that use it.
type Rotation struct {
	Secret  string
	Creds   syncgen.Credentials
	Sources []*Source
}

// Rotate checks every rotation's credentials against every artifact its
// Secret serves, then (unless dryRun) rewrites the Secrets, asks Flux to
// fetch again and waits until each source is Ready on a fetch made after
// the rotation. Nothing is written unless every check passed.
func Rotate(ctx context.Context, c RotateCluster, check Checker, rotations []Rotation, dryRun bool, p Progress) error {
	for _, r := range rotations {
		for _, s := range r.Sources {
			p.Step("checking the new credentials for Secret %s against %s", r.Secret, s)
			if err := check(ctx, s, r.Creds); err != nil {
				return fmt.Errorf("%s refused the new credentials for Secret %s/%s (used by OCIRepository %s): %w; nothing was changed",
					r.Creds.Registry, s.Namespace, r.Secret, s.Name, err)
			}
		}
	}
	if dryRun {
		for _, r := range rotations {
			p.Successf("would update Secret %s/%s (%d sources)", r.Sources[0].Namespace, r.Secret, len(r.Sources))
		}
		return nil
	}
	for _, r := range rotations {
		secret, err := secretObject(r)
		if err != nil {
			return err
		}
		p.Step("updating Secret %s/%s", r.Sources[0].Namespace, r.Secret)
		if _, err := c.Apply(ctx, []*unstructured.Unstructured{secret}); err != nil {
			return err
		}
	}
	for _, r := range rotations {
		for _, s := range r.Sources {
			p.Waitingf("waiting for OCIRepository %s/%s to fetch with the new credentials", s.Namespace, s.Name)
			if err := refetch(ctx, c, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func secretObject(r Rotation) (*unstructured.Unstructured, error) {
	objs, err := syncgen.Objects(syncgen.Sync{Name: r.Secret, Namespace: r.Sources[0].Namespace, SecretName: r.Secret, Credentials: &r.Creds})
	if err != nil {
		return nil, err
	}
	return objs[0], nil // the Secret comes first
}

// refetch requests a reconciliation and waits until the source handled
// that very request and is Ready.
func refetch(ctx context.Context, c Follower, s *Source) error {
	obj := flux("OCIRepository", s.Namespace, s.Name)
	token := time.Now().Format(time.RFC3339Nano)
	if err := c.Annotate(ctx, obj, "reconcile.fluxcd.io/requestedAt", token); err != nil {
		return err
	}
	for {
		live, err := c.Get(ctx, obj)
		if err != nil {
			return err
		}
		handled, _, _ := unstructured.NestedString(live.Object, "status", "lastHandledReconcileAt")
		if handled == token {
			ready, msg := readyCondition(live)
			if ready {
				return nil
			}
			return fmt.Errorf("OCIRepository %s/%s is not Ready after the rotation: %s", s.Namespace, s.Name, msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for OCIRepository %s/%s to fetch again: %w", s.Namespace, s.Name, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

func readyCondition(u *unstructured.Unstructured) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			msg, _ := m["message"].(string)
			return m["status"] == "True", msg
		}
	}
	return false, "no Ready condition"
}
