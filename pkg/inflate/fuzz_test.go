package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"testing"
)

const fuzzLimit = 1 << 20

// FuzzMatchesCompressFlate feeds arbitrary bytes to Decode and to Go's
// compress/flate: both must accept the same streams, inflate them to the same
// bytes and end them at the same byte, and Decode must never panic.
func FuzzMatchesCompressFlate(f *testing.F) {
	for _, data := range corpus() {
		for _, c := range compressors {
			for _, level := range []int{-2, 0, 1, 6, 9} {
				packed := deflate(f, c, level, data[:min(len(data), 4096)])
				f.Add(packed)
			}
		}
	}
	f.Add([]byte{0x07})
	f.Add([]byte{0x03, 0x02})
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, src []byte) {
		got, used, err := d.Decode(nil, src, fuzzLimit)
		r := bytes.NewReader(src)
		want, wantErr := io.ReadAll(io.LimitReader(flate.NewReader(r), fuzzLimit+1))
		switch {
		case wantErr == nil && len(want) > fuzzLimit:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("past the limit: got %v, want ErrTooLarge", err)
			}
		case wantErr != nil:
			if err == nil {
				t.Fatalf("accepted %d bytes that compress/flate refuses (%v)", len(got), wantErr)
			}
		case err != nil:
			t.Fatalf("refused a stream compress/flate inflates to %d bytes: %v", len(want), err)
		case !bytes.Equal(got, want):
			t.Fatalf("inflated to %d bytes, compress/flate to %d, differing", len(got), len(want))
		case used != len(src)-r.Len():
			t.Fatalf("stream ends at byte %d, compress/flate says %d", used, len(src)-r.Len())
		}
	})
}

// FuzzRoundTrip compresses arbitrary bytes at a level the fuzzer picks.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello, hello, hello"), uint8(6), false)
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, data []byte, level uint8, klauspost bool) {
		c := compressors[0]
		if klauspost {
			c = compressors[1]
		}
		packed := deflate(t, c, int(level%12)-2, data)
		got, used, err := d.Decode(nil, packed, len(data))
		if err != nil || !bytes.Equal(got, data) || used != len(packed) {
			t.Fatalf("level %d: err %v, equal %v, used %d of %d", int(level%12)-2, err, bytes.Equal(got, data), used, len(packed))
		}
	})
}
