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

func (c *nlgoClient) do(w workload, visit func(p []byte)) (int, error) {
	conn := c.route
	var m netlink.Message
	switch w {
	case getLink:
		m = netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: getLinkPayload}
	case dumpLinks:
		m = netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request | netlink.Dump}, Data: dumpLinksPayload}
	case dumpAddrs:
		m = netlink.Message{Header: netlink.Header{Type: unix.RTM_GETADDR, Flags: netlink.Request | netlink.Dump}, Data: dumpAddrsPayload}
	case getFamily:
		conn = c.genl
		c.enc.Reset(append(c.genlBuf[:0], genlHeader...))
		c.enc.String(ctrlAttrFamilyName, genlFamilyRequested)
		data, err := c.enc.Encode()
		if err != nil {
			return 0, err
		}
		c.genlBuf = data
		m = netlink.Message{Header: netlink.Header{Type: genlIDCtrl, Flags: netlink.Request}, Data: data}
	default:
		return 0, errors.New("unknown workload")
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
	l.fn = l.take
	return l, nil
}

func (l *nlgoListener) take(m netlink.Message, _ netlink.Source) bool {
	l.c.take(uint16(m.Header.Type), m.Header.Sequence)
	return true
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
