package inflate

import (
	"encoding/binary"
	"io"
)

// bitReader reads src least significant bit first (§3.1.1). Near the end of
// src it pads with zero bytes, so a decoder may look ahead further than the
// stream's last code; consumed reports a stream that really used them.
type bitReader struct {
	src  []byte
	pos  int    // next byte of src to load
	over int    // zero bytes loaded past the end of src
	bits uint64 // the next nb bits of the stream, from bit 0 up
	nb   uint
}

// maxOver bounds the padding: no code needs more than 8 bytes of lookahead,
// so a stream that wants more has certainly run past the end of src.
const maxOver = 8

// refill loads bytes until at least 56 bits are held.
func (br *bitReader) refill() error {
	if br.pos+8 <= len(br.src) {
		// Load eight bytes but count only the whole ones that fit: the bits
		// of a partly fitting byte are loaded again, at the same place, next
		// time. Afterwards 56 <= nb <= 63.
		br.bits |= binary.LittleEndian.Uint64(br.src[br.pos:]) << br.nb
		br.pos += int((63 - br.nb) >> 3)
		br.nb |= 56
		return nil
	}
	for br.nb < 56 {
		if br.pos < len(br.src) {
			br.bits |= uint64(br.src[br.pos]) << br.nb
			br.pos++
		} else {
			if br.over == maxOver {
				return io.ErrUnexpectedEOF
			}
			br.over++
		}
		br.nb += 8
	}
	return nil
}

// need makes sure n <= 56 bits are held.
func (br *bitReader) need(n uint) error {
	if br.nb >= n {
		return nil
	}
	return br.refill()
}

// take consumes n bits that need made sure of.
func (br *bitReader) take(n uint) uint64 {
	v := br.bits & (1<<n - 1)
	br.bits >>= n
	br.nb -= n
	return v
}

// consumed returns how many bytes of src the bits taken so far span.
func (br *bitReader) consumed() (int, error) {
	n := br.pos + br.over - int(br.nb>>3)
	if n > len(br.src) {
		return 0, io.ErrUnexpectedEOF
	}
	return n, nil
}

// alignToByte drops the bits left of the current byte, gives back the whole
// bytes held, and returns the position of the next byte in src.
func (br *bitReader) alignToByte() (int, error) {
	br.take(br.nb & 7)
	pos, err := br.consumed()
	if err != nil {
		return 0, err
	}
	br.pos, br.over, br.bits, br.nb = pos, 0, 0, 0
	return pos, nil
}
