package inflate

import "slices"

// A table decodes one Huffman code (RFC 1951 §3.2.2) by looking up the next
// primaryBits bits of the stream; codes longer than that continue in a
// subtable indexed by the bits after them. Deflate sends codes most
// significant bit first inside an LSB-first stream, so a table is indexed by
// the code with its bits reversed.
//
// An entry is a uint32:
//
//	bits  0-7   bits the entry consumes: the code's length, or primaryBits
//	            for a link to a subtable (whose entries count the rest)
//	bits  8-12  extra bits that follow the code (lengths and distances), or
//	            the number of index bits of the linked subtable
//	bits 13-15  what the entry is: one of the kind flags below
//	bits 16-31  the literal byte, the base length or distance, or where the
//	            subtable starts in sub
//
// An entry of 0 is a code the stream did not define (the single-code case,
// or the two length and distance symbols deflate reserves).
const (
	kindLiteral = 1 << 13
	kindBase    = 2 << 13 // a length (litlen table) or distance (distance table)
	kindEnd     = 3 << 13 // end of block
	kindLink    = 4 << 13 // to a subtable
	kindMask    = 7 << 13
)

const (
	maxCodeLen = 15
	// Eleven bits hold almost every literal/length code of real data, and
	// 2,048 entries stay in L1 with the distance table beside them.
	litlenBits = 11
	distBits   = 8
	// codeLenBits covers the code-length alphabet whole: its codes are at
	// most 7 bits.
	codeLenBits = 7
)

type table struct {
	primary []uint32 // 1<<bits entries
	sub     []uint32 // subtables, one after another
	bits    uint
	depth   []uint8 // scratch for build: subtable depth per primary slot
}

func newTable(bits uint) table {
	return table{primary: make([]uint32, 1<<bits), bits: bits}
}

// lengthBase and lengthExtra describe litlen symbols 257-285 (§3.2.5).
var lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
var lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}

// distBase and distExtra describe distance symbols 0-29.
var distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
var distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

// litlenEntry is what symbol s of the literal/length alphabet decodes to.
func litlenEntry(s int) uint32 {
	switch {
	case s < 256:
		return kindLiteral | uint32(s)<<16
	case s == 256:
		return kindEnd
	case s-257 < len(lengthBase):
		return kindBase | uint32(lengthExtra[s-257])<<8 | uint32(lengthBase[s-257])<<16
	}
	return 0 // 286 and 287: reserved
}

func distEntry(s int) uint32 {
	if s < len(distBase) {
		return kindBase | uint32(distExtra[s])<<8 | uint32(distBase[s])<<16
	}
	return 0 // 30 and 31: reserved
}

// codeLenEntry: the code-length alphabet's symbols stand for themselves.
func codeLenEntry(s int) uint32 { return kindLiteral | uint32(s)<<16 }

// build fills t for the code with the given lengths (0: symbol unused),
// symbol s decoding to entry(s). Like zlib and Go's compress/flate, it
// accepts only complete codes, an empty one (which fails when used), and a
// single code of length 1. It reports whether the code was acceptable.
func (t *table) build(lengths []uint8, entry func(int) uint32) bool {
	var count [maxCodeLen + 1]int
	maxLen := 0
	for _, l := range lengths {
		count[l]++
		maxLen = max(maxLen, int(l))
	}
	clear(t.primary)
	t.sub = t.sub[:0]
	if maxLen == 0 {
		return true
	}
	// next[l] is the next code of length l, in canonical order (§3.2.2).
	var next [maxCodeLen + 1]int
	code := 0
	for l := 1; l <= maxLen; l++ {
		code <<= 1
		next[l] = code
		code += count[l]
	}
	if code != 1<<maxLen && !(code == 1 && maxLen == 1) {
		return false
	}
	// Subtables first: each primary slot that prefixes a long code gets
	// one as deep as its longest code.
	var subBits []uint8
	if maxLen > int(t.bits) {
		subBits = t.depth[:cap(t.depth)]
		if len(subBits) < len(t.primary) {
			subBits = make([]uint8, len(t.primary))
			t.depth = subBits
		}
		subBits = subBits[:len(t.primary)]
		clear(subBits)
		nc := next
		for _, l := range lengths {
			if int(l) <= int(t.bits) {
				if l > 0 {
					nc[l]++
				}
				continue
			}
			slot := reverse(nc[l], int(l)) & (1<<t.bits - 1)
			nc[l]++
			subBits[slot] = max(subBits[slot], l-uint8(t.bits))
		}
		for slot, b := range subBits {
			if b == 0 {
				continue
			}
			t.primary[slot] = kindLink | uint32(b)<<8 | uint32(len(t.sub))<<16 | uint32(t.bits)
			n := len(t.sub)
			t.sub = slices.Grow(t.sub, 1<<b)[:n+1<<b]
			clear(t.sub[n:])
		}
	}
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		rev := reverse(next[l], int(l))
		next[l]++
		e := entry(s)
		if e == 0 {
			// A reserved symbol still takes its place in the code; decoding
			// it is an error, which the zero entry reports.
			continue
		}
		if int(l) <= int(t.bits) {
			e |= uint32(l)
			for i := rev; i < len(t.primary); i += 1 << l {
				t.primary[i] = e
			}
			continue
		}
		link := t.primary[rev&(1<<t.bits-1)]
		start, b := int(link>>16), int(link>>8&0x1f)
		e |= uint32(int(l) - int(t.bits))
		for i := rev >> t.bits; i < 1<<b; i += 1 << (int(l) - int(t.bits)) {
			t.sub[start+i] = e
		}
	}
	return true
}

// reverse returns the low n bits of code in reverse order.
func reverse(code, n int) int {
	r := 0
	for range n {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}
