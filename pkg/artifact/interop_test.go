package artifact

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

// fleet is a small but realistic tree: nested directories, an executable,
// and files Flux ignores by default.
var fleet = map[string]string{
	"clusters/production/kustomization.yaml": "resources:\n- ../../apps\n",
	"apps/kustomization.yaml":                "resources:\n- podinfo.yaml\n",
	"apps/podinfo.yaml":                      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n",
	"scripts/check.sh":                       "#!/bin/sh\necho ok\n",
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return out
}

// What we push, fluxcd/pkg/oci (flux pull artifact, source-controller)
// pulls and reads identically.
func TestFluxPullsWhatWePush(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := tree(t, fleet)
	os.Chmod(filepath.Join(src, "scripts/check.sh"), 0o755)
	meta := Metadata{Source: "https://github.com/org/fleet", Revision: "main@sha1:0123", Created: created}
	p := pushDir(t, New(Options{}), "oci://"+reg.Host+"/fleet:v1", src, meta)

	out := t.TempDir()
	got, err := fluxoci.NewClient(fluxoci.DefaultOptions()).Pull(context.Background(), reg.Host+"/fleet:v1", out)
	if err != nil {
		t.Fatalf("flux could not pull our artifact: %v", err)
	}
	if !reflect.DeepEqual(readTree(t, out), fleet) {
		t.Errorf("flux extracted %v\nwant %v", readTree(t, out), fleet)
	}
	if got.Source != meta.Source || got.Revision != meta.Revision || got.Created != "2024-04-27T10:00:00Z" {
		t.Errorf("flux read metadata %+v", got)
	}
	if got.Digest != reg.Host+"/fleet@"+p.Digest {
		t.Errorf("flux digest %s, we pushed %s", got.Digest, p.Digest)
	}
	if st, _ := os.Stat(filepath.Join(out, "scripts/check.sh")); st.Mode().Perm()&0o100 == 0 {
		t.Error("flux extracted the script without its executable bit")
	}
}

// What flux pushes, we pull.
func TestWePullWhatFluxPushes(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := tree(t, fleet)
	flux := fluxoci.NewClient(fluxoci.DefaultOptions())
	_, err := flux.Push(context.Background(), reg.Host+"/fleet:v1", src,
		fluxoci.WithPushMetadata(fluxoci.Metadata{Source: "https://github.com/org/fleet", Revision: "main@sha1:0123"}))
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{})
	ref, _ := ParseURL("oci://"+reg.Host+"/fleet:v1", false)
	info, err := c.Resolve(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if info.Source != "https://github.com/org/fleet" || info.Revision != "main@sha1:0123" || info.Created == "" {
		t.Errorf("metadata = %+v", info)
	}
	blob, err := c.Download(context.Background(), ref, info, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(blob)
	defer f.Close()
	out := t.TempDir()
	if _, err := archive.Extract(f, out, archive.ExtractOptions{MaxSize: 1 << 20}); err != nil {
		t.Fatalf("extracting flux's layer: %v", err)
	}
	if !reflect.DeepEqual(readTree(t, out), fleet) {
		t.Errorf("extracted %v\nwant %v", readTree(t, out), fleet)
	}
}

// Both tools produce manifests and configs of the same shape: same media
// types, same annotation keys, same config fields.
func TestManifestShapeMatchesFlux(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	src := tree(t, fleet)
	meta := fluxoci.Metadata{Source: "s", Revision: "r", Created: "2024-04-27T10:00:00Z"}
	if _, err := fluxoci.NewClient(fluxoci.DefaultOptions()).Push(context.Background(), reg.Host+"/flux:v1", src, fluxoci.WithPushMetadata(meta)); err != nil {
		t.Fatal(err)
	}
	pushDir(t, New(Options{}), "oci://"+reg.Host+"/ours:v1", src, Metadata{Source: "s", Revision: "r", Created: created})

	theirs, theirCfg := manifestAndConfig(t, reg.Host+"/flux:v1")
	ours, ourCfg := manifestAndConfig(t, reg.Host+"/ours:v1")
	if theirs.MediaType != ours.MediaType || theirs.Config.MediaType != ours.Config.MediaType ||
		theirs.Layers[0].MediaType != ours.Layers[0].MediaType || theirs.SchemaVersion != ours.SchemaVersion {
		t.Errorf("media types differ:\nflux %+v\nours %+v", theirs, ours)
	}
	if !reflect.DeepEqual(theirs.Annotations, ours.Annotations) {
		t.Errorf("annotations differ:\nflux %v\nours %v", theirs.Annotations, ours.Annotations)
	}
	if !reflect.DeepEqual(keys(theirCfg), keys(ourCfg)) || theirCfg["created"] != ourCfg["created"] {
		t.Errorf("configs differ:\nflux %v\nours %v", theirCfg, ourCfg)
	}
}

func manifestAndConfig(t *testing.T, ref string) (*v1.Manifest, map[string]any) {
	t.Helper()
	r, _ := name.ParseReference(ref)
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	json.Unmarshal(raw, &cfg)
	return m, cfg
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
