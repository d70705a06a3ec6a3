package artifact

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flux-oci/kubectl-flux-oci/pkg/registrytest"
)

// Open's stream ends in a verification error, never io.EOF, for a blob that
// is altered in place, cut short or made longer, whatever Content-Length
// the registry sends with it.
func TestOpenRefusesAlteredBlobs(t *testing.T) {
	var body atomic.Pointer[[]byte]
	reg := registrytest.Start(t, registrytest.Options{Intercept: func(w http.ResponseWriter, r *http.Request) bool {
		b := body.Load()
		if b == nil || r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/sha256:") {
			return false
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(*b)))
		w.Write(*b)
		return true
	}})
	c := New(Options{})
	pushDir(t, c, "oci://"+reg.Host+"/fleet:v1", tree(t, map[string]string{"a.yaml": strings.Repeat("kind: ConfigMap\n", 50)}), Metadata{Created: created})
	ref, _ := ParseURL("oci://"+reg.Host+"/fleet:v1", false)
	info, err := c.Resolve(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	read := func() ([]byte, error) {
		rc, err := c.Open(context.Background(), ref, info)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	good, err := read()
	if err != nil || int64(len(good)) != info.Layer.Size {
		t.Fatalf("untouched blob: %d bytes, %v", len(good), err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	for name, b := range map[string][]byte{
		"altered": flipped,
		"short":   good[:len(good)-1],
		"long":    append(bytes.Clone(good), 0),
	} {
		body.Store(&b)
		_, err := read()
		if err == nil || !strings.Contains(err.Error(), "failed verification") {
			t.Errorf("%s blob: got %v, want a verification failure", name, err)
		}
	}
}
