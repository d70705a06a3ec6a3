package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// corpus returns inputs that exercise every block type and code shape:
// nothing, one byte, incompressible bytes, long runs (overlapping matches),
// text (dynamic codes with long matches) and a mix past 64 KiB (stored
// blocks split at their maximum length).
func corpus() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	var text bytes.Buffer
	words := []string{"apiVersion:", "kind:", "Deployment", "metadata:", "name:", "podinfo", "namespace:", "flux-system", "spec:", "replicas:", "image:", "ghcr.io/stefanprodan/podinfo", "\n", "  ", "    "}
	for text.Len() < 300<<10 {
		text.WriteString(words[r.IntN(len(words))])
		if r.IntN(7) == 0 {
			fmt.Fprintf(&text, "%d", r.IntN(100000))
		}
	}
	mixed := append(append(bytes.Repeat([]byte("ab"), 40000), random[:70<<10]...), text.Bytes()[:70<<10]...)
	return map[string][]byte{
		"empty":  {},
		"one":    {'x'},
		"random": random,
		"run":    bytes.Repeat([]byte{'z'}, 100000),
		"period": bytes.Repeat([]byte("0123456"), 30000),
		"text":   text.Bytes(),
		"mixed":  mixed,
	}
}

type compressor struct {
	name string
	make func(w io.Writer, level int) (io.WriteCloser, error)
}

var compressors = []compressor{
	{"stdlib", func(w io.Writer, l int) (io.WriteCloser, error) { return flate.NewWriter(w, l) }},
	{"klauspost", func(w io.Writer, l int) (io.WriteCloser, error) { return kflate.NewWriter(w, l) }},
}

func deflate(t testing.TB, c compressor, level int, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := c.make(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodesWhatCompressorsWrite(t *testing.T) {
	// -2 is Huffman only (no matches), 0 stored blocks, 1-9 every matcher.
	levels := []int{-2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	d := NewDecoder()
	for name, data := range corpus() {
		for _, c := range compressors {
			for _, level := range levels {
				packed := deflate(t, c, level, data)
				// Trailing bytes are not the stream's: Decode reports where it ended.
				src := append(packed[:len(packed):len(packed)], "trailer"...)
				got, used, err := d.Decode(nil, src, len(data))
				if err != nil {
					t.Fatalf("%s %s level %d: %v", name, c.name, level, err)
				}
				if !bytes.Equal(got, data) || used != len(packed) {
					t.Fatalf("%s %s level %d: got %d bytes using %d, want %d using %d", name, c.name, level, len(got), used, len(data), len(packed))
				}
			}
		}
	}
}

func TestReusesTheOutputArray(t *testing.T) {
	data := corpus()["text"]
	packed := deflate(t, compressors[0], 6, data)
	buf := make([]byte, 10, len(data))
	got, _, err := NewDecoder().Decode(buf, packed, len(data))
	if err != nil || &got[0] != &buf[:1][0] {
		t.Fatalf("err %v; output array reused: %v", err, err == nil && &got[0] == &buf[:1][0])
	}
	// Too small an array grows, to the limit and no further.
	got, _, err = NewDecoder().Decode(make([]byte, 0, 16), packed, len(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("growing: %v", err)
	}
	if _, _, err := NewDecoder().Decode(nil, packed, len(data)-1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over the limit: got %v, want ErrTooLarge", err)
	}
}

func TestRefusesTruncatedStreams(t *testing.T) {
	d := NewDecoder()
	for name, data := range corpus() {
		packed := deflate(t, compressors[1], 6, data)
		for cut := range len(packed) {
			if len(packed) > 4096 && cut%97 != 0 && cut < len(packed)-64 {
				continue // every cut near the end, a sample before it
			}
			_, _, err := d.Decode(nil, packed[:cut], 1<<22)
			if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s cut at %d of %d: got %v, want an error", name, cut, len(packed), err)
			}
		}
	}
}

func TestRefusesInvalidStreams(t *testing.T) {
	for name, src := range map[string][]byte{
		"reserved block type": {0x07},
		"stored length check": {0x01, 0x05, 0x00, 0x00, 0x00},
		// Fixed code, a match at distance 1 with nothing written yet.
		"distance too far": {0x03, 0x02},
		// Fixed block whose first symbol is 286, which only takes a place.
		"reserved length symbol": {0x1b, 0x03},
	} {
		out, _, err := NewDecoder().Decode(nil, src, 1<<20)
		if _, stdErr := io.ReadAll(flate.NewReader(bytes.NewReader(src))); stdErr == nil {
			t.Fatalf("%s: compress/flate accepts it: not an invalid stream", name)
		}
		if err == nil {
			t.Errorf("%s: accepted, inflating to %q", name, out)
		}
	}
}
