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
	c.execMu.Lock()
	defer c.execMu.Unlock()
	ms := [1]Message{m}
	if err := c.send(ms[:], Addr{PID: c.peer}); err != nil {
		return nil, err
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	stop := c.watch(ctx)
	msgs, err := c.lockedExchange(ms[0].Header)
	if err = stop(err); err != nil {
		if oe, ok := err.(*OpError); ok && oe.Op == "receive" {
			oe.Op = "execute"
		}
	}
	return msgs, err
}

// exchange is the state of one request awaiting its replies.
type exchange struct {
	req         Header
	acc         []byte // the replies, re-encoded back to back
	interrupted bool
	done        bool
	err         error
}

// lockedExchange reads datagrams until the exchange for req is complete.
func (c *Conn) lockedExchange(req Header) ([]Message, error) {
	x := exchange{req: req}
	for !x.done {
		n, src, err := c.lockedRead()
		if err != nil {
			return nil, err
		}
		b := c.rbuf[:n]
		if src.PID != c.peer || src.Group != 0 {
			c.lockedSetAside(b, src)
			continue
		}
		c.lockedRoute(&x, b, src)
	}
	msgs, err := ParseMessages(x.acc)
	if err != nil { // cannot happen: acc holds only re-encoded messages
		return nil, &OpError{Op: "execute", Err: err, Sequence: req.Sequence}
	}
	if x.err != nil {
		return msgs, x.err
	}
	if x.interrupted {
		return msgs, &OpError{Op: "execute", Err: ErrDumpInterrupted, Sequence: req.Sequence}
	}
	return msgs, nil
}

// lockedRoute takes the messages of one datagram from the peer: those with
// the request's sequence number go to the exchange, notifications are set
// aside for Receive, and replies to earlier requests are dropped.
func (c *Conn) lockedRoute(x *exchange, b []byte, src Source) {
	var aside []byte
	for m, err := range Messages(b) {
		if err != nil {
			x.err, x.done = &OpError{Op: "execute", Err: err, Sequence: x.req.Sequence}, true
			break
		}
		switch {
		case m.Header.Sequence == x.req.Sequence:
			if !x.done {
				x.take(m)
			}
		case !c.issued(m.Header.Sequence):
			aside, _ = m.AppendBinary(aside)
		}
	}
	if aside != nil {
		c.lockedSetAside(aside, src)
	}
}

// take handles one reply.
func (x *exchange) take(m Message) {
	if m.Header.Flags&DumpInterrupted != 0 {
		x.interrupted = true
	}
	switch m.Header.Type {
	case Noop:
		return
	case Error, Done:
		x.done = true
		a, err := ParseAck(m)
		if err != nil {
			x.err = &OpError{Op: "execute", Err: err, Sequence: m.Header.Sequence}
			return
		}
		if a.Code != 0 {
			x.err = &OpError{Op: "execute", Err: a.Errno(), Sequence: m.Header.Sequence,
				Request: a.Request.Header, ExtAck: a.ExtAck.clone()}
		}
		return
	case Overrun:
		x.done = true
		x.err = &OpError{Op: "execute", Err: overrunf("the peer sent NLMSG_OVERRUN"), Sequence: m.Header.Sequence}
		return
	}
	x.acc, _ = m.AppendBinary(x.acc) // cannot fail: m came off the wire
	if m.Header.Flags&Multi == 0 && x.req.Flags&Acknowledge == 0 {
		x.done = true
	}
}
