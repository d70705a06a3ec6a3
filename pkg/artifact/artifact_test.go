package artifact

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fluxoci "github.com/fluxcd/pkg/oci"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

var created = time.Date(2024, 4, 27, 10, 0, 0, 0, time.UTC)

func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func layerOf(t *testing.T, dir string) LayerFile {
	t.Helper()
	l, err := archive.Walk(dir, archive.WalkOptions{Ignore: archive.DefaultIgnorePaths()})
	if err != nil {
		t.Fatal(err)
	}
	built, err := archive.Build(l.Entries, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return LayerFile{Path: built.Path, Digest: built.Digest, DiffID: built.DiffID, Size: built.Size}
}

func pushDir(t *testing.T, c *Client, url, dir string, meta Metadata, extra ...string) *Pushed {
	t.Helper()
	tag, err := ParseTagURL(url, false)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Image(layerOf(t, dir), meta)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Push(context.Background(), tag, img, extra)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPushWritesFluxArtifact(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	c := New(Options{})
	dir := tree(t, map[string]string{"app/deploy.yaml": "kind: Deployment\n"})
	meta := Metadata{Source: "https://github.com/org/fleet", Revision: "main@sha1:abc", Created: created, Annotations: map[string]string{"team": "platform"}}
	p := pushDir(t, c, "oci://"+reg.Host+"/fleet:v1", dir, meta, "production", "v1")
	if strings.Join(p.Tags, ",") != "v1,production" {
		t.Errorf("tags = %v", p.Tags)
	}
	ref, _ := name.ParseReference(reg.Host + "/fleet:production")
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != p.Digest {
		t.Errorf("production -> %s, want %s", desc.Digest, p.Digest)
	}
	var m v1.Manifest
	json.Unmarshal(desc.Manifest, &m)
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" ||
		m.Config.MediaType != "application/vnd.cncf.flux.config.v1+json" ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.cncf.flux.content.v1.tar+gzip" {
		t.Errorf("media types differ from flux push artifact: %s", desc.Manifest)
	}
	want := map[string]string{
		"org.opencontainers.image.created":  "2024-04-27T10:00:00Z",
		"org.opencontainers.image.source":   meta.Source,
		"org.opencontainers.image.revision": meta.Revision,
		"team":                              "platform",
	}
	for k, v := range want {
		if m.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], v)
		}
	}
}

func TestPushSkipsBlobsTheRegistryHas(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	c := New(Options{})
	dir := tree(t, map[string]string{"a.yaml": strings.Repeat("a: 1\n", 1000)})
	first := pushDir(t, c, "oci://"+reg.Host+"/fleet:one", dir, Metadata{Created: created})
	if n := reg.Count(http.MethodPost, "/blobs/uploads/"); n != 2 {
		t.Fatalf("first push started %d uploads, want 2 (config and layer)", n)
	}
	reg.Reset()
	second := pushDir(t, c, "oci://"+reg.Host+"/fleet:two", dir, Metadata{Created: created})
	if n := reg.Count(http.MethodPost, "/blobs/uploads/"); n != 0 {
		t.Errorf("second push of the same content uploaded %d blobs, want 0", n)
	}
	if first.Digest != second.Digest {
		t.Errorf("same content and metadata gave %s then %s", first.Digest, second.Digest)
	}
}

func TestTagPointsAtTheSameManifest(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	c := New(Options{})
	p := pushDir(t, c, "oci://"+reg.Host+"/fleet:rc1", tree(t, map[string]string{"a": "a"}), Metadata{Created: created})
	src, _ := ParseURL("oci://"+reg.Host+"/fleet:rc1", false)
	digest, err := c.Tag(context.Background(), src, []string{"stable", "v1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if digest != p.Digest {
		t.Errorf("Tag returned %s, want %s", digest, p.Digest)
	}
	for _, tg := range []string{"stable", "v1.0.0"} {
		ref, _ := name.ParseReference(reg.Host + "/fleet:" + tg)
		d, err := remote.Head(ref)
		if err != nil || d.Digest.String() != p.Digest {
			t.Errorf("%s -> %v, %v; want %s", tg, d, err, p.Digest)
		}
	}
	_, err = c.Tag(context.Background(), src, []string{"-bad"})
	if err == nil || !strings.Contains(err.Error(), "invalid tag") {
		t.Errorf("bad tag: %v", err)
	}
}

func TestListDescribesEveryTag(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	c := New(Options{Jobs: 4})
	dir := tree(t, map[string]string{"a": "a"})
	for i, tg := range []string{"1.0.0", "1.2.0", "2.0.0", "latest"} {
		pushDir(t, c, "oci://"+reg.Host+"/fleet:"+tg, dir, Metadata{Created: created, Revision: "main@sha1:" + strings.Repeat(string(rune('a'+i)), 4)})
	}
	repo, err := ParseRepositoryURL("oci://"+reg.Host+"/fleet", false)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	tags, _ = TagFilter{SemVer: ">=1.1.0"}.Apply(tags)
	items, err := c.List(context.Background(), repo, tags)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Tag != "2.0.0" || items[1].Tag != "1.2.0" {
		t.Fatalf("items = %+v, want 2.0.0 then 1.2.0", items)
	}
	if items[0].Revision != "main@sha1:cccc" || items[0].Digest == "" || items[0].Created != "2024-04-27T10:00:00Z" {
		t.Errorf("item = %+v", items[0])
	}
}

func TestTagFilter(t *testing.T) {
	tags := []string{"latest", "v1.0.0", "1.10.0", "1.9.0", "2.0.0-rc.1", "dev-abc"}
	cases := []struct {
		f    TagFilter
		want string
	}{
		{TagFilter{}, "latest v1.0.0 1.10.0 1.9.0 2.0.0-rc.1 dev-abc"},
		{TagFilter{SemVer: "1.x"}, "1.10.0 1.9.0 v1.0.0"},
		{TagFilter{SemVer: ">=1.0.0-0"}, "2.0.0-rc.1 1.10.0 1.9.0 v1.0.0"},
		{TagFilter{Regex: "^dev-"}, "dev-abc"},
		{TagFilter{SemVer: "1.x", Regex: `^1\.`}, "1.10.0 1.9.0"},
	}
	for _, c := range cases {
		got, err := c.f.Apply(tags)
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("%+v: %v, %v; want %s", c.f, got, err, c.want)
		}
	}
	if _, err := (TagFilter{SemVer: "not a range"}).Apply(tags); err == nil || !strings.Contains(err.Error(), "--semver") {
		t.Errorf("bad semver: %v", err)
	}
	if _, err := (TagFilter{Regex: "("}).Apply(tags); err == nil || !strings.Contains(err.Error(), "--regex") {
		t.Errorf("bad regex: %v", err)
	}
}

func TestDownloadRefusesTamperedBlob(t *testing.T) {
	var tamper bool
	reg := registrytest.Start(t, registrytest.Options{Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		if tamper && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			w.Write([]byte("\x1f\x8b tampered content"))
			return true
		}
		return false
	}})
	c := New(Options{})
	pushDir(t, c, "oci://"+reg.Host+"/fleet:v1", tree(t, map[string]string{"a": "a"}), Metadata{Created: created})
	ref, _ := ParseURL("oci://"+reg.Host+"/fleet:v1", false)
	info, err := c.Resolve(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	tamper = true
	tmp := t.TempDir()
	_, err = c.Download(context.Background(), ref, info, tmp)
	if err == nil || !strings.Contains(err.Error(), "verification") {
		t.Fatalf("tampered blob: error = %v, want a verification failure", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestAuthErrorsHint(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{Username: "ci", Password: "right"})
	wrong := New(Options{Keychain: staticKeychain{&authn.Basic{Username: "ci", Password: "wrong-password"}}})
	tag, _ := ParseTagURL("oci://"+reg.Host+"/fleet:v1", false)
	img, _ := Image(layerOf(t, tree(t, map[string]string{"a": "a"})), Metadata{Created: created})
	_, err := wrong.Push(context.Background(), tag, img, nil)
	if err == nil || !strings.Contains(err.Error(), "hint: check --username") {
		t.Fatalf("error = %v, want a hint about credentials", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("error leaks the password: %v", err)
	}
	right := New(Options{Keychain: staticKeychain{&authn.Basic{Username: "ci", Password: "right"}}})
	if _, err := right.Push(context.Background(), tag, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := right.CheckPush(context.Background(), tag); err != nil {
		t.Errorf("CheckPush with valid credentials: %v", err)
	}
	if err := wrong.CheckPush(context.Background(), tag); err == nil {
		t.Error("CheckPush accepted wrong credentials")
	}
}

func TestParseURL(t *testing.T) {
	for url, want := range map[string]string{
		"ghcr.io/org/repo:v1":             "must start with oci://",
		"oci://ghcr.io/org/repo":          "invalid artifact URL",
		"oci://ghcr.io/org/REPO:v1":       "invalid artifact URL",
		"oci://ghcr.io/org/repo@sha256:1": "invalid artifact URL",
	} {
		if _, err := ParseURL(url, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want %q", url, err, want)
		}
	}
	if _, err := ParseTagURL("oci://ghcr.io/org/repo@sha256:"+strings.Repeat("a", 64), false); err == nil {
		t.Error("ParseTagURL accepted a digest")
	}
	if _, err := ParseRepositoryURL("oci://ghcr.io/org/repo:v1", false); err == nil {
		t.Error("ParseRepositoryURL accepted a tag")
	}
	if r, err := ParseRepositoryURL("oci://localhost:5000/org/repo", false); err != nil || r.Name() != "localhost:5000/org/repo" {
		t.Errorf("ParseRepositoryURL(localhost:5000) = %v, %v", r, err)
	}
	_ = fluxoci.OCIRepositoryPrefix
}
