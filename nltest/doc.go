// Package nltest is an in-memory fake of the Linux kernel's netlink, for
// testing code built on package netlink without root, without a kernel,
// on any platform. It drives the real *netlink.Conn through the
// netlink.Socket seam, so the Conn's framing, sequence checks, multipart
// assembly, acknowledgement and error handling all run under test.
//
// # The simple path
//
// Dial returns a Conn whose requests a Func answers:
//
//	c := nltest.Dial(func(req []netlink.Message) ([]netlink.Message, error) {
//		return nltest.Multipart(links(req[0])), nil
//	})
//
// Multipart ends a reply with NLMSG_DONE, Error builds the kernel's
// NLMSG_ERROR for a request, and CheckRequest asserts on what was sent.
//
// # The fake kernel
//
// A Kernel models the kernel side as netlink_kernel_create,
// netlink_unicast and netlink_broadcast present it. Register gives a
// protocol family an input Handler; Kernel.Dial opens any number of Conns
// on a family, each bound to its own port ID. A Handler sees each request
// with its sender's port (Request.Port, the kernel's NETLINK_CB(skb).portid)
// and answers with replies, a dump, an error with extended ack, or an
// acknowledgement. Conns reach each other by port ID and through multicast
// groups, above 32 included; the test itself sends as the kernel with
// Unicast and Broadcast.
//
// Where the kernel's behaviour is visible to user space it is matched: the
// layout of NLMSG_ERROR (the echoed request, capped with
// netlink.CapAcknowledge or on success; extended-ack TLVs in the kernel's
// order with netlink.ExtendedAcknowledge, warnings included) and of
// NLMSG_DONE (an error code, and the same TLVs); NLM_F_MULTI on every dump
// message; replies carrying the request's sequence number and the
// requester's port; dumps sent a datagram at a time as the reader reads,
// and EBUSY for a second dump on a socket while one is in progress;
// multicast excluding the sender, Source.Group reported for groups above
// 32 only with netlink.PacketInfo on; socket options, memberships,
// deadlines, Close unblocking a blocked call, a receive queue with a byte
// limit whose overrun is reported once as ENOBUFS (unless
// netlink.NoENOBUFS), then recovers as the queue drains; classic BPF
// filters.
//
// # Faults
//
// Each fault is one line in a test: InjectOverrun, TruncateNext, InjectRaw
// (malformed bytes straight to the reader, from any source), Forge (a
// message from a forged source port, even the kernel's),
// InjectOverrunMessage (NLMSG_OVERRUN), InjectError, and the dump options
// DumpInterruptedAt (NLM_F_DUMP_INTR), SplitAfter and RandomSplit
// (datagram boundaries) and DumpError.
//
// # Recording
//
// After Record, the Kernel keeps every datagram it carries, in both
// directions, with its source and destination (Datagrams). Format prints
// them with headers decoded and payloads in hex, and Diff compares two
// lists in the (-want +got) style.
//
// # Differences from the kernel
//
// The queue limit counts datagram lengths, where the kernel counts the
// memory each datagram takes, overhead included: a fake socket holds more
// small datagrams than a real one with the same buffer size. Assigned
// port IDs count down from 0xfffff000 (the kernel first tries the
// process ID). There are no network namespaces (Config.NetNS is ignored,
// Source.NSID never set) and no permissions: every socket may send to
// ports and groups and join any group the family has. Ancillary BPF loads
// are not supported.
package nltest
