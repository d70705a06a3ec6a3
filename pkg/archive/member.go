package archive

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A layer built here is a series of gzip members (RFC 1952 §2.2), one per
// blockSize bytes of the tar stream, each compressed on its own with no
// dictionary shared with its neighbours. Any gzip reader, Go's compress/gzip
// in Flux included, reads the members one after another as one stream; this
// package's reader inflates them on every core at once.
//
// To find member boundaries without inflating, each header carries the
// member's length in an FEXTRA subfield, as BGZF does with its "BC" field:
//
//	1f 8b 08 04  00 00 00 00  00 ff   ID1 ID2 CM=deflate FLG=FEXTRA MTIME=0 XFL OS=unknown
//	08 00                             XLEN = 8
//	'F' 'O' 04 00  LL LL LL LL        subfield "FO" (flux-oci), 4 bytes: the whole
//	                                  member's length (header, deflate, trailer), LE
//	…raw deflate…  CRC-32  ISIZE      trailer, as in any gzip member
//
// "FO" is not in the RFC's registry of subfield IDs; a reader that does not
// know it skips it, as the RFC requires.
const (
	memberHeaderLen  = 20
	memberTrailerLen = 8
	// maxMemberPlain bounds what one member may inflate to. It is above
	// blockSize so the block size could grow without breaking older readers,
	// and low enough that a hostile header cannot make the reader allocate
	// more than a few MiB per member.
	maxMemberPlain = 4 * blockSize
	// maxMemberLen bounds a member's compressed length: deflate grows
	// incompressible input by a few bytes per 64 KiB at worst.
	maxMemberLen = maxMemberPlain + maxMemberPlain/16
)

// The fixed parts of a member header: ID1 ID2 CM FLG, and XLEN with the
// subfield's ID and length. MTIME, XFL and OS (bytes 4-9) are not checked.
const (
	memberPrefix = "\x1f\x8b\x08\x04"
	memberExtra  = "\x08\x00FO\x04\x00"
)

// ErrCorrupt marks a layer whose gzip members do not check out: a bad CRC-32
// or size, a truncated member, or a length field that does not match the
// deflate data.
var ErrCorrupt = errors.New("corrupt gzip member")

// putMemberHeader writes the header for a member of the given total length.
func putMemberHeader(dst []byte, length int) {
	copy(dst, memberPrefix+"\x00\x00\x00\x00\x00\xff"+memberExtra)
	binary.LittleEndian.PutUint32(dst[16:], uint32(length))
}

// isMemberHeader reports whether hdr starts with a header written by
// putMemberHeader: only then can the stream be split without inflating it.
func isMemberHeader(hdr []byte) bool {
	return len(hdr) >= memberHeaderLen && string(hdr[:4]) == memberPrefix && string(hdr[10:16]) == memberExtra
}

// member is one gzip member on its way through a worker, in either
// direction: plain is the tar bytes, packed the whole gzip member.
type member struct {
	index  int
	offset int64 // of the member in the layer, for error messages
	plain  []byte
	packed []byte
	err    error
	done   chan struct{} // closed once the worker filled plain or packed
}

func (m *member) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w %d at byte %d: "+format, append([]any{ErrCorrupt, m.index, m.offset}, args...)...)
}

// memberLen reads the total length from a header isMemberHeader accepted.
func memberLen(hdr []byte) int {
	return int(binary.LittleEndian.Uint32(hdr[16:]))
}

// grow returns b emptied, with room for n bytes, reusing its array if it can.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:0]
	}
	return make([]byte, 0, n)
}

// growSlack is grow for buffers whose sizes vary a little from one use to
// the next, as compressed members do: a new array has an eighth more room
// than asked, in whole 64 KiB, so the next member a few bytes larger does
// not replace it.
func growSlack(b []byte, n int) []byte {
	const unit = 64 << 10
	if cap(b) >= n {
		return b[:0]
	}
	return make([]byte, 0, (n+n/8+unit-1)/unit*unit)
}
