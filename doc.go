// Package netlink speaks the Linux netlink protocol (AF_NETLINK) from pure
// Go: routing and links (NETLINK_ROUTE), generic netlink families, uevents,
// audit, netfilter, and the protocols of your own kernel modules, as well as
// process-to-process IPC with multicast over NETLINK_USERSOCK.
//
// # Messages and attributes
//
// A Message is a Header (struct nlmsghdr) and its payload. The size
// arithmetic of <linux/netlink.h> (NLMSG_ALIGN, NLMSG_LENGTH, NLMSG_SPACE,
// NLA_ALIGN, ...) is in Align, MessageLen, MessageSpace, AttributeLen and
// AttributeSpace. ParseMessages and the allocation-free Messages iterator
// split a received datagram into messages whose Data aliases it; every
// length is checked and malformed bytes produce a *ParseError naming the
// offset, never a panic. CheckMessage and ParseAck decode NLMSG_ERROR and
// NLMSG_DONE, extended acknowledgements included.
//
// Attributes (struct nlattr) are written with an AttributeEncoder, which
// appends into one buffer and back-patches nested lengths, and read with an
// AttributeDecoder, which hands out sub-slices and reports the first error,
// like bufio.Scanner. Both know the kernel's integer, string, flag and
// nested kinds, addresses (netip.Addr, a netip.Prefix split between an
// attribute and a family-header field as the kernel splits it,
// net.HardwareAddr), integers in network byte order, and nests that start
// with a fixed structure (NestedWithHeader, as VETH_INFO_PEER does).
//
// A Policy declares what attributes a buffer may hold, as a kernel
// attribute policy does: kinds, lengths, ranges, masks, nested policies.
// Policy.Validate checks a buffer against one without allocating, by the
// kernel's own rules, strict or lenient, and names the offending
// attribute's path in a *PolicyError. Package genetlink converts the
// policies the kernel reports into this type.
//
// # Multicast
//
// Groups are numbered from 1. Config.Groups is the legacy bind mask, one
// bit per group for groups 1..32 (group n is bit n-1: see GroupMask). Use
// JoinGroup for any group, above 32 included. Source reports the group each
// datagram was sent to.
//
// # Network namespaces
//
// Config.NetNS creates the socket in another network namespace (see
// OpenNetNS). The switch happens on a dedicated, locked OS thread; the
// caller's threads never change namespace, and a thread that cannot be
// switched back is discarded by the runtime.
//
// # Concurrency
//
// A Conn is safe for concurrent use; its type documentation states the
// contract. One Conn carries any number of requests in flight and a stream
// of notifications at once: every datagram goes through one read path,
// which routes each message by sequence number and by sender to the
// exchange waiting for it, or to Receive. A datagram forged by another
// process is never taken for the kernel's reply, and a reply is never
// lost or handed to the wrong caller. Callbacks of ExecuteEach and
// ReceiveEach may call the Conn.
//
// # Performance
//
// Execute allocates twice however many replies it gathers: once for their
// bytes and once for the slice of messages. ExecuteEach and ReceiveEach
// allocate nothing: they hand each message to a function, its Data
// aliasing the Conn's receive buffer, which is the way to walk a large
// dump or a busy multicast group. The Messages iterator and the
// AttributeDecoder allocate nothing either. Building a request costs
// nothing with an AttributeEncoder reused through Reset, and two
// allocations the obvious way: NewAttributeEncoder, its attributes, and
// Message.MarshalBinary.
//
// A socket is registered with the Go runtime poller only when a read or a
// write first has to wait. The kernel answers a request before the sendto
// that carries it returns, so a Conn used for requests to the kernel makes
// plain system calls and never pays the wakeup that the kernel sends an
// epoll waiter for every datagram queued to a registered socket. Deadlines,
// contexts and Close work the same either way.
//
// Receive buffers are shared by all Conns and taken only while a Conn
// reads or holds replies, so an idle Conn holds no buffer, however large
// its MaxMessageSize.
//
// Message is a struct of 40 bytes that the compiler keeps in memory. A
// function passed to ExecuteEach or ReceiveEach is fastest as a closure or
// a plain function; a method value (x.Handle) goes through a wrapper that
// copies each Message in a way that stalls the processor, several
// nanoseconds per message.
//
// # Errors
//
// Operations fail with an *OpError. It wraps an *os.SyscallError for a
// failed system call, a bare syscall.Errno (the type of unix.Errno) for an
// error code sent by the kernel, so that errors.Is(err, unix.ENOENT) and
// errors.Is(err, os.ErrNotExist) hold, or one of the exported sentinels.
// Its ExtAck field carries the kernel's extended acknowledgement. A closed
// Conn reports errors matching net.ErrClosed.
//
// The extended ack says where the kernel found fault: NLMSGERR_ATTR_OFFS
// is the offset of the rejected attribute in the request, MISS_TYPE and
// MISS_NEST name an attribute that was missing and the nest it belongs in,
// and NLMSGERR_ATTR_POLICY describes what the kernel expected, which
// ParseAck decodes into ExtAck.Expected. When the ack points into the
// request, Execute keeps a copy of the request in the error (OpError.Sent;
// a successful Execute keeps nothing). OpError.Locate, given the length of
// the family header, which only the caller knows, and perhaps a Policy for
// the names, maps the offsets back to attribute paths, and the error then
// reads
//
//	netlink: execute: invalid argument: Attribute failed policy validation:
//	attribute CTRL_ATTR_FAMILY_NAME (2) at offset 20: kernel expects
//	nul-string of at most 15 bytes
//
// instead of "(offset 20)". genetlink.Conn locates the failures of its
// requests itself; ParseKernelPolicy decodes the policy description that
// generic netlink's CTRL_CMD_GETPOLICY uses too.
//
// # Testing with nltest
//
// Package nltest is an in-memory fake of the kernel side of netlink that
// drives a real *Conn through the Socket seam (NewConn), so code built on
// this package can be unit-tested without root, without a kernel, on any
// platform. nltest.Dial answers requests with a function; an
// nltest.Kernel registers families with input handlers, dials any number
// of Conns with their own port IDs, multicasts, records every datagram,
// and injects faults: overruns, truncation, interrupted dumps, forged
// senders, malformed datagrams.
package netlink
