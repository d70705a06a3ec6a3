package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

// testTar returns a tar of YAML-like files holding about size bytes, enough
// for several members when size exceeds blockSize.
func testTar(t *testing.T, size int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; buf.Len() < size; i++ {
		var body strings.Builder
		for range 200 + r.IntN(400) {
			fmt.Fprintf(&body, "key-%d: value-%x\n", r.IntN(50), r.Uint32())
		}
		hdr := &tar.Header{Name: fmt.Sprintf("d%d/f%04d.yaml", i%7, i), Mode: 0o644, Size: int64(body.Len())}
		must(t, tw.WriteHeader(hdr))
		_, err := io.WriteString(tw, body.String())
		must(t, err)
	}
	must(t, tw.Close())
	return buf.Bytes()
}

// encodeMembers gzips plain as Build does, with the given number of workers.
func encodeMembers(t *testing.T, plain []byte, workers int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := newMemberWriter(&buf, workers)
	// Odd-sized writes, so blocks are filled across Write calls.
	for len(plain) > 0 {
		n := min(len(plain), 100_003)
		_, err := w.Write(plain[:n])
		must(t, err)
		plain = plain[n:]
	}
	must(t, w.Close())
	return buf.Bytes()
}

// memberOffsets lists where each member starts, from the length subfields.
func memberOffsets(t *testing.T, layer []byte) []int {
	t.Helper()
	var offsets []int
	for at := 0; at < len(layer); at += memberLen(layer[at:]) {
		if !isMemberHeader(layer[at:]) {
			t.Fatalf("no member header at byte %d", at)
		}
		offsets = append(offsets, at)
	}
	return offsets
}

func TestMembersAreStandardGzip(t *testing.T) {
	plain := testTar(t, 3*blockSize+12345)
	layer := encodeMembers(t, plain, 3)
	if got := len(memberOffsets(t, layer)); got != 4 {
		t.Fatalf("%d members, want 4 for %d bytes", got, len(plain))
	}
	// compress/gzip, as Flux uses it, reads the members as one stream...
	gz, err := gzip.NewReader(bytes.NewReader(layer))
	must(t, err)
	got, err := io.ReadAll(gz)
	must(t, err)
	if !bytes.Equal(got, plain) {
		t.Fatal("compress/gzip read other bytes than were written")
	}
	// ...and sees each as a member with our subfield.
	br := bufio.NewReader(bytes.NewReader(layer))
	gz, err = gzip.NewReader(br)
	must(t, err)
	for n := 0; ; n++ {
		gz.Multistream(false)
		if !bytes.HasPrefix(gz.Extra, []byte("FO\x04\x00")) {
			t.Errorf("member %d: extra field %q lacks the FO subfield", n, gz.Extra)
		}
		_, err := io.Copy(io.Discard, gz)
		must(t, err)
		if err := gz.Reset(br); errors.Is(err, io.EOF) {
			break
		}
	}
}

func TestMembersDoNotDependOnWorkers(t *testing.T) {
	plain := testTar(t, 2*blockSize+7)
	one := encodeMembers(t, plain, 1)
	if four := encodeMembers(t, plain, 4); !bytes.Equal(one, four) {
		t.Fatal("the layer depends on the number of workers")
	}
	if empty := encodeMembers(t, nil, 2); len(memberOffsets(t, empty)) != 1 {
		t.Fatal("an empty stream should still be one member")
	}
}

func TestParallelReaderMatchesSequential(t *testing.T) {
	plain := testTar(t, 5*blockSize/2)
	layer := encodeMembers(t, plain, 2)
	gz, err := gzip.NewReader(bytes.NewReader(layer))
	must(t, err)
	sequential, err := io.ReadAll(gz)
	must(t, err)
	for _, workers := range []int{1, 2, 8} {
		mr := newMemberReader(bytes.NewReader(layer), workers)
		parallel, err := io.ReadAll(mr)
		must(t, err)
		must(t, mr.Close())
		if !bytes.Equal(parallel, sequential) {
			t.Errorf("%d workers: parallel reader gave %d bytes unlike the sequential %d", workers, len(parallel), len(sequential))
		}
	}
}

// A reader that stops early must not leave goroutines blocked on it.
func TestParallelReaderClosesEarly(t *testing.T) {
	layer := encodeMembers(t, testTar(t, 4*blockSize), 2)
	mr := newMemberReader(bytes.NewReader(layer), 2)
	_, err := mr.Read(make([]byte, 10))
	must(t, err)
	must(t, mr.Close()) // returns only once every goroutine has
}

func TestExtractRefusesCorruptMembers(t *testing.T) {
	plain := testTar(t, 3*blockSize)
	good := encodeMembers(t, plain, 2)
	at := memberOffsets(t, good)
	second, third := at[1], at[2]
	cases := []struct {
		name    string
		corrupt func(b []byte) []byte
		want    string
	}{
		{"bad CRC", func(b []byte) []byte { b[third-8] ^= 1; return b }, "CRC-32"},
		{"bad size", func(b []byte) []byte { b[third-4] ^= 1; return b }, "trailer says"},
		{"flipped deflate bit", func(b []byte) []byte { b[second+100] ^= 0x10; return b }, "member 1"},
		{"truncated", func(b []byte) []byte { return b[:third-100] }, "truncated"},
		{"truncated header", func(b []byte) []byte { return b[:third+7] }, "truncated header"},
		{"length too long", func(b []byte) []byte { addLen(b[second:], 8); return b }, "member 1"},
		{"length too short", func(b []byte) []byte { addLen(b[second:], -8); return b }, "member 1"},
		{"impossible length", func(b []byte) []byte { addLen(b[second:], 1<<30); return b }, "impossible length"},
		{"foreign member after ours", func(b []byte) []byte { b[third+12] = 'X'; return b }, "no length subfield"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			before := snapshot(t, parent)
			_, err := Extract(bytes.NewReader(c.corrupt(bytes.Clone(good))), dir, ExtractOptions{})
			if testing.Verbose() {
				t.Log(err)
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want %v mentioning %q", err, ErrCorrupt, c.want)
			}
			for _, p := range snapshot(t, parent) {
				if !strings.HasPrefix(p, dir) && !slices.Contains(before, p) {
					t.Errorf("extraction wrote %s outside the target", p)
				}
			}
		})
	}
}

func addLen(hdr []byte, delta int) {
	binary.LittleEndian.PutUint32(hdr[16:], uint32(memberLen(hdr)+delta))
}

// Layers from flux or oras are one gzip stream without our subfield.
func TestExtractReadsForeignGzip(t *testing.T) {
	plain := testTar(t, 2*blockSize)
	var foreign bytes.Buffer
	gz := gzip.NewWriter(&foreign)
	gz.Extra = []byte("XY\x02\x00hi") // another tool's subfield, not ours
	_, err := gz.Write(plain)
	must(t, err)
	must(t, gz.Close())
	for name, layer := range map[string][]byte{"foreign": foreign.Bytes(), "members": encodeMembers(t, plain, 2)} {
		dir := t.TempDir()
		got, err := Extract(bytes.NewReader(layer), dir, ExtractOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "d0", "f0000.yaml"))
		if err != nil || got.Files < 100 || !bytes.Contains(plain, data) {
			t.Errorf("%s: extracted %d files, d0/f0000.yaml: %v", name, got.Files, err)
		}
	}
}

// A member that inflates past maxMemberPlain is refused before it fills
// memory, whatever its trailer claims.
func TestParallelReaderBoundsMembers(t *testing.T) {
	var packed bytes.Buffer
	packed.Write(make([]byte, memberHeaderLen))
	fw, _ := flate.NewWriter(&packed, flate.BestCompression)
	zeros := make([]byte, maxMemberPlain+1)
	_, err := fw.Write(zeros)
	must(t, err)
	must(t, fw.Close())
	layer := binary.LittleEndian.AppendUint32(packed.Bytes(), crc32.ChecksumIEEE(zeros))
	layer = binary.LittleEndian.AppendUint32(layer, uint32(len(zeros)))
	putMemberHeader(layer, len(layer))
	_, err = Extract(bytes.NewReader(layer), t.TempDir(), ExtractOptions{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("error = %v, want a member too large", err)
	}
}
