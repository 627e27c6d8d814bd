package netlink

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Receive buffers. A Conn needs one only while it reads or holds the
// replies it read, so buffers are shared by all Conns through one free
// list rather than kept by each: an idle Conn holds none. A buffer is
// large enough for any datagram (DefaultMaxMessageSize, or more after a
// dump grew it), which costs address space, not memory, until large
// datagrams arrive.
//
// The list is trimmed after every garbage collection: a buffer nobody took
// since the previous collection is dropped, so buffers in use stay warm
// and a program that stops talking netlink gives them all back within two
// collections. (sync.Pool would drop them in the same way, but it keeps
// one per processor, and a goroutine that a long system call moved to
// another processor finds none there: dumps then allocated and faulted in
// a fresh buffer every few requests.) The free list is the package's only
// shared state; nothing a Conn can observe depends on it.

// A readBuffer is a receive buffer.
type readBuffer struct {
	b    []byte
	used atomic.Bool // taken since the last trim
}

// plainBuffer is the size of a new buffer: a read of DefaultMaxMessageSize
// after a megabyte of dump replies.
const plainBuffer = 2 << 20

// maxRetainedBuffer is the largest receive buffer kept for reuse: enough
// for the dumps of a busy host's links and addresses without another
// allocation, small enough not to pin the memory of a one-off
// million-route dump.
const maxRetainedBuffer = 8 << 20

// maxFreeBuffers bounds the free list.
const maxFreeBuffers = 16

var buffers struct {
	// last is the most recently returned buffer, taken and returned
	// without the lock: a lone Conn at work uses only it.
	last atomic.Pointer[readBuffer]
	mu   sync.Mutex
	free []*readBuffer // the others, most recently returned last
}

// getBuffer returns a buffer of at least n bytes: the most recently
// returned one that is large enough, or, when largest is set, the largest
// free one if it is large enough, or a new one.
func getBuffer(n int, largest bool) *readBuffer {
	if rb := buffers.last.Swap(nil); rb != nil {
		if len(rb.b) >= n && (!largest || len(rb.b) > plainBuffer) {
			rb.used.Store(true)
			return rb
		}
		putFree(rb)
	}
	buffers.mu.Lock()
	best := -1
	for i := len(buffers.free) - 1; i >= 0; i-- {
		if l := len(buffers.free[i].b); l >= n && (best < 0 || largest && l > len(buffers.free[best].b)) {
			best = i
			if !largest {
				break
			}
		}
	}
	if best >= 0 {
		rb := buffers.free[best]
		buffers.free = slices.Delete(buffers.free, best, best+1)
		buffers.mu.Unlock()
		rb.used.Store(true)
		return rb
	}
	buffers.mu.Unlock()
	rb := &readBuffer{b: make([]byte, max(n, plainBuffer))}
	rb.used.Store(true)
	return rb
}

// putBuffer returns rb to the free list, unless a huge dump grew it or the
// list is full.
func putBuffer(rb *readBuffer) {
	if rb == nil || len(rb.b) > maxRetainedBuffer {
		return
	}
	if old := buffers.last.Swap(rb); old != nil {
		putFree(old)
	}
}

// putFree returns rb to the free list, unless the list is full.
func putFree(rb *readBuffer) {
	buffers.mu.Lock()
	if len(buffers.free) < maxFreeBuffers {
		buffers.free = append(buffers.free, rb)
	}
	buffers.mu.Unlock()
}

// trimBuffers drops the free buffers nobody took since the last trim.
func trimBuffers() {
	if rb := buffers.last.Load(); rb != nil && !rb.used.Swap(false) {
		buffers.last.CompareAndSwap(rb, nil)
	}
	buffers.mu.Lock()
	defer buffers.mu.Unlock()
	kept := buffers.free[:0]
	for _, rb := range buffers.free {
		if rb.used.Swap(false) {
			kept = append(kept, rb)
		}
	}
	clear(buffers.free[len(kept):])
	buffers.free = kept
}

// gcSentinel is an object whose only use is to die in every collection.
// Its pointer keeps it out of the tiny allocator, whose objects may never
// run their cleanups.
type gcSentinel struct{ _ *int }

func init() { trimAfterGC() }

// trimAfterGC trims the free list after the next garbage collection, and
// again after each one after that.
func trimAfterGC() {
	runtime.AddCleanup(&gcSentinel{}, func(struct{}) {
		trimBuffers()
		trimAfterGC()
	}, struct{}{})
}
