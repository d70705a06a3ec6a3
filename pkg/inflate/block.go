package inflate

import "encoding/binary"

// huffman decodes one block's symbols with d's tables up to its end-of-block
// code. It is where inflating spends its time, so the bit buffer lives in
// local variables and is refilled once per symbol, with enough for a whole
// length and distance pair.
func (d *Decoder) huffman(s *state) error {
	bits, nb, pos := s.br.bits, s.br.nb, s.br.pos
	out, n := s.out, s.n
	// Subtables and src are read through d and s where needed: each is a
	// slice, three registers more than the loop has to give.
	litlen := d.litlen.primary[:1<<litlenBits]
	dist := d.dist.primary[:1<<distBits]
	// The slow paths below hand the locals back to s and take them again
	// after: closures would keep them out of registers.
	for {
		if nb < maxBitsPerMatch {
			if pos+8 <= len(s.br.src) {
				bits |= binary.LittleEndian.Uint64(s.br.src[pos:]) << nb
				pos += int((63 - nb) >> 3)
				nb |= 56
			} else {
				s.br.bits, s.br.nb, s.br.pos = bits, nb, pos
				err := s.br.refill()
				bits, nb, pos = s.br.bits, s.br.nb, s.br.pos
				if err != nil {
					return err
				}
			}
		}
		e := litlen[bits&(1<<litlenBits-1)]
		if e&kindMask == kindLink {
			bits >>= litlenBits
			nb -= litlenBits
			e = d.litlen.sub[int(e>>16)+int(bits&(1<<(e>>8&0x1f)-1))]
		}
		switch e & kindMask {
		case kindLiteral:
			bits >>= e & 0xff
			nb -= uint(e & 0xff)
			if n == len(out) {
				s.n = n
				err := s.grow(1)
				out = s.out
				if err != nil {
					return err
				}
			}
			out[n] = byte(e >> 16)
			n++
			continue
		case kindBase:
		case kindEnd:
			bits >>= e & 0xff
			nb -= uint(e & 0xff)
			s.br.bits, s.br.nb, s.br.pos, s.out, s.n = bits, nb, pos, out, n
			return nil
		default:
			return ErrCorrupt
		}
		// A length: its extra bits follow the code.
		bits >>= e & 0xff
		nb -= uint(e & 0xff)
		extra := e >> 8 & 0x1f
		length := int(e>>16) + int(bits&(1<<extra-1))
		bits >>= extra
		nb -= uint(extra)

		e = dist[bits&(1<<distBits-1)]
		if e&kindMask == kindLink {
			bits >>= distBits
			nb -= distBits
			e = d.dist.sub[int(e>>16)+int(bits&(1<<(e>>8&0x1f)-1))]
		}
		if e&kindMask != kindBase {
			return ErrCorrupt
		}
		bits >>= e & 0xff
		nb -= uint(e & 0xff)
		extra = e >> 8 & 0x1f
		back := int(e>>16) + int(bits&(1<<extra-1))
		bits >>= extra
		nb -= uint(extra)
		if back > n {
			return ErrCorrupt // before the start of the output
		}
		if len(out)-n < length {
			s.n = n
			err := s.grow(length)
			out = s.out
			if err != nil {
				return err
			}
		}
		from := n - back
		switch {
		case back >= 8 && length <= 16 && len(out)-n >= 16:
			// Most matches are short: two word moves, whose second may write
			// past the match into room the next symbols overwrite, beat a
			// call to memmove.
			binary.LittleEndian.PutUint64(out[n:], binary.LittleEndian.Uint64(out[from:]))
			binary.LittleEndian.PutUint64(out[n+8:], binary.LittleEndian.Uint64(out[from+8:]))
		case back >= length:
			copy(out[n:n+length], out[from:from+length])
		default:
			// The match overlaps what it writes: copy the period, then twice
			// as much, and so on, each copy reading only bytes already written.
			for done := 0; done < length; {
				done += copy(out[n+done:n+length], out[from:n+done])
			}
		}
		n += length
	}
}
