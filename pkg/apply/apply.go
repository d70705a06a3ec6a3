// Package apply applies Kubernetes objects with server-side apply, through
// kubectl's own client machinery, and waits for them to become ready. It
// reports per object whether it was created, configured or left unchanged,
// which is what makes a second bootstrap a visible no-op.
package apply

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/dynamic"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// Action says what applying an object did, or would do.
type Action string

const (
	Created    Action = "created"
	Configured Action = "configured"
	Unchanged  Action = "unchanged"
)

// Change is the outcome for one object.
type Change struct {
	Ref    Ref
	Action Action
}

// Ref names an object the way kubectl prints it.
type Ref struct {
	Kind, Namespace, Name string
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// RefOf returns the Ref of obj.
func RefOf(obj *unstructured.Unstructured) Ref {
	return Ref{Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// Options configure an Applier.
type Options struct {
	// FieldManager owns the applied fields.
	FieldManager string
	// Force takes over fields owned by other managers (--force-conflicts).
	Force bool
	// DryRun computes every Change on the server without persisting it.
	DryRun bool
}

// Applier applies objects to one cluster.
type Applier struct {
	factory cmdutil.Factory
	mapper  meta.RESTMapper
	dynamic dynamic.Interface
	opts    Options
}

// New returns an Applier for the cluster the kubectl flags point at.
func New(getter genericclioptions.RESTClientGetter, opts Options) (*Applier, error) {
	f := cmdutil.NewFactory(getter)
	mapper, err := f.ToRESTMapper()
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's API resources: %w", err)
	}
	dyn, err := f.DynamicClient()
	if err != nil {
		return nil, err
	}
	return &Applier{factory: f, mapper: mapper, dynamic: dyn, opts: opts}, nil
}

// ResetMapper forgets cached API discovery, so kinds defined by CRDs
// applied a moment ago become known.
func (a *Applier) ResetMapper() {
	meta.MaybeResetRESTMapper(a.mapper)
}

// Apply server-side applies each object in order and reports what changed.
// An object whose dry-run result equals what is live is not written, so a
// re-run changes nothing, not even managedFields timestamps.
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured) ([]Change, error) {
	var changes []Change
	for _, obj := range objs {
		c, err := a.applyOne(ctx, obj)
		if err != nil {
			return changes, fmt.Errorf("applying %s: %w", RefOf(obj), err)
		}
		changes = append(changes, c)
	}
	return changes, nil
}

func (a *Applier) helper(obj *unstructured.Unstructured) (*resource.Helper, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("the cluster does not serve %s: %w", gvk, err)
	}
	client, err := a.factory.UnstructuredClientForMapping(mapping)
	if err != nil {
		return nil, err
	}
	return resource.NewHelper(client, mapping).WithFieldManager(a.opts.FieldManager), nil
}

func (a *Applier) applyOne(ctx context.Context, obj *unstructured.Unstructured) (Change, error) {
	change := Change{Ref: RefOf(obj)}
	h, err := a.helper(obj)
	if err != nil && a.opts.DryRun && meta.IsNoMatchError(err) {
		// Its CRD is part of the same dry run: it would be created.
		change.Action = Created
		return change, nil
	}
	if err != nil {
		return change, err
	}
	data, err := runtime.Encode(unstructured.UnstructuredJSONScheme, obj)
	if err != nil {
		return change, err
	}
	live, err := h.Get(obj.GetNamespace(), obj.GetName())
	switch {
	case apierrors.IsNotFound(err):
		change.Action = Created
	case err != nil:
		return change, err
	default:
		planned, err := a.patch(h.DryRun(true), obj, data)
		if err != nil {
			return change, err
		}
		if same(live, planned) {
			change.Action = Unchanged
			return change, nil
		}
		change.Action = Configured
	}
	_, err = a.patch(h.DryRun(a.opts.DryRun), obj, data)
	if err != nil && a.opts.DryRun && change.Action == Created && apierrors.IsNotFound(err) {
		// Its namespace is part of the same dry run.
		return change, nil
	}
	return change, err
}

func (a *Applier) patch(h *resource.Helper, obj *unstructured.Unstructured, data []byte) (runtime.Object, error) {
	force := a.opts.Force
	out, err := h.Patch(obj.GetNamespace(), obj.GetName(), types.ApplyPatchType, data, &metav1.PatchOptions{Force: &force})
	if apierrors.IsConflict(err) {
		return nil, fmt.Errorf("%w; hint: another field manager owns these fields: re-run with --force-conflicts to take them over", err)
	}
	return out, err
}

// same compares two versions of an object, ignoring what the server changes
// on every write (resourceVersion, managedFields timestamps) and status.
func same(live, planned runtime.Object) bool {
	l, ok1 := live.(*unstructured.Unstructured)
	p, ok2 := planned.(*unstructured.Unstructured)
	if !ok1 || !ok2 {
		return false
	}
	return strip(l) == strip(p)
}

func strip(u *unstructured.Unstructured) string {
	c := u.DeepCopy()
	for _, f := range []string{"resourceVersion", "managedFields", "generation", "creationTimestamp", "uid"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	unstructured.RemoveNestedField(c.Object, "status")
	data, _ := c.MarshalJSON()
	return string(data)
}

// IsCRDOrNamespace reports the objects applied in the first stage: every
// other object may depend on them.
func IsCRDOrNamespace(obj *unstructured.Unstructured) bool {
	gk := obj.GroupVersionKind().GroupKind()
	return (gk.Group == "apiextensions.k8s.io" && gk.Kind == "CustomResourceDefinition") ||
		(gk.Group == "" && gk.Kind == "Namespace")
}

// Split separates objects into the two stages, keeping their order.
func Split(objs []*unstructured.Unstructured) (first, rest []*unstructured.Unstructured) {
	for _, o := range objs {
		if IsCRDOrNamespace(o) {
			first = append(first, o)
		} else {
			rest = append(rest, o)
		}
	}
	return first, rest
}

// Summary counts changes by action, for a one-line report.
func Summary(changes []Change) string {
	n := map[Action]int{}
	for _, c := range changes {
		n[c.Action]++
	}
	var parts []string
	for _, a := range []Action{Created, Configured, Unchanged} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[a], a))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
