package netlink

import "context"

// Execute sends a request to the Conn's peer and returns the replies,
// reading until the exchange is complete: a single reply; a multipart dump
// through NLMSG_DONE; an NLMSG_ERROR; and, when m asks for NLM_F_ACK, the
// acknowledgement too, so nothing stale is left behind. The terminating
// DONE and the acknowledgement are not among the returned messages (use
// Send and Receive to see them).
//
// Only datagrams from the peer, sent to this port and not to a group, and
// carrying the request's sequence number can answer it; anything else is
// set aside for Receive or, for replies to abandoned requests, dropped.
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
// error matching ctx.Err(). Replies that arrive afterwards are dropped by
// later exchanges.
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

// exchange sends m and reads its replies, handing each to each when it is
// not nil, and otherwise storing them all in *msgs.
func (c *Conn) exchange(ctx context.Context, m Message, each func(Message) bool, msgs *[]Message) error {
	c.execMu.Lock()
	defer c.execMu.Unlock()
	ms := [1]Message{m}
	if err := c.send(ms[:], Addr{PID: c.peer}); err != nil {
		return err
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	stop := c.watch(ctx)
	x := exchange{req: ms[0].Header, each: each}
	err := c.lockedExchange(&x)
	if msgs != nil && err == nil {
		*msgs = x.messages(c.rbuf[:x.kept])
	}
	if len(c.rbuf) > maxRetainedBuffer {
		// A huge dump grew the buffer: let it go rather than hold it for
		// the Conn's lifetime. The next read allocates the usual size.
		c.rbuf = nil
	}
	if err == nil {
		err = x.result()
	}
	if err = stop(err); err != nil {
		if oe, ok := err.(*OpError); ok && oe.Op == "receive" {
			oe.Op = "execute"
		}
	}
	return err
}

// maxRetainedBuffer is the largest receive buffer a Conn keeps after an
// exchange: enough for the dumps of a busy host's links and addresses
// without another allocation, small enough not to pin the memory of a
// one-off million-route dump.
const maxRetainedBuffer = 8 << 20

// exchange is the state of one request awaiting its replies. The replies
// kept so far lie back to back at the start of the Conn's receive buffer.
type exchange struct {
	req         Header
	kept        int // bytes of replies at the start of the receive buffer
	count       int // replies kept
	interrupted bool
	done        bool
	err         error
	each        func(Message) bool // ExecuteEach's function, or nil
	stopped     bool               // each returned false
}

// lockedExchange reads datagrams until the exchange x is complete, and
// returns an error only when reading fails. Each datagram is read right
// after the replies kept so far, and its own replies are moved down to
// join them (in a datagram holding nothing else they are already in
// place). At the end the replies are copied out once, so an exchange
// allocates twice, for the bytes and for the slice of messages, however
// many replies it has; with ExecuteEach, nothing is kept.
func (c *Conn) lockedExchange(x *exchange) error {
	for !x.done {
		n, src, err := c.lockedReadAt(x.kept)
		if err != nil {
			return err
		}
		if src.PID != c.peer || src.Group != 0 {
			c.lockedSetAside(c.rbuf[x.kept:x.kept+n], src)
			continue
		}
		c.lockedRoute(x, n, src)
	}
	return nil
}

// result is the error a completed exchange reports.
func (x *exchange) result() error {
	if x.err != nil {
		return x.err
	}
	if x.interrupted {
		return &OpError{Op: "execute", Err: ErrDumpInterrupted, Sequence: x.req.Sequence}
	}
	return nil
}

// messages copies the kept replies out of the receive buffer, which the
// next read reuses, and splits them. Every kept reply was checked on
// arrival and is padded, so the walk trusts the lengths.
func (x *exchange) messages(kept []byte) []Message {
	if x.count == 0 {
		return nil
	}
	b := append([]byte(nil), kept...)
	msgs := make([]Message, x.count)
	off := 0
	for i := range msgs {
		h, _ := headerAt(b, off)
		h.fill(&msgs[i], b, off)
		off += Align(int(h.length))
	}
	return msgs
}

// lockedRoute takes the messages of the n-byte datagram just read at
// x.kept in the receive buffer: those with the request's sequence number go
// to the exchange, notifications are set aside for Receive, and replies to
// earlier requests are dropped.
func (c *Conn) lockedRoute(x *exchange, n int, src Source) {
	base := x.kept
	b := c.rbuf[base : base+n]
	var aside []byte
	for off := 0; off < len(b); {
		h, ok := headerAt(b, off)
		if !ok {
			_, err := checkHeader(b, off) // the error, saying why
			x.err, x.done = &OpError{Op: "execute", Err: err, Sequence: x.req.Sequence}, true
			break
		}
		switch {
		case h.seq != x.req.Sequence:
			if !c.issued(h.seq) {
				aside, _ = h.message(b, off).AppendBinary(aside)
			}
		case x.done:
		case h.typ() >= MinType && h.flags()&(Multi|DumpInterrupted) == Multi:
			// The common reply, part of a dump: no need for take, and
			// when it is already in place and padded, nothing to move.
			if x.each == nil && base+off == x.kept && h.length%Alignment == 0 {
				x.kept += int(h.length)
				x.count++
			} else {
				c.lockedDeliver(x, b, base+off, off, h)
			}
		case x.take(h.message(b, off)):
			c.lockedDeliver(x, b, base+off, off, h)
		}
		off = h.next(b, off)
	}
	if aside != nil {
		c.lockedSetAside(aside, src)
	}
}

// lockedDeliver hands the reply with header h at b[off:], which is at
// offset at in the receive buffer, to ExecuteEach's function, or keeps it
// for Execute.
func (c *Conn) lockedDeliver(x *exchange, b []byte, at, off int, h wireHeader) {
	switch {
	case x.each == nil:
		c.lockedKeep(x, at, int(h.length))
	case !x.stopped:
		x.stopped = !x.each(h.message(b, off))
	}
}

// lockedKeep moves the reply of the given length at offset at in the
// receive buffer to the end of the kept replies, at or before it, and
// zeroes its padding, which the last message of a datagram may lack.
// Nothing after the reply in its datagram is overwritten.
func (c *Conn) lockedKeep(x *exchange, at, length int) {
	if at != x.kept {
		copy(c.rbuf[x.kept:], c.rbuf[at:at+length])
	}
	end := x.kept + Align(length)
	clear(c.rbuf[x.kept+length : end])
	x.kept = end
	x.count++
}

// take handles one reply and reports whether it is to be kept.
func (x *exchange) take(m Message) bool {
	if m.Header.Flags&DumpInterrupted != 0 {
		x.interrupted = true
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
	if m.Header.Flags&Multi == 0 && x.req.Flags&Acknowledge == 0 {
		x.done = true
	}
	return true
}
