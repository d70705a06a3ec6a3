// Package inflate decodes a DEFLATE stream (RFC 1951) that is wholly in
// memory into one output buffer.
//
// compress/flate and its faster relatives read from an io.Reader, so every
// output byte goes through a 32 KiB history window before it is copied out,
// and every input byte through a byte-at-a-time reader. Here the input is a
// slice and the output is the history: matches copy within the output and
// the bit buffer loads eight bytes at once. On the gzip members the archive
// package writes, that inflates in about half the CPU time, which is most of
// what `pull` spends.
package inflate

import (
	"encoding/binary"
	"errors"
	"io"
	"slices"
)

// ErrCorrupt marks data that is not valid DEFLATE.
var ErrCorrupt = errors.New("invalid deflate data")

// ErrTooLarge marks data that inflates past the limit given to Decode.
var ErrTooLarge = errors.New("deflate data inflates past the limit")

// Decoder inflates DEFLATE streams. Its Huffman tables are reused from one
// call to the next; it is not safe for concurrent use.
type Decoder struct {
	litlen, dist, codeLen table
	fixed                 bool // litlen and dist hold the fixed code (§3.2.6)
	lens                  [maxLitlen + maxDist]uint8
}

const (
	maxLitlen = 286 // HLIT may not name more (§3.2.7)
	maxDist   = 30
	// maxBitsPerMatch is the most one length and distance pair takes:
	// a 15-bit code and 5 extra bits, then a 15-bit code and 13 extra bits.
	maxBitsPerMatch = 48
	maxMatch        = 258
)

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	return &Decoder{litlen: newTable(litlenBits), dist: newTable(distBits), codeLen: newTable(codeLenBits)}
}

// Decode inflates the DEFLATE stream at the start of src into dst's array
// when it has room, else a new one. It returns the inflated bytes and how
// many bytes of src the stream took, up to and including its final block;
// the caller decides what bytes after that mean. A stream that needs more
// than src holds gives io.ErrUnexpectedEOF, invalid data ErrCorrupt, and
// output past limit bytes ErrTooLarge.
func (d *Decoder) Decode(dst, src []byte, limit int) ([]byte, int, error) {
	s := state{br: bitReader{src: src}, out: dst[:min(cap(dst), max(limit, 0))], limit: limit}
	for {
		if err := s.br.need(3); err != nil {
			return nil, 0, err
		}
		final := s.br.take(1) == 1
		var err error
		switch s.br.take(2) {
		case 0:
			err = s.stored()
		case 1:
			d.useFixed()
			err = d.huffman(&s)
		case 2:
			if err = d.readDynamic(&s.br); err == nil {
				err = d.huffman(&s)
			}
		default:
			err = ErrCorrupt // block type 3 is reserved
		}
		if err != nil {
			return nil, 0, err
		}
		if final {
			used, err := s.br.consumed()
			if err != nil {
				return nil, 0, err
			}
			return s.out[:s.n], used, nil
		}
	}
}

// state is one Decode call's progress.
type state struct {
	br    bitReader
	out   []byte // its capacity up to limit; the first n bytes are written
	n     int
	limit int
}

// grow makes room for need more bytes, bounded by the limit.
func (s *state) grow(need int) error {
	if s.n+need > s.limit {
		return ErrTooLarge
	}
	s.out = slices.Grow(s.out[:s.n], need)
	s.out = s.out[:min(cap(s.out), s.limit)]
	return nil
}

// stored copies a stored block (§3.2.4).
func (s *state) stored() error {
	pos, err := s.br.alignToByte()
	if err != nil {
		return err
	}
	src := s.br.src
	if len(src)-pos < 4 {
		return io.ErrUnexpectedEOF
	}
	n := int(binary.LittleEndian.Uint16(src[pos:]))
	if uint16(n) != ^binary.LittleEndian.Uint16(src[pos+2:]) {
		return ErrCorrupt
	}
	pos += 4
	if len(src)-pos < n {
		return io.ErrUnexpectedEOF
	}
	if len(s.out)-s.n < n {
		if err := s.grow(n); err != nil {
			return err
		}
	}
	s.n += copy(s.out[s.n:], src[pos:pos+n])
	s.br.pos = pos + n
	return nil
}

func (d *Decoder) useFixed() {
	if d.fixed {
		return
	}
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	d.litlen.build(lens[:], litlenEntry)
	for i := range 32 {
		lens[i] = 5
	}
	d.dist.build(lens[:32], distEntry)
	d.fixed = true
}

// codeLenOrder is the order the code-length code's lengths are sent in.
var codeLenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// readDynamic reads a dynamic block's code definitions (§3.2.7) and builds
// its tables.
func (d *Decoder) readDynamic(br *bitReader) error {
	d.fixed = false
	if err := br.need(14); err != nil {
		return err
	}
	nlit, ndist, nclen := int(br.take(5))+257, int(br.take(5))+1, int(br.take(4))+4
	if nlit > maxLitlen || ndist > maxDist {
		return ErrCorrupt
	}
	var cl [19]uint8
	for _, sym := range codeLenOrder[:nclen] {
		if err := br.need(3); err != nil {
			return err
		}
		cl[sym] = uint8(br.take(3))
	}
	if !d.codeLen.build(cl[:], codeLenEntry) {
		return ErrCorrupt
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		// A code of at most 7 bits and at most 7 extra bits.
		if err := br.need(14); err != nil {
			return err
		}
		e := d.codeLen.primary[br.bits&(1<<codeLenBits-1)]
		if e == 0 {
			return ErrCorrupt
		}
		br.take(uint(e & 0xff))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				return ErrCorrupt
			}
			rep, val = 3+int(br.take(2)), lens[i-1]
		case 17:
			rep = 3 + int(br.take(3))
		default:
			rep = 11 + int(br.take(7))
		}
		if i+rep > len(lens) {
			return ErrCorrupt
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if !d.litlen.build(lens[:nlit], litlenEntry) || !d.dist.build(lens[nlit:], distEntry) {
		return ErrCorrupt
	}
	return nil
}
