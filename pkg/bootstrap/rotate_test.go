package bootstrap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/flux-oci/kubectl-flux-oci/pkg/syncgen"
)

// flaggingCluster answers Get like a controller that handled every request
// and is Ready, and records writes.
type flaggingCluster struct {
	fakeCluster
	annotations map[string]string
}

func (f *flaggingCluster) Annotate(_ context.Context, o *unstructured.Unstructured, _, v string) error {
	f.annotations[o.GetName()] = v
	return nil
}

func (f *flaggingCluster) Get(_ context.Context, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	u := o.DeepCopy()
	unstructured.SetNestedField(u.Object, f.annotations[o.GetName()], "status", "lastHandledReconcileAt")
	unstructured.SetNestedSlice(u.Object, []any{map[string]any{"type": "Ready", "status": "True"}}, "status", "conditions")
	return u, nil
}

func TestRotateChecksEverySourceBeforeWriting(t *testing.T) {
	var log []string
	c := &flaggingCluster{fakeCluster: *newFakeCluster(&log), annotations: map[string]string{}}
	comp := &Source{Name: ComponentsName, Namespace: "flux-system", URL: "oci://r.example.com/flux", Tag: "prod", SecretName: ComponentsName}
	fleet := &Source{Name: ClusterName, Namespace: "flux-system", URL: "oci://r.example.com/fleet", Tag: "prod", SecretName: ComponentsName}
	rot := []Rotation{{Secret: ComponentsName, Creds: syncgen.Credentials{Registry: "r.example.com", Username: "new", Password: "p"}, Sources: []*Source{comp, fleet}}}

	// The new credentials read the components but not the fleet: nothing is written.
	refuseFleet := func(_ context.Context, s *Source, _ syncgen.Credentials) error {
		if s.Name == ClusterName {
			return errors.New("401 Unauthorized")
		}
		return nil
	}
	err := Rotate(context.Background(), c, refuseFleet, rot, false, quiet{})
	if err == nil || !strings.Contains(err.Error(), "r.example.com refused") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("error = %v", err)
	}
	if len(log) != 0 || len(c.annotations) != 0 {
		t.Fatalf("a refused rotation wrote %v %v", log, c.annotations)
	}

	accept := func(context.Context, *Source, syncgen.Credentials) error { return nil }
	if err := Rotate(context.Background(), c, accept, rot, true, quiet{}); err != nil || len(log) != 0 {
		t.Fatalf("dry run: %v, writes %v", err, log)
	}
	if err := Rotate(context.Background(), c, accept, rot, false, quiet{}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(log, ",") != "apply Secret" || len(c.annotations) != 2 {
		t.Errorf("writes = %v, reconcile requests = %v; want one Secret and both sources refetched", log, c.annotations)
	}
	secret := c.objects["Secret/flux-system/"+ComponentsName]
	if !strings.Contains(secret, "dockerconfigjson") {
		t.Errorf("Secret = %s", secret)
	}
}
