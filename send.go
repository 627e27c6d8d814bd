package netlink

import "net"

// Send sends m to the Conn's peer (the kernel unless Config.Peer says
// otherwise). It fills in Length, a Sequence when m's is 0, and the PID
// when m's is 0, and returns the message as sent. Its replies, if any,
// reach Receive.
//
// Sends take no context: a send to the kernel or to a group never waits,
// and a unicast to a user-space port whose queue is full waits at most
// until the write deadline.
func (c *Conn) Send(m Message) (Message, error) {
	return c.SendTo(m, Addr{PID: c.peer})
}

// SendTo sends m like Send, to a port, to the groups in to.Groups (a
// legacy mask), or both. Sending to another user-space port or to groups
// needs a family that allows it: NETLINK_USERSOCK, or a module created with
// NL_CFG_F_NONROOT_SEND; otherwise it needs CAP_NET_ADMIN. On a family with
// no kernel socket, such as NETLINK_USERSOCK, a send to groups with to.PID 0
// reaches the groups and then fails with ECONNREFUSED, because the kernel
// also delivers it to port 0, where nobody listens.
func (c *Conn) SendTo(m Message, to Addr) (Message, error) {
	ms := [1]Message{m}
	if err := c.send(ms[:], to); err != nil {
		return Message{}, err
	}
	return ms[0], nil
}

// SendMessages packs messages into one datagram and sends it to the peer,
// filling in each header like Send. It returns the messages as sent.
func (c *Conn) SendMessages(msgs []Message) ([]Message, error) {
	return c.SendMessagesTo(msgs, Addr{PID: c.peer})
}

// SendMessagesTo is SendMessages to an address, as SendTo.
func (c *Conn) SendMessagesTo(msgs []Message, to Addr) ([]Message, error) {
	out := append([]Message(nil), msgs...)
	if err := c.send(out, to); err != nil {
		return nil, err
	}
	return out, nil
}

// send fills in and encodes msgs in place, into a reused buffer, and
// sends them as one datagram.
func (c *Conn) send(msgs []Message, to Addr) error {
	if c.closed.Load() {
		return &OpError{Op: "send", Err: net.ErrClosed}
	}
	x := c.getExchange()
	b := x.wbuf[:0]
	var err error
	for i := range msgs {
		c.fill(&msgs[i].Header)
		msgs[i].Header.Length = uint32(MessageLen(len(msgs[i].Data)))
		if b, err = msgs[i].AppendBinary(b); err != nil {
			err = &OpError{Op: "send", Err: err}
			break
		}
	}
	if err == nil {
		err = c.sendDatagram(x, b, to)
	}
	x.wbuf = b
	c.putExchange(x)
	return err
}

// sendDatagram writes one datagram. Every datagram the Conn sends passes
// through here.
func (c *Conn) sendDatagram(x *exchange, b []byte, to Addr) error {
	if err := c.s.Send(b, to); err != nil {
		return c.opError("send", err)
	}
	if c.tap != nil {
		c.tapSent(x, b, to)
	}
	return nil
}
