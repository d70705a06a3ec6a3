package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// memberWriter gzips what is written to it as one member per blockSize
// bytes, compressing blocks on several workers and writing the members to
// out in order. Members depend only on their block, so the output is the
// same whatever the number of workers.
type memberWriter struct {
	out   io.Writer
	block *member // being filled by Write
	next  int     // index of the next member
	// pending are the members handed to workers, oldest first; at most
	// maxPending are, which bounds memory to a few blocks.
	pending    []*member
	maxPending int
	spare      []*member
	jobs       chan *member
	workers    sync.WaitGroup
	stopped    bool
	err        error
}

func newMemberWriter(out io.Writer, workers int) *memberWriter {
	w := &memberWriter{out: out, maxPending: workers + 1, jobs: make(chan *member)}
	for range workers {
		w.workers.Go(w.compress)
	}
	return w
}

func (w *memberWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if w.err != nil {
			return written, w.err
		}
		if w.block == nil {
			w.block = w.take()
		}
		n := min(len(p), blockSize-len(w.block.plain))
		w.block.plain = append(w.block.plain, p[:n]...)
		written += n
		p = p[n:]
		if len(w.block.plain) == blockSize {
			w.submit()
		}
	}
	return written, nil
}

// Close compresses what is left, writes every member and stops the workers.
// A stream with no data still gets one (empty) member: gzip has no empty
// encoding.
func (w *memberWriter) Close() error {
	if w.block != nil || w.next == 0 {
		if w.block == nil {
			w.block = w.take()
		}
		w.submit()
	}
	for len(w.pending) > 0 && w.err == nil {
		w.flushOldest()
	}
	w.stop()
	return w.err
}

// stop ends the workers; Build defers it so that an error while reading the
// tree leaves no goroutine behind.
func (w *memberWriter) stop() {
	if !w.stopped {
		w.stopped = true
		close(w.jobs)
		w.workers.Wait()
	}
}

func (w *memberWriter) take() *member {
	m := &member{}
	if n := len(w.spare); n > 0 {
		m, w.spare = w.spare[n-1], w.spare[:n-1]
	}
	m.plain = grow(m.plain, blockSize)
	m.index, m.err, m.done = w.next, nil, make(chan struct{})
	w.next++
	return m
}

func (w *memberWriter) submit() {
	if len(w.pending) == w.maxPending {
		w.flushOldest()
	}
	w.pending = append(w.pending, w.block)
	w.jobs <- w.block
	w.block = nil
}

func (w *memberWriter) flushOldest() {
	m := w.pending[0]
	w.pending = w.pending[1:]
	<-m.done
	if m.err == nil {
		if _, err := w.out.Write(m.packed); err != nil {
			m.err = fmt.Errorf("writing gzip member %d: %w", m.index, err)
		}
	}
	if m.err != nil && w.err == nil {
		w.err = m.err
	}
	w.spare = append(w.spare, m)
}

// compress is a worker: each owns a deflate encoder, reused across blocks.
func (w *memberWriter) compress() {
	fw, _ := flate.NewWriter(nil, flate.DefaultCompression) // the level is valid
	var header [memberHeaderLen]byte
	for m := range w.jobs {
		buf := bytes.NewBuffer(grow(m.packed, len(m.plain)/2))
		buf.Write(header[:]) // filled in once the length is known
		fw.Reset(buf)
		_, err := fw.Write(m.plain)
		if err == nil {
			err = fw.Close()
		}
		if err != nil {
			m.err = fmt.Errorf("compressing gzip member %d: %w", m.index, err)
		} else {
			m.packed = binary.LittleEndian.AppendUint32(buf.Bytes(), crc32.ChecksumIEEE(m.plain))
			m.packed = binary.LittleEndian.AppendUint32(m.packed, uint32(len(m.plain)))
			putMemberHeader(m.packed, len(m.packed))
		}
		close(m.done)
	}
}
