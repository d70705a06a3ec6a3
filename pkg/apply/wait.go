package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// NotReadyError lists what did not become ready in time, with the reason
// each gives, so the user sees why rather than only that time ran out.
type NotReadyError struct {
	Pending []Status
}

func (e *NotReadyError) Error() string {
	var b strings.Builder
	b.WriteString("timed out waiting for:")
	for _, s := range e.Pending {
		fmt.Fprintf(&b, "\n  %s: %s", s.Ref, s.Message)
		for _, ev := range s.Events {
			fmt.Fprintf(&b, "\n    event: %s", ev)
		}
	}
	return b.String()
}

// Status is the readiness of one object.
type Status struct {
	Ref     Ref
	Ready   bool
	Message string
	Events  []string
}

// Wait polls until every object is ready or ctx ends. Deployments must be
// Available with every replica updated; CRDs Established; objects with a
// Ready condition (Flux's kinds) Ready=True for their current generation;
// anything else is ready once it exists.
func (a *Applier) Wait(ctx context.Context, objs []*unstructured.Unstructured, interval time.Duration) error {
	for {
		var pending []Status
		for _, o := range objs {
			s, err := a.Status(ctx, o)
			if err != nil {
				return err
			}
			if !s.Ready {
				pending = append(pending, s)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			for i := range pending {
				pending[i].Events = a.events(pending[i].Ref)
			}
			return &NotReadyError{Pending: pending}
		case <-time.After(interval):
		}
	}
}

// Status reads one object's readiness.
func (a *Applier) Status(ctx context.Context, obj *unstructured.Unstructured) (Status, error) {
	s := Status{Ref: RefOf(obj)}
	gvk := obj.GroupVersionKind()
	mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		s.Message = "kind not served yet"
		return s, nil
	}
	live, err := a.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s.Message = "not found"
		return s, nil
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			s.Message = err.Error()
			return s, nil
		}
		return s, fmt.Errorf("reading %s: %w", s.Ref, err)
	}
	s.Ready, s.Message = readiness(live)
	return s, nil
}

func readiness(u *unstructured.Unstructured) (bool, string) {
	gen := u.GetGeneration()
	observed, hasObserved, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if hasObserved && observed < gen {
		msg := fmt.Sprintf("generation %d not observed yet (at %d)", gen, observed)
		// A controller that fails early may not bump observedGeneration but
		// still says why in its Ready condition.
		if _, cond := condition(u, "Ready"); !strings.HasPrefix(cond, "no Ready") {
			msg += "; " + cond
		}
		return false, msg
	}
	gk := u.GroupVersionKind().GroupKind()
	switch {
	case gk == schema.GroupKind{Group: "apps", Kind: "Deployment"}:
		want, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		updated, _, _ := unstructured.NestedInt64(u.Object, "status", "updatedReplicas")
		available, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas")
		if updated < want || available < want {
			return false, fmt.Sprintf("%d/%d replicas updated, %d available", updated, want, available)
		}
		return condition(u, "Available")
	case gk == schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:
		return condition(u, "Established")
	}
	if _, found, _ := unstructured.NestedSlice(u.Object, "status", "conditions"); found || hasObserved {
		return condition(u, "Ready")
	}
	return true, "exists"
}

// condition reports whether condition typ is True, with its message.
func condition(u *unstructured.Unstructured, typ string) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] != typ {
			continue
		}
		msg := fmt.Sprintf("%s=%v", typ, m["status"])
		if r, _ := m["reason"].(string); r != "" {
			msg += " (" + r + ")"
		}
		if t, _ := m["message"].(string); t != "" {
			msg += ": " + t
		}
		return m["status"] == "True", msg
	}
	return false, "no " + typ + " condition yet"
}

// events returns the most recent events about ref, newest last.
func (a *Applier) events(ref Ref) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "events"}
	list, err := a.dynamic.Resource(gvr).Namespace(ref.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + ref.Name + ",involvedObject.kind=" + ref.Kind,
	})
	if err != nil {
		return nil
	}
	items := list.Items
	sort.Slice(items, func(i, j int) bool {
		return items[i].GetCreationTimestamp().Time.Before(items[j].GetCreationTimestamp().Time)
	})
	if len(items) > 5 {
		items = items[len(items)-5:]
	}
	var out []string
	for _, e := range items {
		reason, _, _ := unstructured.NestedString(e.Object, "reason")
		msg, _, _ := unstructured.NestedString(e.Object, "message")
		out = append(out, reason+": "+msg)
	}
	return out
}

// Get reads the live version of obj.
func (a *Applier) Get(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	return a.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()).Get(ctx, obj.GetName(), metav1.GetOptions{})
}

// Annotate sets one annotation with a merge patch, e.g. Flux's
// reconcile.fluxcd.io/requestedAt to ask for a reconciliation now.
func (a *Applier) Annotate(ctx context.Context, obj *unstructured.Unstructured, key, value string) error {
	gvk := obj.GroupVersionKind()
	mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)
	_, err = a.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("annotating %s: %w", RefOf(obj), err)
	}
	return nil
}
