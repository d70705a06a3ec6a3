package archive

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"sync"

	"github.com/flux-oci/kubectl-flux-oci/pkg/inflate"
)

// memberReader inflates a layer of members (member.go) on several workers
// and returns the tar stream in order. One goroutine splits the layer at
// the lengths the headers give; workers inflate and check each member;
// Read hands the results out in order. workers+1 members are held at once
// (queued, being split, being read), whatever the layer's size: under
// 4 MiB on two cores for a layer Build made, and at most 8.3 MiB a member
// however a hostile layer sizes them. The queue is one shorter than the
// workers: since inflating outpaces writing files, a deeper one only holds
// more memory.
type memberReader struct {
	queue   chan *member // in layer order, as split
	spare   chan *member // consumed members, whose buffers are reused
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
	cur     *member
	off     int
	err     error
}

func newMemberReader(r io.Reader, workers int) *memberReader {
	mr := &memberReader{
		queue: make(chan *member, max(workers-1, 1)),
		spare: make(chan *member, workers+3),
		stop:  make(chan struct{}),
	}
	jobs := make(chan *member)
	mr.wg.Go(func() { mr.split(r, jobs) })
	for range workers {
		mr.wg.Go(func() { inflateMembers(jobs) })
	}
	return mr
}

func (mr *memberReader) Read(p []byte) (int, error) {
	for mr.cur == nil || mr.off == len(mr.cur.plain) {
		if mr.err != nil {
			return 0, mr.err
		}
		if mr.cur != nil {
			select {
			case mr.spare <- mr.cur:
			default:
			}
			mr.cur = nil
		}
		m, ok := <-mr.queue
		if !ok {
			mr.err = io.EOF
			continue
		}
		<-m.done
		if m.err != nil {
			mr.err = m.err
			continue
		}
		mr.cur, mr.off = m, 0
	}
	n := copy(p, mr.cur.plain[mr.off:])
	mr.off += n
	return n, nil
}

// Close stops the splitter and the workers, whether or not the stream was
// read to its end, and waits for them.
func (mr *memberReader) Close() error {
	if !mr.stopped {
		mr.stopped = true
		close(mr.stop)
		mr.wg.Wait()
	}
	return nil
}

// split reads the layer member by member, hands each to a worker and queues
// it for Read. A member that cannot be read ends the stream with its error.
func (mr *memberReader) split(r io.Reader, jobs chan<- *member) {
	defer close(mr.queue)
	defer close(jobs)
	var offset int64
	for index := 0; ; index++ {
		var m *member
		select {
		case m = <-mr.spare:
		default:
			m = &member{}
		}
		m.index, m.offset, m.err, m.done = index, offset, nil, make(chan struct{})
		err := readMember(r, m)
		if errors.Is(err, io.EOF) {
			return // after a whole member: the layer's end
		}
		offset += int64(len(m.packed))
		if err == nil {
			select {
			case jobs <- m:
			case <-mr.stop:
				return
			}
		} else {
			m.err = err
			close(m.done)
		}
		select {
		case mr.queue <- m:
		case <-mr.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// readMember reads one whole member into m.packed, trusting its header's
// length only within bounds; the worker checks that the deflate data
// really ends there. It returns io.EOF at a clean end of the layer.
func readMember(r io.Reader, m *member) error {
	var hdr [memberHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) && m.index > 0 {
			return err
		}
		return m.corrupt("truncated header: %w", noEOF(err))
	}
	if !isMemberHeader(hdr[:]) {
		return m.corrupt("no length subfield in its header, unlike the first member")
	}
	n := memberLen(hdr[:])
	if n < memberHeaderLen+memberTrailerLen || n > maxMemberLen {
		return m.corrupt("header gives an impossible length of %d bytes", n)
	}
	m.packed = growSlack(m.packed, n)[:n]
	copy(m.packed, hdr[:])
	if _, err := io.ReadFull(r, m.packed[memberHeaderLen:]); err != nil {
		return m.corrupt("truncated: the layer ends inside it (its header gives %d bytes): %w", n, noEOF(err))
	}
	return nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// inflateMembers is a worker: it inflates each member into m.plain and
// checks it against its trailer, exactly as a gzip reader would.
func inflateMembers(jobs <-chan *member) {
	d := inflate.NewDecoder()
	for m := range jobs {
		m.err = inflateMember(d, m)
		close(m.done)
	}
}

func inflateMember(d *inflate.Decoder, m *member) error {
	packedLen := len(m.packed)
	body := m.packed[memberHeaderLen : packedLen-memberTrailerLen]
	trailer := m.packed[packedLen-memberTrailerLen:]
	wantCRC := binary.LittleEndian.Uint32(trailer)
	wantSize := binary.LittleEndian.Uint32(trailer[4:])
	// The trailer's size only sizes the buffer, within the bound every
	// member is held to: with a wrong length in the header it is not even
	// the trailer. Inflating checks the real size.
	plain, used, err := d.Decode(grow(m.plain, int(min(wantSize, maxMemberPlain))), body, maxMemberPlain)
	switch {
	case errors.Is(err, inflate.ErrTooLarge):
		return m.corrupt("inflates to more than the %d bytes a member may hold", maxMemberPlain)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return m.corrupt("deflate data runs past the %d bytes its header gives", packedLen)
	case err != nil:
		return m.corrupt("inflating: %w", err)
	}
	m.plain = plain
	switch {
	case used != len(body):
		return m.corrupt("deflate data ends %d bytes before the %d its header gives", len(body)-used, packedLen)
	case uint32(len(plain)) != wantSize:
		return m.corrupt("inflates to %d bytes, its trailer says %d", len(plain), wantSize)
	case crc32.ChecksumIEEE(plain) != wantCRC:
		return m.corrupt("CRC-32 is %08x, its trailer says %08x", crc32.ChecksumIEEE(plain), wantCRC)
	}
	return nil
}
