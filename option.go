package netlink

import "strconv"

// An Option is a boolean netlink socket option (SOL_NETLINK level).
type Option int

// Socket options. The values are the kernel's.
const (
	// BroadcastError makes a multicast send fail when delivery to a
	// subscriber fails (NETLINK_BROADCAST_ERROR).
	BroadcastError Option = 4
	// NoENOBUFS stops the kernel reporting receive-queue overruns as
	// ENOBUFS (NETLINK_NO_ENOBUFS); lost messages go unnoticed.
	NoENOBUFS Option = 5
	// PacketInfo reports the destination group of every datagram, above
	// 32 included, in Source.Group (NETLINK_PKTINFO).
	PacketInfo Option = 3
	// ListenAllNSID receives multicast from every network namespace that
	// has an id in the socket's own, reported in Source.NSID
	// (NETLINK_LISTEN_ALL_NSID). Needs CAP_NET_BROADCAST.
	ListenAllNSID Option = 8
	// CapAcknowledge echoes only the header of a failed request in
	// NLMSG_ERROR, not its payload (NETLINK_CAP_ACK).
	CapAcknowledge Option = 10
	// ExtendedAcknowledge asks for extended-ack TLVs: error messages,
	// offsets, warnings (NETLINK_EXT_ACK).
	ExtendedAcknowledge Option = 11
	// GetStrictCheck makes the kernel validate dump requests strictly
	// (NETLINK_GET_STRICT_CHK).
	GetStrictCheck Option = 12
)

// String returns the option's Go name.
func (o Option) String() string {
	switch o {
	case BroadcastError:
		return "BroadcastError"
	case NoENOBUFS:
		return "NoENOBUFS"
	case PacketInfo:
		return "PacketInfo"
	case ListenAllNSID:
		return "ListenAllNSID"
	case CapAcknowledge:
		return "CapAcknowledge"
	case ExtendedAcknowledge:
		return "ExtendedAcknowledge"
	case GetStrictCheck:
		return "GetStrictCheck"
	}
	return "Option(" + strconv.Itoa(int(o)) + ")"
}

// SetOption turns a socket option on or off.
func (c *Conn) SetOption(o Option, on bool) error {
	if err := c.s.SetOption(o, on); err != nil {
		return c.opError("set option "+o.String(), err)
	}
	return nil
}

// GetOption reports whether a socket option is on.
func (c *Conn) GetOption(o Option) (bool, error) {
	on, err := c.s.Option(o)
	if err != nil {
		return false, c.opError("get option "+o.String(), err)
	}
	return on, nil
}

// SetReadBuffer sets the socket's receive buffer size in bytes. It tries
// SO_RCVBUFFORCE first, which may exceed net.core.rmem_max but needs
// CAP_NET_ADMIN, then SO_RCVBUF.
func (c *Conn) SetReadBuffer(n int) error {
	if err := c.s.SetReadBuffer(n); err != nil {
		return c.opError("set read buffer", err)
	}
	return nil
}

// SetWriteBuffer sets the socket's send buffer size in bytes, trying
// SO_SNDBUFFORCE first, then SO_SNDBUF.
func (c *Conn) SetWriteBuffer(n int) error {
	if err := c.s.SetWriteBuffer(n); err != nil {
		return c.opError("set write buffer", err)
	}
	return nil
}

// A BPFInstruction is one classic BPF instruction (struct sock_filter).
type BPFInstruction struct {
	Op uint16
	Jt uint8
	Jf uint8
	K  uint32
}

// SetBPF attaches a classic BPF program that filters received datagrams
// (SO_ATTACH_FILTER). The program sees each datagram from its first byte,
// the first nlmsghdr.
func (c *Conn) SetBPF(prog []BPFInstruction) error {
	if err := c.s.SetBPF(prog); err != nil {
		return c.opError("set bpf", err)
	}
	return nil
}

// RemoveBPF detaches the BPF program (SO_DETACH_FILTER).
func (c *Conn) RemoveBPF() error {
	if err := c.s.RemoveBPF(); err != nil {
		return c.opError("remove bpf", err)
	}
	return nil
}
