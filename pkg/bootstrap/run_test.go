package bootstrap

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/apply"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// fakeCluster keeps applied objects in memory and reports them ready, with
// Kustomizations applied at their source's revision.
type fakeCluster struct {
	objects map[string]string // ref → JSON
	log     *[]string
	failOn  string // apply of this kind fails once
}

func newFakeCluster(log *[]string) *fakeCluster {
	return &fakeCluster{objects: map[string]string{}, log: log}
}

func (f *fakeCluster) Reachable(context.Context) (string, error)       { return "v1.36.3", nil }
func (f *fakeCluster) Check(context.Context, []apply.Permission) error { return nil }
func (f *fakeCluster) ResetMapper()                                    {}
func (f *fakeCluster) Wait(context.Context, []*unstructured.Unstructured, time.Duration) error {
	*f.log = append(*f.log, "wait")
	return nil
}

func (f *fakeCluster) Apply(_ context.Context, objs []*unstructured.Unstructured) ([]apply.Change, error) {
	var out []apply.Change
	for _, o := range objs {
		if o.GetKind() == f.failOn {
			f.failOn = ""
			return out, errors.New("injected failure")
		}
		ref := apply.RefOf(o)
		data, _ := o.MarshalJSON()
		c := apply.Change{Ref: ref, Action: apply.Created}
		if prev, ok := f.objects[ref.String()]; ok {
			c.Action = apply.Configured
			if prev == string(data) {
				c.Action = apply.Unchanged
			}
		}
		f.objects[ref.String()] = string(data)
		*f.log = append(*f.log, "apply "+ref.Kind)
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeCluster) Get(_ context.Context, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	u := o.DeepCopy()
	unstructured.SetNestedField(u.Object, "rev", "status", "artifact", "revision")
	unstructured.SetNestedField(u.Object, "rev", "status", "lastAppliedRevision")
	return u, nil
}

type quiet struct{}

func (quiet) Step(string, ...any)     {}
func (quiet) Successf(string, ...any) {}
func (quiet) Warningf(string, ...any) {}
func (quiet) Waitingf(string, ...any) {}

func runner(t *testing.T, reg *registrytest.Registry, cluster *fakeCluster, dryRun bool) *Runner {
	t.Helper()
	comp, _ := artifact.ParseTagURL("oci://"+reg.Host+"/flux-manifests:production", false)
	fleet, _ := artifact.ParseTagURL("oci://"+reg.Host+"/fleet:production", false)
	creds := &syncgen.Credentials{Registry: reg.Host, Username: "reader", Password: "ro"}
	client := artifact.New(artifact.Options{})
	return &Runner{
		Opts: Options{
			Components:         components.Defaults(components.Latest()),
			ComponentsRegistry: Registry{Ref: comp, Pull: creds},
			ClusterRegistry:    Registry{Ref: fleet, Pull: creds},
			ClusterPath:        "clusters/prod", Interval: time.Minute, Timeout: time.Minute,
			Created: time.Unix(0, 0),
		},
		ComponentsRegistry: client, ClusterRegistry: client,
		Components: cluster, Sync: cluster, Progress: quiet{}, DryRun: dryRun,
	}
}

func TestRunPhasesInOrderAndIsIdempotent(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	var log []string
	cluster := newFakeCluster(&log)
	sum, err := runner(t, reg, cluster, false).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	order := strings.Join(log, ",")
	crd := strings.Index(order, "apply CustomResourceDefinition")
	dep := strings.Index(order, "apply Deployment")
	repo := strings.Index(order, "apply OCIRepository")
	if crd < 0 || dep < crd || repo < dep || !strings.Contains(order[crd:dep], "wait") {
		t.Errorf("phase order wrong: %s", order)
	}
	if len(sum.Artifacts) != 2 || sum.Artifacts[0].Action != "pushed" || sum.Artifacts[1].Action != "pushed" {
		t.Fatalf("artifacts = %+v, want components and seed pushed", sum.Artifacts)
	}
	if got := sum.Artifacts[0].Tags; len(got) != 2 || got[1] != strings.TrimPrefix(sum.Artifacts[0].Digest, "sha256:")[:12] {
		t.Errorf("components tags = %v, want the user's and a content tag", got)
	}
	// The cluster source reuses the components Secret: same registry, same
	// pull credentials.
	if _, ok := cluster.objects["Secret/flux-system/flux-system"]; ok {
		t.Error("a second pull Secret was created for the same registry and credentials")
	}

	reg.Reset()
	again, err := runner(t, reg, cluster, false).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again.Changes {
		if c.Action != apply.Unchanged {
			t.Errorf("re-run %s %s", c.Action, c.Ref)
		}
	}
	if again.Artifacts[0].Action != "unchanged" || again.Artifacts[1].Action != "exists" {
		t.Errorf("re-run artifacts = %+v", again.Artifacts)
	}
	if n := reg.Count(http.MethodPut, "/manifests/"); n != 0 {
		t.Errorf("re-run wrote %d manifests", n)
	}
}

func TestDryRunPushesNothing(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	var log []string
	sum, err := runner(t, reg, newFakeCluster(&log), true).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The permission probe opens and cancels an upload; only PUTs store.
	if n := reg.Count(http.MethodPut, "/v2/"); n != 0 {
		t.Errorf("dry run stored %d blobs or manifests", n)
	}
	for _, a := range sum.Artifacts {
		if a.Action != "would push" {
			t.Errorf("dry run artifact %s: %s", a.URL, a.Action)
		}
	}
}

// A run that fails half-way leaves what it did in place, and the next run
// completes the job.
func TestFailureHalfWayIsCompletedByRerun(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	var log []string
	cluster := newFakeCluster(&log)
	cluster.failOn = "Kustomization"
	if _, err := runner(t, reg, cluster, false).Run(context.Background()); err == nil {
		t.Fatal("the injected failure was not reported")
	}
	sum, err := runner(t, reg, cluster, false).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, c := range sum.Changes {
		if c.Action == apply.Created {
			created++
		}
	}
	// The Kustomization that failed, and phase 2's objects.
	if created == 0 || sum.Artifacts[0].Action != "unchanged" {
		t.Errorf("re-run: %d created, components %s", created, sum.Artifacts[0].Action)
	}
}

func TestSeedKustomizationBuilds(t *testing.T) {
	// kustomize rejects an empty kustomization.yaml: the seed must not be one.
	for name, content := range map[string][]byte{"seed": SeedKustomization(), "empty": nil} {
		dir := &components.Dir{Files: map[string][]byte{"kustomization.yaml": content}}
		_, err := dir.Build()
		if name == "seed" && err != nil {
			t.Errorf("the seed does not build: %v", err)
		}
		if name == "empty" && err == nil {
			t.Error("kustomize accepted an empty kustomization.yaml; the seed test proves nothing")
		}
	}
}
