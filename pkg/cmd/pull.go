package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/flux-oci/kubectl-flux-oci/pkg/archive"
	"github.com/flux-oci/kubectl-flux-oci/pkg/artifact"
)

const pullExample = `  # Pull an artifact into ./out, checking its digest
  kubectl flux-oci pull oci://ghcr.io/org/fleet:production --output ./out

  # Pull an exact revision, refusing more than 100 MiB of content
  kubectl flux-oci pull oci://ghcr.io/org/fleet@sha256:0123… --output ./out --max-size 100Mi`

// PullOptions holds what pull needs.
type PullOptions struct {
	g        *globals
	Registry *RegistryFlags

	URL     string
	Output  string
	MaxSize string

	ref     name.Reference
	maxSize int64
}

func newPullCmd(g *globals) *cobra.Command {
	o := &PullOptions{g: g, Registry: NewRegistryFlags(), MaxSize: "2Gi"}
	c := &cobra.Command{
		Use:     "pull oci://HOST/REPO:TAG --output DIR",
		Short:   "Download a Flux artifact and extract it safely",
		Long:    "Pull downloads an artifact's content layer, verifies its digest, and extracts it into a directory.\nEntries that would escape the directory (absolute paths, .., links) or that are devices are refused.",
		Example: pullExample,
		Args:    exactArgs(1, "one artifact URL"),
		RunE:    runVerb(o),
	}
	f := c.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "directory to extract into (created if missing)")
	f.StringVar(&o.MaxSize, "max-size", o.MaxSize, "refuse artifacts whose content is larger than this (e.g. 500Mi, 4Gi)")
	o.Registry.AddFlags(f)
	return c
}

func (o *PullOptions) Complete(_ context.Context, args []string) error {
	o.URL = args[0]
	ref, err := o.Registry.CompleteArtifact(o.g.streams.In, o.URL)
	if err != nil {
		return err
	}
	o.ref = ref
	q, err := resource.ParseQuantity(o.MaxSize)
	if err != nil {
		return usageErrorf("--max-size %q: %v; hint: use a size such as 500Mi or 2Gi", o.MaxSize, err)
	}
	o.maxSize = q.Value()
	return nil
}

func (o *PullOptions) Validate() error {
	if o.Output == "" {
		return usageErrorf("--output is required; hint: kubectl flux-oci pull %s --output ./dir", o.URL)
	}
	if st, err := os.Stat(o.Output); err == nil && !st.IsDir() {
		return usageErrorf("--output %s is a file; hint: name a directory", o.Output)
	}
	if o.maxSize <= 0 {
		return usageErrorf("--max-size must be positive")
	}
	return o.Registry.Validate()
}

func (o *PullOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Registry.Timeout)
	defer cancel()
	p := o.g.progress()
	client, err := o.Registry.NewClient(ctx, p.V(6))
	if err != nil {
		return err
	}
	info, extracted, err := fetchAndExtract(ctx, client, o.ref, o.Output, o.maxSize)
	if err != nil {
		return err
	}
	p.Successf("extracted %d files (%s) to %s", extracted.Files, humanBytes(extracted.Bytes), o.Output)
	w := o.g.streams.Out
	fmt.Fprintf(w, "url: %s\ndigest: %s\n", info.URL, info.Digest)
	for _, kv := range [][2]string{{"source", info.Source}, {"revision", info.Revision}, {"created", info.Created}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
		}
	}
	return nil
}

// extractGCPercent is the collector's target while a layer is extracted.
// Most of the live heap then is a few MiB of reused member buffers, and each
// file leaves a few hundred bytes of tar headers behind: at Go's default of
// 100 that garbage grows the heap by as much as the buffers before a cycle
// runs. At 25 peak memory stays near what is live, for a few more cycles
// that mark little (the buffers hold no pointers). Below extractGCMinLayer
// (compressed) there is too little garbage to matter, and lowering the
// target would cost a collection at once, some 3 ms of a 40 ms pull.
const (
	extractGCPercent  = 25
	extractGCMinLayer = 4 << 20
)

// fetchAndExtract downloads and verifies the content layer of ref and
// extracts it into dir. Pull and diff share it.
//
// Into a new or empty dir the layer is extracted while it downloads, and
// verified when the stream ends: if verification (or anything) fails, what
// was extracted is removed, so unverified content never stays. Into a dir
// that already holds files, which could not be restored, the layer is first
// downloaded and verified in full, then extracted.
func fetchAndExtract(ctx context.Context, client *artifact.Client, ref name.Reference, dir string, maxSize int64) (*artifact.Info, *archive.Extracted, error) {
	info, err := client.Resolve(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if info.Layer.Size >= extractGCMinLayer {
		defer debug.SetGCPercent(debug.SetGCPercent(extractGCPercent))
	}
	var extracted *archive.Extracted
	if fresh, created := emptyDir(dir); fresh {
		extracted, err = streamExtract(ctx, client, ref, info, dir, maxSize)
		if err != nil {
			cleanDir(dir, created)
		}
	} else {
		extracted, err = downloadThenExtract(ctx, client, ref, info, dir, maxSize)
	}
	if errors.Is(err, archive.ErrTooLarge) {
		return nil, nil, fmt.Errorf("extracting %s: content is larger than --max-size %s; hint: raise --max-size if you trust this artifact", artifact.String(ref), humanBytes(maxSize))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("extracting %s: %w", artifact.String(ref), err)
	}
	return info, extracted, nil
}

func streamExtract(ctx context.Context, client *artifact.Client, ref name.Reference, info *artifact.Info, dir string, maxSize int64) (*archive.Extracted, error) {
	rc, err := client.Open(ctx, ref, info)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	extracted, extractErr := archive.Extract(rc, dir, archive.ExtractOptions{MaxSize: maxSize})
	// The tar stream ends before the blob does (padding, gzip trailer):
	// reading to the end is what verifies the digest. When extraction
	// failed, a digest mismatch is the cause worth reporting; the read is
	// capped by the size the manifest gave.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return nil, err
	}
	return extracted, extractErr
}

func downloadThenExtract(ctx context.Context, client *artifact.Client, ref name.Reference, info *artifact.Info, dir string, maxSize int64) (*archive.Extracted, error) {
	blob, err := client.Download(ctx, ref, info, "")
	if err != nil {
		return nil, err
	}
	defer os.Remove(blob)
	f, err := os.Open(blob)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return archive.Extract(f, dir, archive.ExtractOptions{MaxSize: maxSize})
}

// emptyDir reports whether dir is missing or empty, and whether it is
// missing (then this run creates it).
func emptyDir(dir string) (empty, missing bool) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return true, true
	}
	return err == nil && len(entries) == 0, false
}

// cleanDir removes what a failed streaming extraction left: dir itself if
// this run created it, else its content.
func cleanDir(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
