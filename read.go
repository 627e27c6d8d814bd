package netlink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

// The read side. Every datagram a Conn reads passes through readDatagram
// and route, whoever reads it: one goroutine at a time holds the socket's
// read end (the reader) and routes each message of each datagram it reads
// to where it belongs: to the exchange (an Execute) waiting for its
// sequence number, to the Receive queue, or nowhere, for replies to
// requests whose callers gave up. Goroutines that wait for something
// (replies, a datagram for Receive, the right to send a request) wait on
// a channel of their own, and any of them takes the read end when nobody
// holds it; so whoever waits first reads, and nobody reads for nothing.
//
// The reader's own exchange keeps its replies in place in the buffer it
// reads into (see exchange); replies it routes to another exchange are
// copied to that exchange's storage, and the other goroutine is woken.

// maxBacklog bounds the datagrams queued for Receive. A datagram that
// finds the queue full is dropped, and Receive reports the loss as an
// overrun in its place.
const maxBacklog = 1024

// maxFreeExchanges bounds the exchanges a Conn keeps for reuse: enough
// for the goroutines that commonly share one, few enough that a Conn that
// once served a crowd does not keep much.
const maxFreeExchanges = 32

// abandonedRecord is how many sequence numbers of exchanges that gave up
// the read side remembers, so that their late replies are dropped rather
// than taken for unsolicited messages.
const abandonedRecord = 128

// want is what a waiting goroutine waits for.
type want uint8

const (
	wantRegister want = iota // to register a request: no congestion, and the dump slot if it dumps
	wantReplies              // its exchange's replies
	wantQueue                // a datagram for Receive
)

// readSide is the Conn's read side. Everything in it is guarded by mu.
type readSide struct {
	mu      sync.Mutex
	reader  *exchange   // the goroutine holding the read end, or nil
	waiters []*exchange // goroutines waiting, in arrival order
	pending []*exchange // exchanges registered and not done
	last    *exchange   // the exchange the last routed message went to (a cache)

	abandoned *[abandonedRecord]uint32 // allocated at the first abandoned exchange
	nextAband int

	queue []queued // datagrams for Receive, oldest first

	// congested is set when the socket reported an overrun, and cleared
	// when a read finds its queue empty. The kernel drops every datagram
	// for a congested socket until its queue drains (netlink_rcv_wake), so
	// no request is sent meanwhile: its reply would be lost unannounced.
	congested bool

	// dumpSeq is the sequence number of the dump running on the socket,
	// or 0: the kernel runs one dump per socket at a time and fails a
	// second with EBUSY, so dumps to the kernel take turns. dumpX is its
	// exchange, nil once abandoned; the turn then ends when its NLMSG_DONE
	// or NLMSG_ERROR arrives.
	dumpSeq uint32
	dumpX   *exchange

	free []*exchange // exchanges to reuse
}

// queued is one entry of the Receive queue: a datagram, or an error that
// Receive returns in its place (an overrun, a datagram too large).
type queued struct {
	b    []byte
	src  Source
	err  error
	lost bool // err reports datagrams lost here
}

// getExchange returns an exchange to use: the Conn's own one if it is
// free, one from its free list, or a new one. The own one is taken with
// one compare-and-swap of a flag, so that a lone caller pays two atomic
// operations for it.
func (c *Conn) getExchange() *exchange {
	if c.ownBusy.CompareAndSwap(false, true) {
		if c.own == nil {
			c.own = &exchange{wake: make(chan struct{}, 1), isOwn: true}
		}
		return c.own
	}
	rs := &c.rs
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if n := len(rs.free); n > 0 {
		x := rs.free[n-1]
		rs.free[n-1] = nil
		rs.free = rs.free[:n-1]
		return x
	}
	return &exchange{wake: make(chan struct{}, 1)}
}

// putExchange keeps x, which no reader refers to any more, for reuse,
// dropping what it refers to.
func (c *Conn) putExchange(x *exchange) {
	if x.rb != nil {
		putBuffer(x.rb)
	}
	stored := x.stored[:0]
	if cap(stored) > 64<<10 {
		stored = nil
	}
	wbuf := x.wbuf[:0]
	if cap(wbuf) > 64<<10 {
		wbuf = nil
	}
	// Field by field: a whole new struct would be copied in with write
	// barriers for every pointer.
	x.wbuf, x.want, x.reading, x.req, x.dump, x.streaming = wbuf, 0, false, Header{}, false, false
	x.rb, x.kept, x.count, x.src = nil, 0, 0, Source{}
	x.stored, x.nstored = stored, 0
	if x.spare != nil {
		x.spare = nil
	}
	x.multi, x.interrupted, x.done, x.err, x.stopped = false, false, false, nil, false
	if x.signaled.Load() {
		x.signaled.Store(false)
	}
	select {
	case <-x.wake: // a stale wakeup
	default:
	}
	if x.isOwn {
		c.ownBusy.Store(false)
		return
	}
	rs := &c.rs
	rs.mu.Lock()
	if len(rs.free) < maxFreeExchanges {
		rs.free = append(rs.free, x)
	}
	rs.mu.Unlock()
}

// wakeUp wakes x's goroutine if it waits; a wakeup is never lost, and a
// spare one only makes the goroutine look again.
func wakeUp(x *exchange) {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// lockedReady reports whether x's goroutine has what it waits for.
func (rs *readSide) lockedReady(x *exchange) bool {
	switch x.want {
	case wantRegister:
		return !rs.congested && (!x.dump || rs.dumpSeq == 0)
	case wantReplies:
		return x.done || (x.streaming && (x.count > 0 || x.nstored > 0))
	default:
		return len(rs.queue) > 0 || x.count > 0
	}
}

// lockedLeave takes x out of the waiters and the read end, and wakes the
// next waiter to read if the read end is free.
func (rs *readSide) lockedLeave(x *exchange) {
	if i := slices.Index(rs.waiters, x); i >= 0 {
		rs.waiters = slices.Delete(rs.waiters, i, i+1)
	}
	if rs.reader == x {
		rs.reader, x.reading = nil, false
	}
	if rs.reader == nil && len(rs.waiters) > 0 {
		wakeUp(rs.waiters[0])
	}
}

// lockedWakeAll wakes every waiter, for a change any of them may care
// about: the Conn closed, congestion ended.
func (rs *readSide) lockedWakeAll() {
	for _, w := range rs.waiters {
		wakeUp(w)
	}
}

// await blocks until x's goroutine has what it waits for, reading the
// socket whenever no other goroutine does. It returns an error only for
// this goroutine: its context is done, the read deadline passed, the Conn
// closed, or reading failed; x.want's condition need not hold then. Either
// way x no longer holds the read end.
func (c *Conn) await(ctx context.Context, x *exchange) error {
	rs := &c.rs
	for {
		if x.reading {
			return c.read(ctx, x)
		}
		rs.mu.Lock()
		if c.closed.Load() {
			rs.lockedLeave(x)
			rs.mu.Unlock()
			return &OpError{Op: "receive", Err: net.ErrClosed}
		}
		if rs.lockedReady(x) {
			rs.lockedLeave(x)
			rs.mu.Unlock()
			return nil
		}
		if rs.reader == nil {
			rs.lockedTakeRead(x)
			rs.mu.Unlock()
			continue
		}
		if !slices.Contains(rs.waiters, x) {
			rs.waiters = append(rs.waiters, x)
		}
		rs.mu.Unlock()
		select {
		case <-x.wake:
			if x.signaled.Swap(false) {
				return nil
			}
		case <-ctx.Done():
			rs.mu.Lock()
			x.signaled.Store(false)
			ready := rs.lockedReady(x)
			rs.lockedLeave(x)
			rs.mu.Unlock()
			if ready {
				return nil
			}
			return &OpError{Op: "receive", Err: context.Cause(ctx)}
		}
	}
}

// lockedTakeRead gives the read end to x.
func (rs *readSide) lockedTakeRead(x *exchange) {
	rs.reader, x.reading = x, true
	if i := slices.Index(rs.waiters, x); i >= 0 {
		rs.waiters = slices.Delete(rs.waiters, i, i+1)
	}
}

// read holds the read end for x until x has what it waits for or reading
// fails: it reads and routes datagrams, and waits for the socket when
// nothing is queued. It releases the read end before it returns. Without
// a context to undo, the read end goes in the same critical section that
// routes the datagram that made x ready.
func (c *Conn) read(ctx context.Context, x *exchange) error {
	rs := &c.rs
	plain := ctx.Done() == nil
	stop := c.watch(ctx)
	release := func(err error) error {
		err = stop(err)
		rs.mu.Lock()
		rs.lockedLeave(x)
		rs.mu.Unlock()
		return err
	}
	for {
		ready, err := c.readDatagram(x, plain)
		switch {
		case err == nil && !ready:
			continue
		case err == nil && plain && !x.reading:
			return nil // released by readDatagram
		case err == nil:
			c.drain(x)
			return release(nil)
		case err != ErrWouldBlock:
			return release(err)
		}
		rs.mu.Lock()
		if rs.congested {
			// The queue is empty: the kernel delivers again.
			rs.congested = false
			rs.lockedWakeAll()
		}
		ready = rs.lockedReady(x)
		rs.mu.Unlock()
		if ready {
			return release(nil)
		}
		if x.kept == 0 && x.count == 0 {
			// Hold no buffer while waiting, which may take forever.
			putBuffer(x.rb)
			x.rb = nil
		}
		if err := c.s.Wait(); isOverrun(err) {
			rs.mu.Lock()
			rs.lockedOverrun(c.opError("receive", err))
			rs.mu.Unlock()
		} else if err != nil {
			return release(c.opError("receive", err))
		}
	}
}

// readDatagram reads one datagram for x's goroutine, the reader, routes
// it, and reports whether x then has what it waits for; if so and leave
// is set, x gives up the read end in the same critical section. It returns
// ErrWouldBlock when nothing is queued; an overrun or a datagram over the
// size limit is routed like a datagram and is not an error for x. The
// datagram goes right after the replies x has kept.
func (c *Conn) readDatagram(x *exchange, leave bool) (bool, error) {
	if c.closed.Load() {
		return false, &OpError{Op: "receive", Err: net.ErrClosed}
	}
	off := x.kept
	if need := off + c.maxSize + Alignment; x.rb == nil || len(x.rb.b) < need {
		c.growBuffer(x, need)
	}
	n, src, err := c.s.Receive(x.rb.b[off : off+c.maxSize])
	if err == ErrWouldBlock || err != nil && !isOverrun(err) {
		if err != ErrWouldBlock {
			err = c.opError("receive", err)
		}
		return false, err
	}
	if c.tap != nil && err == nil {
		c.tapReceived(x, x.rb.b[off:off+min(n, c.maxSize)], n, src)
	}
	rs := &c.rs
	rs.mu.Lock()
	switch {
	case err != nil:
		rs.lockedOverrun(c.opError("receive", err))
	case n > c.maxSize:
		c.lockedTooLarge(x.rb.b[off:off+c.maxSize], n, src)
	default:
		c.lockedRoute(x, n, src)
	}
	ready := rs.lockedReady(x)
	if ready && leave && !rs.lockedDrains(x) {
		rs.lockedLeave(x)
	}
	rs.mu.Unlock()
	return ready, nil
}

// lockedDrains reports whether x's goroutine, whose exchange is done,
// should read on for the goroutines waiting for replies before it gives
// up the read end: their replies are likely queued, and handing the read
// end over costs a wakeup before anyone reads them.
func (rs *readSide) lockedDrains(x *exchange) bool {
	if x.want != wantReplies || x.streaming {
		return false
	}
	for _, w := range rs.waiters {
		if w.want == wantReplies {
			return true
		}
	}
	return false
}

// drainBudget bounds the datagrams a done exchange reads for others.
const drainBudget = 32

// drain reads and routes what is queued for other exchanges, while some
// wait for replies, and stops at the first read that would wait. x's own
// exchange is done, so whatever fails here is not its error.
func (c *Conn) drain(x *exchange) {
	for range drainBudget {
		c.rs.mu.Lock()
		more := c.rs.lockedDrains(x)
		c.rs.mu.Unlock()
		if !more {
			return
		}
		if _, err := c.readDatagram(x, false); err != nil {
			return
		}
	}
}

// growBuffer gives x a buffer of at least need bytes, holding the replies
// it kept so far. A dump starts with the largest buffer free, so that its
// replies are not copied when they outgrow a smaller one; growing doubles,
// so that a dump copies what it kept only a few times.
func (c *Conn) growBuffer(x *exchange, need int) {
	if x.rb == nil {
		x.rb = getBuffer(need, x.dump)
		return
	}
	rb := getBuffer(max(need, 2*len(x.rb.b)), true)
	copy(rb.b, x.rb.b[:x.kept])
	putBuffer(x.rb)
	x.rb = rb
}

// lockedRoute routes the messages of the n-byte datagram just read into
// x's buffer at x.kept. A datagram sent to a group, or from a port other
// than the peer, is not a reply whatever it holds: it goes to Receive
// whole. In a unicast from the peer, each message goes by its sequence
// number: to x or another exchange waiting for it, nowhere for an exchange
// that gave up, and to Receive otherwise (notifications, replies to Send,
// a second reply to a request already answered).
func (c *Conn) lockedRoute(x *exchange, n int, src Source) {
	rs := &c.rs
	base := x.kept
	b := x.rb.b[base : base+n]
	if src.Group != 0 || src.PID != c.peer {
		rs.lockedUnsolicited(x, b, src, true)
		return
	}
	own := x.want == wantReplies && !x.done
	// While every message so far goes to Receive, nothing is copied: a
	// datagram that goes to Receive whole may be handed over in place.
	all := true
	var aside []byte
	var prev *exchange // the exchange the last reply went to
	for off := 0; off < len(b); {
		h, ok := headerAt(b, off)
		if !ok {
			// The exchange whose number it bears fails, or, too short to
			// bear one, the exchange the messages before it answered;
			// with none, Receive reports it after those messages.
			y := rs.lockedMalformedFor(b[off:])
			if y == nil && len(b)-off < HeaderLen && slices.Contains(rs.pending, prev) {
				y = prev
			}
			if y == nil && all {
				break
			}
			if all {
				aside = b[:off]
			}
			if len(aside) > 0 {
				rs.lockedUnsolicited(x, aside, src, false)
			}
			_, err := checkHeader(b, off) // the error, saying why
			if y != nil {
				rs.lockedFail(y, &OpError{Op: "execute", Err: err, Sequence: y.req.Sequence})
			} else {
				rs.lockedEnqueue(queued{err: &OpError{Op: "receive", Err: err}, src: src})
			}
			return
		}
		var y *exchange
		if !own || h.seq != x.req.Sequence {
			if y = rs.lockedLookup(h.seq); y == nil && !rs.lockedWasAbandoned(h.seq) {
				// Unsolicited.
				if !all {
					aside = append(aside, b[off:h.next(b, off)]...)
				}
				off = h.next(b, off)
				continue
			}
		}
		if all {
			aside = append(aside, b[:off]...)
			all = false
		}
		prev = y
		switch {
		case y != nil:
			if y.take(h.message(b, off)) {
				y.store(b[off : off+int(h.length)])
			}
			if y.done {
				rs.lockedFinished(y)
			}
			if rs.lockedReady(y) {
				rs.lockedSignal(y)
			}
		case own && h.seq == x.req.Sequence:
			prev = x
			if h.typ() >= MinType && h.flags()&(Multi|DumpInterrupted) == Multi {
				// The common reply, part of a dump: no need for take, and
				// when it is already in place and padded, nothing to move.
				x.multi = true
				if base+off == x.kept && h.length%Alignment == 0 {
					x.kept += int(h.length)
					x.count++
				} else {
					x.keep(base+off, int(h.length))
				}
			} else if x.take(h.message(b, off)) {
				x.keep(base+off, int(h.length))
			}
			if x.done {
				own = false
				rs.lockedFinished(x)
			}
		default: // a reply to an exchange that gave up
			if h.seq == rs.dumpSeq && (h.typ() == Done || h.typ() == Error) {
				rs.lockedEndDump()
			}
		}
		off = h.next(b, off)
	}
	if all {
		rs.lockedUnsolicited(x, b, src, true)
	} else if len(aside) > 0 {
		rs.lockedUnsolicited(x, aside, src, false)
	}
}

// lockedUnsolicited hands b, a datagram or the messages of one that are
// not replies, to Receive. When the whole datagram goes, the reader is a
// Receive and nothing is queued before it, the reader takes it as it lies
// in its buffer (inPlace); otherwise b is copied to the queue.
func (rs *readSide) lockedUnsolicited(x *exchange, b []byte, src Source, inPlace bool) {
	if inPlace && x.want == wantQueue && x.count == 0 && len(rs.queue) == 0 {
		x.kept, x.count, x.src = len(b), 1, src
		return
	}
	rs.lockedEnqueue(queued{b: append([]byte(nil), b...), src: src})
}

// lockedEnqueue queues q for Receive, or records a loss when the queue is
// full.
func (rs *readSide) lockedEnqueue(q queued) {
	if len(rs.queue) >= maxBacklog {
		rs.lockedLost(&OpError{Op: "receive", Err: overrunf("%d datagrams were queued for Receive, later ones were dropped", maxBacklog)})
		return
	}
	rs.queue = append(rs.queue, q)
	rs.lockedWakeReceive()
}

// lockedLost records in the queue that datagrams were lost here, once for
// a run of losses with nothing queued in between.
func (rs *readSide) lockedLost(err error) {
	if n := len(rs.queue); n > 0 && rs.queue[n-1].lost {
		return
	}
	rs.queue = append(rs.queue, queued{err: err, lost: true})
	rs.lockedWakeReceive()
}

// lockedWakeReceive wakes the first goroutine waiting in Receive.
func (rs *readSide) lockedWakeReceive() {
	for _, w := range rs.waiters {
		if w.want == wantQueue {
			wakeUp(w)
			return
		}
	}
}

// lockedMalformedFor returns the registered exchange that bad, a
// malformed message and the rest of its datagram, names by its sequence
// number, if it is long enough to have one.
func (rs *readSide) lockedMalformedFor(bad []byte) *exchange {
	if len(bad) < HeaderLen {
		return nil
	}
	h, _ := headerAt(bad[:HeaderLen:HeaderLen], 0) // the fields, whatever the length says
	return rs.lockedLookup(h.seq)
}

// lockedTooLarge handles a datagram of n bytes, more than the limit, of
// which b holds the start: the exchange it answers fails, if it comes from
// the peer and names one; otherwise Receive reports it. Either way it cost
// only a read.
func (c *Conn) lockedTooLarge(b []byte, n int, src Source) {
	rs := &c.rs
	err := fmt.Errorf("%w (%w): datagram of %d bytes from port %d exceeds the %d-byte limit",
		ErrTruncated, ErrTooLarge, n, src.PID, c.maxSize)
	if src.Group == 0 && src.PID == c.peer && len(b) >= HeaderLen {
		h, _ := headerAt(b[:HeaderLen:HeaderLen], 0)
		if y := rs.lockedLookup(h.seq); y != nil {
			rs.lockedFail(y, &OpError{Op: "execute", Err: err, Sequence: h.seq})
			return
		}
	}
	rs.lockedEnqueue(queued{err: &OpError{Op: "receive", Err: err}, src: src})
}

// lockedOverrun handles an overrun (ENOBUFS): the kernel dropped
// datagrams for this socket, and drops every other until its queue
// drains. Every exchange whose replies may be among them fails: all but
// dumps already under way, whose datagrams the kernel never drops (it
// waits for room). Receive reports the overrun in its turn.
func (rs *readSide) lockedOverrun(err error) {
	rs.congested = true
	for i := len(rs.pending) - 1; i >= 0; i-- {
		y := rs.pending[i]
		if y.dump && y.multi {
			continue
		}
		rs.lockedRecordAbandoned(y.req.Sequence)
		rs.lockedFail(y, &OpError{Op: "execute", Err: err, Sequence: y.req.Sequence})
	}
	rs.lockedLost(err)
}

// lockedFail ends exchange y with err and wakes its goroutine; y is not
// to be touched after it.
func (rs *readSide) lockedFail(y *exchange, err error) {
	y.err, y.done = err, true
	rs.lockedFinished(y)
	rs.lockedSignal(y)
}

// lockedSignal wakes y's goroutine, whose exchange now has what it waits
// for, and takes it out of the waiters on its behalf, so that it returns
// without taking the lock again and the read end never goes to it.
func (rs *readSide) lockedSignal(y *exchange) {
	if rs.reader == y {
		return // it is reading, and sees for itself
	}
	i := slices.Index(rs.waiters, y)
	if i >= 0 {
		rs.waiters = slices.Delete(rs.waiters, i, i+1)
	}
	wakeUp(y)
	if i >= 0 {
		// Last: once y sees it, y may return and its exchange be reused.
		y.signaled.Store(true)
	}
}

// lockedLookup returns the registered exchange waiting for seq, or nil.
func (rs *readSide) lockedLookup(seq uint32) *exchange {
	if y := rs.last; y != nil && y.req.Sequence == seq {
		return y
	}
	for _, y := range rs.pending {
		if y.req.Sequence == seq {
			rs.last = y
			return y
		}
	}
	return nil
}

// lockedRecordAbandoned remembers seq as the number of an exchange that
// gave up, forgetting the oldest.
func (rs *readSide) lockedRecordAbandoned(seq uint32) {
	if rs.abandoned == nil {
		rs.abandoned = new([abandonedRecord]uint32)
	}
	rs.abandoned[rs.nextAband] = seq
	rs.nextAband = (rs.nextAband + 1) % abandonedRecord
}

// lockedWasAbandoned reports whether seq is a recent exchange's that gave
// up.
func (rs *readSide) lockedWasAbandoned(seq uint32) bool {
	return seq != 0 && rs.abandoned != nil && slices.Contains(rs.abandoned[:], seq)
}

// lockedFinished takes y, which is done, out of the registered exchanges,
// ending its dump's turn.
func (rs *readSide) lockedFinished(y *exchange) {
	if i := slices.Index(rs.pending, y); i >= 0 {
		rs.pending = slices.Delete(rs.pending, i, i+1)
	}
	if rs.last == y {
		rs.last = nil
	}
	if rs.dumpX == y {
		rs.lockedEndDump()
	}
}

// lockedEndDump ends the running dump's turn and wakes the requests
// waiting for it.
func (rs *readSide) lockedEndDump() {
	rs.dumpSeq, rs.dumpX = 0, nil
	for _, w := range rs.waiters {
		if w.want == wantRegister {
			wakeUp(w)
		}
	}
}

// register registers x's request, whose header is final, before it is
// sent, so that no reader can miss a reply: it waits while the socket is
// congested and, for a dump to the kernel, for the dump slot.
//
// A request to the kernel takes the read end too, if it is free, in the
// same critical section: the kernel answers before the send returns, and
// a send to it never waits, so no other reader is kept waiting.
func (c *Conn) register(ctx context.Context, x *exchange) error {
	rs := &c.rs
	x.want = wantRegister
	for {
		rs.mu.Lock()
		if rs.lockedReady(x) {
			err := rs.lockedRegister(x)
			if err == nil && c.peer == 0 && rs.reader == nil {
				rs.lockedTakeRead(x)
			}
			rs.mu.Unlock()
			return err
		}
		rs.mu.Unlock()
		if err := c.await(ctx, x); err != nil {
			return err
		}
	}
}

// lockedRegister adds x to the registered exchanges.
func (rs *readSide) lockedRegister(x *exchange) error {
	seq := x.req.Sequence
	if rs.lockedLookup(seq) != nil {
		return &OpError{Op: "execute", Sequence: seq,
			Err: fmt.Errorf("sequence number %d is already in use by a request in flight", seq)}
	}
	if rs.lockedWasAbandoned(seq) {
		rs.abandoned[slices.Index(rs.abandoned[:], seq)] = 0
	}
	rs.pending = append(rs.pending, x)
	if x.dump {
		rs.dumpSeq, rs.dumpX = seq, x
	}
	x.want = wantReplies
	return nil
}

// lockedUnregister takes x out of the registered exchanges when it gives
// up before it is done. Once its request was sent, replies may still
// come: they are dropped, and a dump's turn lasts until its end arrives.
func (rs *readSide) lockedUnregister(x *exchange, sent bool) {
	if x.done || x.want != wantReplies {
		return
	}
	if i := slices.Index(rs.pending, x); i >= 0 {
		rs.pending = slices.Delete(rs.pending, i, i+1)
	}
	if rs.last == x {
		rs.last = nil
	}
	if sent {
		rs.lockedRecordAbandoned(x.req.Sequence)
	}
	if rs.dumpX == x {
		if sent {
			rs.dumpX = nil
		} else {
			rs.lockedEndDump()
		}
	}
}

// watch applies ctx to the read end while x's goroutine holds it: its
// deadline, when earlier than the Conn's own, and its cancellation through
// an immediate deadline. The returned function undoes that, waiting for a
// cancellation already under way so that it cannot leave a stale deadline
// behind, and turns a timeout caused by ctx into an error matching
// ctx.Err(). It must run before the read end passes on.
func (c *Conn) watch(ctx context.Context) func(error) error {
	if ctx.Done() == nil {
		return func(err error) error { return err }
	}
	c.dlMu.Lock()
	own := c.readDline
	c.dlMu.Unlock()
	dl, applied := ctx.Deadline()
	if applied = applied && (own.IsZero() || dl.Before(own)); applied {
		_ = c.s.SetReadDeadline(dl)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = c.s.SetReadDeadline(time.Unix(1, 0))
	})
	return func(err error) error {
		if !stop() {
			<-fired
		}
		c.dlMu.Lock()
		_ = c.s.SetReadDeadline(c.readDline)
		c.dlMu.Unlock()
		if err == nil || c.closed.Load() {
			return err
		}
		if cerr := contextError(ctx); cerr != nil {
			return &OpError{Op: "receive", Err: cerr}
		}
		if applied && errors.Is(err, os.ErrDeadlineExceeded) {
			// The socket's deadline was ctx's, by a clock that may run
			// a little ahead of the one ctx's timer reads (the wall
			// clock against the monotonic one, as in a VM).
			return &OpError{Op: "receive", Err: context.DeadlineExceeded}
		}
		return err
	}
}

// contextError is ctx.Err(), or DeadlineExceeded as soon as the deadline
// has passed, before ctx's own timer has fired.
func contextError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// isOverrun reports whether err is an overrun (ENOBUFS).
func isOverrun(err error) bool {
	return err != nil && errors.Is(err, ErrOverrun)
}
