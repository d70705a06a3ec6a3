package bootstrap

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
	"github.com/flux-oci/kubectl-flux-oci/pkg/components"
	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

// pushComponents pushes a components artifact as bootstrap does.
func pushComponents(t *testing.T, client RegistryClient, tag name.Tag, version string) string {
	t.Helper()
	opts := components.Defaults(version)
	gotk, err := components.Generate(components.Manifests(), opts)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := components.NewDir(gotk, "")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Opts: Options{Components: opts, Created: time.Unix(0, 0)}}
	res, err := pushFiles(context.Background(), client, tag, prefixed(components.DirName, dir.Files), r.componentsMetadata(), true, false)
	if err != nil {
		t.Fatal(err)
	}
	return res.Digest
}

func digestOf(t *testing.T, ref string) string {
	t.Helper()
	r, _ := name.ParseReference(ref)
	d, err := remote.Head(r)
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest.String()
}

func TestUpgradeMovesTagAndIsIdempotent(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	client := artifact.New(artifact.Options{})
	tag, _ := artifact.ParseTagURL("oci://"+reg.Host+"/flux-manifests:production", false)
	old := pushComponents(t, client, tag, "v2.9.4")
	ctx := context.Background()

	dry, err := Upgrade(ctx, client, UpgradeOptions{Ref: tag, DryRun: true}, quiet{})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Action != "would push" || digestOf(t, reg.Host+"/flux-manifests:production") != old {
		t.Fatalf("dry run: %s, tag moved: %v", dry.Action, digestOf(t, reg.Host+"/flux-manifests:production") != old)
	}
	found := false
	for _, img := range dry.Diff.Images {
		if strings.HasSuffix(img.From, "source-controller:v1.9.4") && strings.HasSuffix(img.To, "source-controller:v1.9.5") {
			found = true
		}
	}
	if !found {
		t.Errorf("the diff does not show source-controller v1.9.4 -> v1.9.5: %+v", dry.Diff.Images)
	}

	res, err := Upgrade(ctx, client, UpgradeOptions{Ref: tag}, quiet{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != "upgraded" || res.From != "v2.9.4" || res.To != "v2.9.5" {
		t.Fatalf("upgrade = %+v", res)
	}
	if got := digestOf(t, reg.Host+"/flux-manifests:production"); got != res.NewDigest {
		t.Errorf("tag points at %s, want %s", got, res.NewDigest)
	}
	if got := digestOf(t, reg.Host+"/flux-manifests:"+res.ContentTag); got != res.NewDigest {
		t.Errorf("content tag points at %s", got)
	}
	// Same content as a fresh v2.9.5 bootstrap: upgrading is rebuilding.
	fresh, _ := artifact.ParseTagURL("oci://"+reg.Host+"/fresh:production", false)
	if d := pushComponents(t, client, fresh, "v2.9.5"); d != res.NewDigest {
		t.Errorf("upgraded digest %s differs from a fresh v2.9.5 bootstrap %s", res.NewDigest, d)
	}

	reg.Reset()
	again, err := Upgrade(ctx, client, UpgradeOptions{Ref: tag}, quiet{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Action != "nothing to do" || reg.Count(http.MethodPut, "/v2/") != 0 {
		t.Errorf("second upgrade: %s with %d writes", again.Action, reg.Count(http.MethodPut, "/v2/"))
	}

	if _, err := Upgrade(ctx, client, UpgradeOptions{Ref: tag, Version: "v2.9.4"}, quiet{}); err == nil || !strings.Contains(err.Error(), "--allow-downgrade") {
		t.Errorf("downgrade without --allow-downgrade: %v", err)
	}
	down, err := Upgrade(ctx, client, UpgradeOptions{Ref: tag, Version: "v2.9.4", AllowDowngrade: true}, quiet{})
	if err != nil || down.NewDigest != old {
		t.Errorf("downgrade back: %v, digest %s want the original %s", err, down.NewDigest, old)
	}
}

// Someone moves the tag between upgrade's read and its move: upgrade stops
// and leaves their tag alone.
func TestUpgradeStopsOnConcurrentMove(t *testing.T) {
	var reads atomic.Int32
	var host string
	var theirs string
	reg := registrytest.Start(t, registrytest.Options{Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasSuffix(r.URL.Path, "/manifests/production") && reads.Add(1) == 2 {
			// The second read is upgrade's check before moving the tag.
			img, _ := random.Image(64, 1)
			ref, _ := name.ParseReference(host + "/flux-manifests:production")
			remote.Write(ref, img)
			d, _ := img.Digest()
			theirs = d.String()
		}
		return false
	}})
	host = reg.Host
	client := artifact.New(artifact.Options{})
	tag, _ := artifact.ParseTagURL("oci://"+reg.Host+"/flux-manifests:production", false)
	pushComponents(t, client, tag, "v2.9.4")
	reads.Store(0)
	_, err := Upgrade(context.Background(), client, UpgradeOptions{Ref: tag}, quiet{})
	if err == nil || !strings.Contains(err.Error(), "was moved") {
		t.Fatalf("error = %v, want the concurrent move reported", err)
	}
	if got := digestOf(t, reg.Host+"/flux-manifests:production"); got != theirs {
		t.Errorf("tag points at %s, want the other writer's %s", got, theirs)
	}
}

func TestUpgradeRefusesForeignArtifacts(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	client := artifact.New(artifact.Options{})
	tag, _ := artifact.ParseTagURL("oci://"+reg.Host+"/flux-manifests:production", false)
	if _, err := pushFiles(context.Background(), client, tag, map[string][]byte{"a.yaml": []byte("a: 1\n")}, artifact.Metadata{}, false, false); err != nil {
		t.Fatal(err)
	}
	_, err := Upgrade(context.Background(), client, UpgradeOptions{Ref: tag}, quiet{})
	if err == nil || !strings.Contains(err.Error(), OptionsAnnotation) {
		t.Errorf("error = %v, want it to name the missing annotation", err)
	}
	_, err = Upgrade(context.Background(), client, UpgradeOptions{Ref: tag, ExpectDigest: "sha256:" + strings.Repeat("0", 64)}, quiet{})
	if err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("--expect-digest mismatch: %v", err)
	}
}

// The rebuilt artifact is signed before the tag moves, so the cluster never
// sees an unsigned revision; a failed signature leaves the tag alone.
func TestUpgradeSignsBeforeMoving(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	client := artifact.New(artifact.Options{})
	tag, _ := artifact.ParseTagURL("oci://"+reg.Host+"/flux-manifests:production", false)
	old := pushComponents(t, client, tag, "v2.9.4")
	var signedWhileTagAt string
	sign := func(ctx context.Context, ref name.Reference, digest string) error {
		signedWhileTagAt = digestOf(t, reg.Host+"/flux-manifests:production")
		return nil
	}
	res, err := Upgrade(context.Background(), client, UpgradeOptions{Ref: tag, Sign: sign}, quiet{})
	if err != nil {
		t.Fatal(err)
	}
	if signedWhileTagAt != old || digestOf(t, reg.Host+"/flux-manifests:production") != res.NewDigest {
		t.Errorf("signed while the tag pointed at %s (want the old %s), then moved to %s", signedWhileTagAt, old, res.NewDigest)
	}
	fail := func(context.Context, name.Reference, string) error { return errors.New("key refused") }
	down, err := Upgrade(context.Background(), client, UpgradeOptions{Ref: tag, Version: "v2.9.4", AllowDowngrade: true, Sign: fail}, quiet{})
	if err == nil || !strings.Contains(err.Error(), "the tag was not moved") || down != nil {
		t.Errorf("failed signature: %v", err)
	}
	if digestOf(t, reg.Host+"/flux-manifests:production") != res.NewDigest {
		t.Error("the tag moved although signing failed")
	}
}
