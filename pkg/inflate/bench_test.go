package inflate

import (
	"bytes"
	"io"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// The benchmarks inflate text in 1 MiB members, as pull does, with this
// package and with the klauspost/compress decoder it replaces.
func benchMembers(b *testing.B) ([][]byte, int) {
	data := corpus()["text"]
	for len(data) < 8<<20 {
		data = append(data, corpus()["text"]...)
	}
	var members [][]byte
	for off := 0; off < len(data); off += 1 << 20 {
		members = append(members, deflate(b, compressors[1], 6, data[off:min(off+1<<20, len(data))]))
	}
	return members, len(data)
}

func BenchmarkDecode(b *testing.B) {
	members, size := benchMembers(b)
	d := NewDecoder()
	out := make([]byte, 0, 1<<20)
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, m := range members {
			if _, _, err := d.Decode(out, m, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkKlauspost(b *testing.B) {
	members, size := benchMembers(b)
	fr := kflate.NewReader(nil)
	out := make([]byte, 1<<20+1)
	var body bytes.Reader
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, m := range members {
			body.Reset(m)
			fr.(kflate.Resetter).Reset(&body, nil)
			if _, err := io.ReadFull(fr, out[:cap(out)-1]); err != nil && err != io.ErrUnexpectedEOF {
				b.Fatal(err)
			}
		}
	}
}
