package bench

import (
	"errors"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// github.com/mdlayher/netlink v1.11.2: one Conn per family, dialled in the
// namespace with its Config.NetNS, and Execute, which returns the replies
// (NLMSG_DONE left out) after checking their sequence numbers and ports.
// By default its Conn peeks at each datagram (recvmsg with MSG_PEEK and
// MSG_TRUNC) to allocate a buffer of the right size before reading it: two
// system calls and an allocation per datagram, and, since the kernel sizes
// dump datagrams by the buffers it has been offered, small ones. With
// Config.MessageBufferSize (new in v1.11.0) it reads into a pooled buffer
// of that size, then copies each datagram out; the mdlayher64k variant sets
// it to 64 KiB. The generic netlink attribute is encoded with an
// AttributeEncoder, which allocates its result: nothing can be reused.
type mdlayherClient struct {
	route, genl *netlink.Conn
}

func newMdlayherClient(ns, bufSize int) (client, error) {
	cfg := &netlink.Config{NetNS: ns, MessageBufferSize: bufSize}
	route, err := netlink.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		return nil, err
	}
	genl, err := netlink.Dial(unix.NETLINK_GENERIC, cfg)
	if err != nil {
		route.Close()
		return nil, err
	}
	return &mdlayherClient{route: route, genl: genl}, nil
}

func (c *mdlayherClient) do(w workload, visit func(p []byte)) (int, error) {
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
		ae := netlink.NewAttributeEncoder()
		ae.String(ctrlAttrFamilyName, genlFamilyRequested)
		attrs, err := ae.Encode()
		if err != nil {
			return 0, err
		}
		m = netlink.Message{
			Header: netlink.Header{Type: genlIDCtrl, Flags: netlink.Request},
			Data:   append(append(make([]byte, 0, genlHdrLen+len(attrs)), genlHeader...), attrs...),
		}
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

func (c *mdlayherClient) close() error {
	c.genl.Close()
	return c.route.Close()
}

// mdlayherListener is mdlayher/netlink's fan-in listener: Conn.Receive,
// which returns each datagram's messages in a new slice. Its
// SetReadBuffer uses SO_RCVBUF, which net.core.rmem_max caps, so the
// buffer is set with SO_RCVBUFFORCE through SyscallConn.
type mdlayherListener struct {
	conn *netlink.Conn
	c    fanInCounter
}

func newMdlayherListener(ns, bufSize int) (listener, error) {
	conn, err := netlink.Dial(unix.NETLINK_USERSOCK, &netlink.Config{NetNS: ns, MessageBufferSize: bufSize})
	if err != nil {
		return nil, err
	}
	l := &mdlayherListener{conn: conn}
	err = l.control(func(fd int) error { return setReadBufferForce(fd, fanInReadBuffer) })
	if err == nil {
		err = conn.JoinGroup(fanInGroup)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return l, nil
}

// control runs fn on the socket's descriptor.
func (l *mdlayherListener) control(fn func(fd int) error) error {
	rc, err := l.conn.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (l *mdlayherListener) listen(round uint32) (int, error) {
	l.c = fanInCounter{round: round}
	for !l.c.end {
		msgs, err := l.conn.Receive()
		if err != nil {
			if isOverrun(err) {
				continue
			}
			return l.c.n, err
		}
		for _, m := range msgs {
			l.c.take(uint16(m.Header.Type), m.Header.Sequence)
		}
	}
	return l.c.n, nil
}

func (l *mdlayherListener) readBuffer() (n int, err error) {
	err = l.control(func(fd int) error {
		var gerr error
		n, gerr = getReadBuffer(fd)
		return gerr
	})
	return n, err
}

func (l *mdlayherListener) close() error { return l.conn.Close() }
