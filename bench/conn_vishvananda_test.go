package bench

import (
	"errors"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// github.com/vishvananda/netlink v1.3.1's nl package, on the persistent-
// socket request path its netlink.Handle uses (NewHandleAt, then LinkList,
// AddrList, GenlFamilyGet): one socket per family made with
// nl.GetNetlinkSocketAt in the namespace, kept in a map of SocketHandles
// that each NetlinkRequest carries in its Sockets field, so that
// NetlinkRequest.Execute sends on that socket under its lock instead of
// opening a new one. Requests are built as the Handle builds them, with
// NetlinkRequestData values that Serialize allocates, and Execute returns
// the payloads of the replies of the expected type. NetlinkSocket.Receive
// reads each datagram into a 64 KiB array, then copies it out and splits it
// with syscall.ParseNetlinkMessage.
type vishvanandaClient struct {
	sockets map[int]*nl.SocketHandle
}

func newVishvanandaClient(ns int) (client, error) {
	c := &vishvanandaClient{sockets: make(map[int]*nl.SocketHandle)}
	for _, proto := range []int{unix.NETLINK_ROUTE, unix.NETLINK_GENERIC} {
		s, err := nl.GetNetlinkSocketAt(netns.NsHandle(ns), netns.None(), proto)
		if err != nil {
			c.close()
			return nil, err
		}
		c.sockets[proto] = &nl.SocketHandle{Socket: s}
	}
	return c, nil
}

// newRequest is Handle.newNetlinkRequest: a request bound to the sockets.
func (c *vishvanandaClient) newRequest(typ, flags int) *nl.NetlinkRequest {
	return &nl.NetlinkRequest{
		NlMsghdr: unix.NlMsghdr{
			Len:   unix.SizeofNlMsghdr,
			Type:  uint16(typ),
			Flags: unix.NLM_F_REQUEST | uint16(flags),
		},
		Sockets: c.sockets,
	}
}

func (c *vishvanandaClient) do(w workload, visit func(p []byte)) (int, error) {
	var msgs [][]byte
	var err error
	switch w {
	case getLink: // Handle.LinkByIndex
		req := c.newRequest(unix.RTM_GETLINK, 0)
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = 1
		req.AddData(msg)
		msgs, err = req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	case dumpLinks: // Handle.LinkList
		req := c.newRequest(unix.RTM_GETLINK, unix.NLM_F_DUMP)
		req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
		msgs, err = req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	case dumpAddrs: // Handle.AddrList
		req := c.newRequest(unix.RTM_GETADDR, unix.NLM_F_DUMP)
		req.AddData(nl.NewIfAddrmsg(unix.AF_INET6))
		msgs, err = req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWADDR)
	case getFamily: // Handle.GenlFamilyGet
		req := c.newRequest(nl.GENL_ID_CTRL, 0)
		req.AddData(&nl.Genlmsg{Command: nl.GENL_CTRL_CMD_GETFAMILY, Version: nl.GENL_CTRL_VERSION})
		req.AddData(nl.NewRtAttr(nl.GENL_CTRL_ATTR_FAMILY_NAME, nl.ZeroTerminated(genlFamilyRequested)))
		msgs, err = req.Execute(unix.NETLINK_GENERIC, 0)
	default:
		return 0, errors.New("unknown workload")
	}
	if err != nil {
		return 0, err
	}
	if visit != nil {
		for _, p := range msgs {
			visit(p)
		}
	}
	return len(msgs), nil
}

func (c *vishvanandaClient) close() error {
	for _, s := range c.sockets {
		s.Close()
	}
	return nil
}

// vishvanandaListener is vishvananda/netlink's fan-in listener: a socket
// from nl.SubscribeAt, the way its LinkSubscribe and AddrSubscribe listen,
// and NetlinkSocket.Receive, which copies each datagram out of its 64 KiB
// array and splits it with syscall.ParseNetlinkMessage.
type vishvanandaListener struct {
	s *nl.NetlinkSocket
	c fanInCounter
}

func newVishvanandaListener(ns int) (listener, error) {
	s, err := nl.SubscribeAt(netns.NsHandle(ns), netns.None(), unix.NETLINK_USERSOCK, fanInGroup)
	if err != nil {
		return nil, err
	}
	if err := s.SetReceiveBufferSize(fanInReadBuffer, true); err != nil {
		s.Close()
		return nil, err
	}
	return &vishvanandaListener{s: s}, nil
}

func (l *vishvanandaListener) listen(round uint32) (int, error) {
	l.c = fanInCounter{round: round}
	for !l.c.end {
		msgs, _, err := l.s.Receive()
		if err != nil {
			if isOverrun(err) {
				continue
			}
			return l.c.n, err
		}
		for _, m := range msgs {
			l.c.take(m.Header.Type, m.Header.Seq)
		}
	}
	return l.c.n, nil
}

func (l *vishvanandaListener) readBuffer() (int, error) { return getReadBuffer(l.s.GetFd()) }

func (l *vishvanandaListener) close() error {
	l.s.Close()
	return nil
}
