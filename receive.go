package netlink

import (
	"context"
	"slices"
)

// Receive reads one datagram that no exchange waits for and returns its
// messages: a notification, a multicast, a reply to Send, a datagram from
// another port. Replies to Execute never come here. Messages are returned
// as they are, acknowledgements included (see CheckMessage), but an
// NLMSG_ERROR with a non-zero code returns an *OpError, after the
// messages before it in the datagram; those after it come with the next
// Receive. Lost datagrams (the socket's queue or the Conn's own
// overflowed) are reported once per run of losses, in their place, with
// an error matching ErrOverrun. Data is the Conn's copy and is never
// reused.
func (c *Conn) Receive() ([]Message, error) {
	msgs, _, err := c.ReceiveContext(context.Background())
	return msgs, err
}

// ReceiveFrom is Receive that also says where the datagram came from.
func (c *Conn) ReceiveFrom() ([]Message, Source, error) {
	return c.ReceiveContext(context.Background())
}

// ReceiveContext is ReceiveFrom that gives up when ctx is done, returning
// an error matching ctx.Err().
func (c *Conn) ReceiveContext(ctx context.Context) ([]Message, Source, error) {
	var msgs []Message
	var src Source
	err := c.receive(ctx, func(b []byte, from Source) error {
		b = slices.Clone(b)
		var err error
		msgs, err = c.checkReceived(b, from, nil)
		src = from
		return err
	})
	return msgs, src, err
}

// ReceiveEach is Receive for one datagram at a time without copying: it
// calls fn with each of the datagram's messages in turn until fn returns
// false, and allocates nothing. m.Data aliases the Conn's receive buffer
// and is valid only until fn returns. Unlike Receive it hands over every
// message as it is, NLMSG_ERROR included (see CheckMessage), so that
// nothing is hidden from a program that wants the raw stream. A lost run
// of datagrams is reported as Receive reports it, and a malformed message
// ends the datagram with an error after fn has seen the ones before it.
// fn may call the Conn. fn is fastest as a closure (see Performance in the
// package documentation).
func (c *Conn) ReceiveEach(fn func(m Message, src Source) bool) error {
	return c.ReceiveEachContext(context.Background(), fn)
}

// ReceiveEachContext is ReceiveEach that gives up when ctx is done,
// returning an error matching ctx.Err().
func (c *Conn) ReceiveEachContext(ctx context.Context, fn func(m Message, src Source) bool) error {
	return c.receive(ctx, func(b []byte, src Source) error {
		_, err := c.checkReceived(b, src, fn)
		return err
	})
}

// receive waits for a datagram for Receive and hands it to use: the one
// its goroutine read and holds in its buffer, or the oldest queued.
func (c *Conn) receive(ctx context.Context, use func(b []byte, src Source) error) error {
	rs := &c.rs
	x := c.getExchange()
	defer c.putExchange(x)
	x.want = wantQueue
	for {
		if err := c.await(ctx, x); err != nil {
			return err
		}
		if x.count > 0 {
			return use(x.rb.b[:x.kept], x.src)
		}
		rs.mu.Lock()
		if len(rs.queue) > 0 {
			break // with the lock held
		}
		// Another Receive took what there was.
		rs.mu.Unlock()
	}
	q := rs.queue[0]
	rs.queue[0] = queued{}
	rs.queue = rs.queue[1:]
	if len(rs.queue) == 0 {
		rs.queue = nil
	} else {
		rs.lockedWakeReceive()
	}
	rs.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	return use(q.b, q.src)
}

// checkReceived walks a datagram for Receive: it collects its messages,
// stopping at an NLMSG_ERROR with a non-zero code, which it returns as an
// *OpError while the rest of the datagram goes back to the front of the
// queue; or, for ReceiveEach, it hands every message to fn. A malformed
// message is an error after the ones before it.
func (c *Conn) checkReceived(b []byte, src Source, fn func(Message, Source) bool) ([]Message, error) {
	var msgs []Message
	if fn == nil {
		msgs = make([]Message, 0, countMessages(b))
	}
	for off := 0; off < len(b); {
		h, ok := headerAt(b, off)
		if !ok {
			_, err := checkHeader(b, off) // the error, saying why
			return msgs, &OpError{Op: "receive", Err: err}
		}
		m := h.message(b, off)
		next := h.next(b, off)
		if fn == nil && m.Header.Type == Error {
			if err := receivedError(m); err != nil {
				if next < len(b) {
					c.rs.mu.Lock()
					c.rs.queue = slices.Insert(c.rs.queue, 0, queued{b: slices.Clone(b[next:]), src: src})
					c.rs.mu.Unlock()
				}
				return msgs, err
			}
		}
		if fn != nil {
			if !fn(m, src) {
				return nil, nil
			}
		} else {
			msgs = append(msgs, m)
		}
		off = next
	}
	return msgs, nil
}

// receivedError is the error an NLMSG_ERROR message reports, nil for an
// acknowledgement.
func receivedError(m Message) error {
	a, err := ParseAck(m)
	if err != nil {
		return &OpError{Op: "receive", Err: err, Sequence: m.Header.Sequence}
	}
	if a.Code == 0 {
		return nil
	}
	return &OpError{Op: "receive", Err: a.Errno(), Sequence: m.Header.Sequence,
		Request: a.Request.Header, ExtAck: a.ExtAck.clone()}
}
