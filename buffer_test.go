package netlink

import (
	"runtime"
	"testing"
	"time"
)

// freeBuffers counts the buffers kept for reuse.
func freeBuffers() int {
	buffers.mu.Lock()
	defer buffers.mu.Unlock()
	n := len(buffers.free)
	if buffers.last.Load() != nil {
		n++
	}
	return n
}

// drainBuffers empties the free list, for a test that counts from zero.
func drainBuffers(t *testing.T) {
	t.Helper()
	buffers.last.Store(nil)
	buffers.mu.Lock()
	buffers.free = nil
	buffers.mu.Unlock()
}

// TestBufferTrim holds buffer.go's promise: a buffer taken since the last
// trim survives it, and one nobody took goes at the next.
func TestBufferTrim(t *testing.T) {
	drainBuffers(t)
	a, b := getBuffer(1, false), getBuffer(1, false)
	if a == b {
		t.Fatal("two buffers in use are the same")
	}
	putBuffer(a)
	putBuffer(b)
	if n := freeBuffers(); n != 2 {
		t.Fatalf("%d free buffers, want 2", n)
	}
	trimBuffers() // both were taken since: kept
	if n := freeBuffers(); n != 2 {
		t.Fatalf("after one trim, %d free buffers, want 2", n)
	}
	c := getBuffer(1, false) // taken again: survives the next trim
	putBuffer(c)
	trimBuffers()
	if n := freeBuffers(); n != 1 {
		t.Fatalf("after a second trim, %d free buffers, want the 1 taken in between", n)
	}
	trimBuffers()
	if n := freeBuffers(); n != 0 {
		t.Fatalf("after a third trim, %d free buffers, want 0", n)
	}
}

// TestBufferReuse checks that a returned buffer is taken again rather than
// a new one made, that a dump gets the largest, and that the list is
// bounded.
func TestBufferReuse(t *testing.T) {
	drainBuffers(t)
	small := getBuffer(1, false)
	large := getBuffer(3*plainBuffer, false)
	putBuffer(large)
	putBuffer(small)
	if got := getBuffer(1, false); got != small {
		t.Errorf("getBuffer after two returns: not the most recent one")
	} else {
		putBuffer(got)
	}
	if got := getBuffer(1, true); got != large {
		t.Errorf("getBuffer for a dump: len %d, want the largest, %d", len(got.b), len(large.b))
	}
	drainBuffers(t)
	var held []*readBuffer
	for range 2 * maxFreeBuffers {
		held = append(held, getBuffer(1, false))
	}
	for _, rb := range held {
		putBuffer(rb)
	}
	if n := freeBuffers(); n != maxFreeBuffers+1 {
		t.Errorf("%d free buffers after returning %d, want the bound %d and the slot", n, len(held), maxFreeBuffers)
	}
	drainBuffers(t)
	huge := &readBuffer{b: make([]byte, maxRetainedBuffer+1)}
	putBuffer(huge)
	if n := freeBuffers(); n != 0 {
		t.Errorf("a buffer over %d bytes was kept", maxRetainedBuffer)
	}
}

// TestBufferTrimAfterGC checks that collections trim: a buffer left
// unused is gone after a few.
func TestBufferTrimAfterGC(t *testing.T) {
	drainBuffers(t)
	putBuffer(getBuffer(1, false))
	deadline := time.Now().Add(5 * time.Second)
	for freeBuffers() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("a free buffer survived collections for 5 s")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}
