package bench

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink"
)

// This library: one Conn per family, dialled in the namespace with
// Config.NetNS, and Execute, which returns the replies (NLMSG_DONE and
// acknowledgements left out). The rtnetlink requests take their family
// header as bytes; the generic netlink request's attribute is encoded with
// an AttributeEncoder kept between requests, so building it allocates
// nothing.
type nlgoClient struct {
	route, genl *netlink.Conn
	enc         *netlink.AttributeEncoder
	genlBuf     []byte
}

func newNlgoClient(ns int) (client, error) {
	route, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: ns})
	if err != nil {
		return nil, err
	}
	genl, err := netlink.Dial(unix.NETLINK_GENERIC, &netlink.Config{NetNS: ns})
	if err != nil {
		route.Close()
		return nil, err
	}
	return &nlgoClient{route: route, genl: genl, enc: netlink.NewAttributeEncoder()}, nil
}

// request returns the Conn w goes to and w's request.
func (c *nlgoClient) request(w workload) (*netlink.Conn, netlink.Message, error) {
	switch w {
	case getLink:
		return c.route, netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: getLinkPayload}, nil
	case dumpLinks:
		return c.route, netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump}, Data: dumpLinksPayload}, nil
	case dumpAddrs:
		return c.route, netlink.Message{Header: netlink.Header{Type: unix.RTM_GETADDR, Flags: netlink.Request | netlink.Dump}, Data: dumpAddrsPayload}, nil
	case getFamily:
		c.enc.Reset(append(c.genlBuf[:0], genlHeader...))
		c.enc.String(ctrlAttrFamilyName, genlFamilyRequested)
		data, err := c.enc.Encode()
		if err != nil {
			return nil, netlink.Message{}, err
		}
		c.genlBuf = data
		return c.genl, netlink.Message{Header: netlink.Header{Type: genlIDCtrl, Flags: netlink.Request}, Data: data}, nil
	}
	return nil, netlink.Message{}, errors.New("unknown workload")
}

func (c *nlgoClient) do(w workload, visit func(p []byte)) (int, error) {
	conn, m, err := c.request(w)
	if err != nil {
		return 0, err
	}
	msgs, err := conn.Execute(m)
	if err != nil {
		return 0, err
	}
	if visit != nil {
		for _, m := range msgs {
			visit(m.Data)
		}
	}
	return len(msgs), nil
}

func (c *nlgoClient) close() error {
	c.genl.Close()
	return c.route.Close()
}

// nlgoEachClient is this library on its streaming path ("nlgoeach"):
// ExecuteEach, which routes and checks replies exactly as Execute does but
// hands each one to a function as it arrives, aliasing the Conn's receive
// buffer, instead of copying them out: nothing is allocated or kept.
type nlgoEachClient struct {
	nlgoClient
	fn    func(netlink.Message) bool // handles one reply; made once
	count int
	visit func(p []byte)
}

func newNlgoEachClient(ns int) (client, error) {
	c, err := newNlgoClient(ns)
	if err != nil {
		return nil, err
	}
	e := &nlgoEachClient{nlgoClient: *c.(*nlgoClient)}
	// A closure, not a method value: see newNlgoListener.
	e.fn = func(m netlink.Message) bool {
		e.count++
		if e.visit != nil {
			e.visit(m.Data)
		}
		return true
	}
	return e, nil
}

func (c *nlgoEachClient) do(w workload, visit func(p []byte)) (int, error) {
	conn, m, err := c.request(w)
	if err != nil {
		return 0, err
	}
	c.count, c.visit = 0, visit
	err = conn.ExecuteEach(m, c.fn)
	return c.count, err
}

// nlgoListener is this library's fan-in listener on the streaming path:
// ReceiveEach hands each message to a function made once, aliasing the
// Conn's receive buffer, and allocates nothing.
type nlgoListener struct {
	conn *netlink.Conn
	c    fanInCounter
	fn   func(netlink.Message, netlink.Source) bool
}

func newNlgoListener(ns int) (listener, error) {
	conn, err := netlink.Dial(unix.NETLINK_USERSOCK, &netlink.Config{NetNS: ns})
	if err != nil {
		return nil, err
	}
	err = conn.SetReadBuffer(fanInReadBuffer)
	if err == nil {
		err = conn.JoinGroup(fanInGroup)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	l := &nlgoListener{conn: conn}
	// A closure rather than the method value l.take: the compiler's
	// method-value wrapper copies the Message argument through the stack
	// in a way that stalls the CPU on every message.
	l.fn = func(m netlink.Message, _ netlink.Source) bool {
		l.c.take(uint16(m.Header.Type), m.Header.Sequence)
		return true
	}
	return l, nil
}

func (l *nlgoListener) listen(round uint32) (int, error) {
	l.c = fanInCounter{round: round}
	for !l.c.end {
		if err := l.conn.ReceiveEach(l.fn); err != nil && !isOverrun(err) {
			return l.c.n, err
		}
	}
	return l.c.n, nil
}

func (l *nlgoListener) readBuffer() (int, error) {
	rc, err := l.conn.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var gerr error
	if err := rc.Control(func(fd uintptr) { n, gerr = getReadBuffer(int(fd)) }); err != nil {
		return 0, err
	}
	return n, gerr
}

func (l *nlgoListener) close() error { return l.conn.Close() }
