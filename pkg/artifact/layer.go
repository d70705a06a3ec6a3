package artifact

import (
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// LayerFile is a gzipped tarball on disk whose digests are already known,
// so pushing it reads the file once, to upload it.
type LayerFile struct {
	Path   string
	Digest string
	DiffID string
	Size   int64
}

// fileLayer implements v1.Layer over a LayerFile. The library's tarball
// layer would decompress the whole file again just to learn the DiffID.
type fileLayer struct {
	f         LayerFile
	digest    v1.Hash
	diffID    v1.Hash
	mediaType types.MediaType
}

func newFileLayer(f LayerFile, mt types.MediaType) (*fileLayer, error) {
	d, err := v1.NewHash(f.Digest)
	if err != nil {
		return nil, err
	}
	id, err := v1.NewHash(f.DiffID)
	if err != nil {
		return nil, err
	}
	return &fileLayer{f: f, digest: d, diffID: id, mediaType: mt}, nil
}

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *fileLayer) Size() (int64, error)                { return l.f.Size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.f.Path) }

// Uncompressed is not needed to push; the library asks for it only to
// compute what we already know.
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, io.ErrUnexpectedEOF
}
