package netlink

import (
	"context"
	"net"
	"sync/atomic"
)

// Execute sends a request to the Conn's peer and returns the replies,
// reading until the exchange is complete: a single reply; a dump (a
// request with NLM_F_DUMP) through NLMSG_DONE, whether or not its replies
// carry NLM_F_MULTI; an NLMSG_ERROR; and, when m asks for NLM_F_ACK, the
// acknowledgement too, so nothing stale is left behind. The terminating
// DONE and the acknowledgement are not among the returned messages (use
// Send and Receive to see them).
//
// Only datagrams from the peer, sent to this port and not to a group, and
// carrying the request's sequence number can answer it; anything else goes
// to Receive. Concurrent calls run side by side; dumps to the kernel take
// turns, one at a time per socket as the kernel requires, instead of
// failing with EBUSY.
//
// An error code from the peer (in NLMSG_ERROR or in NLMSG_DONE) returns an
// *OpError wrapping the errno, with the extended ack. If any reply carried
// NLM_F_DUMP_INTR, the complete result is returned together with an error
// matching ErrDumpInterrupted.
//
// A request that the peer answers with nothing, such as a change without
// NLM_F_ACK, blocks until a deadline: ask for an acknowledgement, or use
// Send.
func (c *Conn) Execute(m Message) ([]Message, error) {
	return c.ExecuteContext(context.Background(), m)
}

// ExecuteContext is Execute that gives up when ctx is done, returning an
// error matching ctx.Err(). Replies that arrive afterwards are dropped.
func (c *Conn) ExecuteContext(ctx context.Context, m Message) ([]Message, error) {
	var msgs []Message
	err := c.exchange(ctx, m, nil, &msgs)
	return msgs, err
}

// ExecuteEach is Execute for large results: instead of collecting the
// replies it calls fn with each one as it arrives, and allocates nothing.
// A reply's Data aliases the Conn's receive buffer and is valid only until
// fn returns. When fn returns false it is not called again, but the rest
// of the exchange is still read, so that nothing stale is left behind.
// Errors are those of Execute; with ErrDumpInterrupted, fn has seen every
// reply. fn is fastest as a closure (see Performance in the package
// documentation).
func (c *Conn) ExecuteEach(m Message, fn func(Message) bool) error {
	return c.exchange(context.Background(), m, fn, nil)
}

// ExecuteEachContext is ExecuteEach that gives up when ctx is done,
// returning an error matching ctx.Err().
func (c *Conn) ExecuteEachContext(ctx context.Context, m Message, fn func(Message) bool) error {
	return c.exchange(ctx, m, fn, nil)
}

// exchange registers m, sends it and waits for its replies, handing each
// to each when it is not nil, and otherwise storing them all in *msgs.
func (c *Conn) exchange(ctx context.Context, m Message, each func(Message) bool, msgs *[]Message) error {
	if c.closed.Load() {
		return &OpError{Op: "execute", Err: net.ErrClosed}
	}
	rs := &c.rs
	x := c.getExchange()
	defer c.putExchange(x)
	c.fill(&m.Header)
	m.Header.Length = uint32(MessageLen(len(m.Data)))
	x.req = m.Header
	x.streaming = each != nil
	x.dump = c.peer == 0 && m.Header.Flags&Dump == Dump
	var err error
	if x.wbuf, err = m.AppendBinary(x.wbuf[:0]); err != nil {
		return &OpError{Op: "execute", Err: err}
	}
	if err := c.register(ctx, x); err != nil {
		return execError(err)
	}
	if err := c.sendDatagram(x, x.wbuf, Addr{PID: c.peer}); err != nil {
		rs.mu.Lock()
		rs.lockedUnregister(x, false)
		rs.lockedLeave(x)
		rs.mu.Unlock()
		return err
	}
	if each != nil {
		err = c.stream(ctx, x, each)
	} else {
		err = c.await(ctx, x)
	}
	if err != nil {
		rs.mu.Lock()
		rs.lockedUnregister(x, true)
		rs.mu.Unlock()
		return execError(err)
	}
	// x is done and out of the read side's hands.
	if msgs != nil {
		*msgs = x.messages()
	}
	return x.result()
}

// execError labels an error of the read side as Execute's.
func execError(err error) error {
	if oe, ok := err.(*OpError); ok && oe.Op == "receive" {
		oe.Op = "execute"
	}
	return err
}

// stream waits for x's replies and hands them to each as they come, until
// the exchange is done: first those x's goroutine read and kept in its
// buffer, then those another reader stored for it meanwhile.
func (c *Conn) stream(ctx context.Context, x *exchange, each func(Message) bool) error {
	rs := &c.rs
	for {
		if err := c.await(ctx, x); err != nil {
			return err
		}
		if x.count > 0 {
			x.deliver(x.rb.b[:x.kept], x.count, each)
			x.kept, x.count = 0, 0
		}
		rs.mu.Lock()
		stored, n, done := x.stored, x.nstored, x.done
		x.stored, x.nstored, x.spare = x.spare[:0], 0, stored
		rs.mu.Unlock()
		if n > 0 {
			x.deliver(stored, n, each)
		}
		if done && n == 0 {
			return nil
		}
	}
}

// deliver hands the n replies back to back in b, which were checked as
// they arrived, to each, until it returns false.
func (x *exchange) deliver(b []byte, n int, each func(Message) bool) {
	off := 0
	for range n {
		if x.stopped {
			return
		}
		h, _ := headerAt(b, off)
		x.stopped = !each(h.message(b, off))
		off += Align(int(h.length))
	}
}

// exchange is the state of one goroutine's call on the read side: an
// Execute's request awaiting its replies, or a Receive awaiting a
// datagram. Exchanges are reused. Its goroutine owns the fields below
// want and sets the rest only under the read side's lock, while readers
// set those under the lock too: they fill in replies and the state of
// the exchange.
type exchange struct {
	wake     chan struct{} // the goroutine's wakeup, buffered
	signaled atomic.Bool   // a reader woke it ready and took it out of the waiters
	wbuf     []byte        // the request, encoded
	isOwn    bool          // the Conn's own exchange (see Conn.own)
	tapd     Datagram      // what the tap is shown, kept here so that showing it allocates nothing

	want      want
	reading   bool   // holds the read end: set and cleared under the lock, by the goroutine only
	req       Header // the request as sent
	dump      bool   // a dump to the kernel, which takes turns
	streaming bool   // an ExecuteEach: ready as soon as replies are in

	// Replies the goroutine read itself lie back to back at the start of
	// its buffer: kept bytes, count replies. For a Receive, count is 1
	// when its datagram lies there, from src.
	rb    *readBuffer
	kept  int
	count int
	src   Source

	// Replies other readers read for the exchange are copied to stored:
	// nstored replies, back to back. spare is stream's second buffer.
	stored  []byte
	nstored int
	spare   []byte

	multi       bool // a part of a multipart reply arrived
	interrupted bool
	done        bool
	err         error
	stopped     bool // ExecuteEach's function returned false
}

// result is the error a completed exchange reports.
func (x *exchange) result() error {
	if x.err != nil {
		if oe, ok := x.err.(*OpError); ok {
			oe.keepRequest(x.wbuf)
		}
		return x.err
	}
	if x.interrupted {
		return &OpError{Op: "execute", Err: ErrDumpInterrupted, Sequence: x.req.Sequence}
	}
	return nil
}

// messages copies the replies out, those stored first, since they came
// first, and splits them. Every reply was checked on arrival and is
// padded, so the walk trusts the lengths. Two allocations, however many
// replies.
func (x *exchange) messages() []Message {
	count := x.nstored + x.count
	if count == 0 {
		return nil
	}
	// append, unlike make and copy, does not zero the bytes it copies to.
	var b []byte
	switch {
	case x.kept == 0:
		b = append([]byte(nil), x.stored...)
	case len(x.stored) == 0:
		b = append([]byte(nil), x.rb.b[:x.kept]...)
	default:
		b = append(append(make([]byte, 0, len(x.stored)+x.kept), x.stored...), x.rb.b[:x.kept]...)
	}
	msgs := make([]Message, count)
	off := 0
	for i := range msgs {
		h, _ := headerAt(b, off)
		h.fill(&msgs[i], b, off)
		off += Align(int(h.length))
	}
	return msgs
}

// store copies a reply another goroutine read for x, padding it.
func (x *exchange) store(m []byte) {
	x.stored = append(x.stored, m...)
	for len(x.stored)%Alignment != 0 {
		x.stored = append(x.stored, 0)
	}
	x.nstored++
}

// keep moves the reply of the given length at offset at in x's buffer to
// the end of the replies kept there, at or before it, and zeroes its
// padding, which the last message of a datagram may lack. Nothing after
// the reply in its datagram is overwritten.
func (x *exchange) keep(at, length int) {
	b := x.rb.b
	if at != x.kept {
		copy(b[x.kept:], b[at:at+length])
	}
	end := x.kept + Align(length)
	clear(b[x.kept+length : end])
	x.kept = end
	x.count++
}

// take handles one reply and reports whether it is to be kept.
func (x *exchange) take(m Message) bool {
	if m.Header.Flags&DumpInterrupted != 0 {
		x.interrupted = true
	}
	if m.Header.Flags&Multi != 0 {
		x.multi = true
	}
	switch m.Header.Type {
	case Noop:
		return false
	case Error, Done:
		x.done = true
		a, err := ParseAck(m)
		if err != nil {
			x.err = &OpError{Op: "execute", Err: err, Sequence: m.Header.Sequence}
			return false
		}
		if a.Code != 0 {
			x.err = &OpError{Op: "execute", Err: a.Errno(), Sequence: m.Header.Sequence,
				Request: a.Request.Header, ExtAck: a.ExtAck.clone()}
		}
		return false
	case Overrun:
		x.done = true
		x.err = &OpError{Op: "execute", Err: overrunf("the peer sent NLMSG_OVERRUN"), Sequence: m.Header.Sequence}
		return false
	}
	// A reply without NLM_F_MULTI is the whole answer to a request that
	// asks for no acknowledgement, except to a dump, which ends at
	// NLMSG_DONE: the kernel's genlmsg_iput leaves the flag off the
	// entries of some generic netlink dumps (netdev, ethtool).
	if m.Header.Flags&Multi == 0 && x.req.Flags&Acknowledge == 0 && x.req.Flags&Dump != Dump {
		x.done = true
	}
	return true
}
