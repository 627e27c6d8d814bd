package nltest

import (
	"slices"

	"github.com/nlgo/netlink"
)

// Faults. Each one acts on the socket under a Conn dialled on the Kernel,
// takes one line in a test, and panics if the Conn was dialled elsewhere.
// On a closed Conn they do nothing.

// InjectOverrun acts as if the kernel had just dropped a datagram for c
// because its receive queue was full (netlink_overrun): unless c has
// netlink.NoENOBUFS on, its next Receive fails once with an error
// matching netlink.ErrOverrun and syscall.ENOBUFS, and datagrams for it
// are dropped until it has drained its queue; then it recovers.
func (k *Kernel) InjectOverrun(c *netlink.Conn) {
	k.onSocket(c, func(s *socket) { s.lockedOverrun() })
}

// TruncateNext makes the next datagram that c receives arrive truncated,
// as one larger than the reader's buffer does (MSG_TRUNC): the reader
// gets what fits and a length larger than its buffer, and the Conn
// reports an error matching netlink.ErrTruncated and drops the datagram.
// The length reported is the datagram's own, or the buffer's plus one
// when the datagram would have fitted.
func (k *Kernel) TruncateNext(c *netlink.Conn) {
	k.onSocket(c, func(s *socket) { s.truncate++ })
}

// InjectRaw hands b to c's reader as the next datagram after those
// queued, exactly as given, as if it came from src: src.PID is the
// sending port (0 pretends to be the kernel) and src.Group the
// destination group. It bypasses the queue limit and the BPF filter, so
// malformed bytes reach the parser.
func (k *Kernel) InjectRaw(c *netlink.Conn, src netlink.Source, b []byte) {
	b = slices.Clone(b)
	k.onSocket(c, func(s *socket) {
		k.lockedRecord(src.PID, s.port, src.Group, b)
		s.lockedEnqueue(datagram{b: b, src: src.PID, group: src.Group})
	})
}

// Forge queues msgs for c as one datagram from port from, which need not
// exist: from 0 forges a datagram from the kernel, which no real process
// can do, and from the Conn's peer a reply from it. Headers are sent as
// given, except Length.
func (k *Kernel) Forge(c *netlink.Conn, from uint32, msgs ...netlink.Message) {
	b, err := encode(msgs)
	if err != nil {
		panic("nltest: Forge: " + err.Error())
	}
	k.InjectRaw(c, netlink.Source{PID: from}, b)
}

// InjectOverrunMessage queues an NLMSG_OVERRUN message from the kernel
// for c, with sequence number seq. The kernel defines the type but never
// sends it; user-space peers may.
func (k *Kernel) InjectOverrunMessage(c *netlink.Conn, seq uint32) {
	k.Forge(c, 0, netlink.Message{Header: netlink.Header{Type: netlink.Overrun, Sequence: seq, PID: c.PID()}})
}

// InjectError makes c's Receive fail with err once, after the datagrams
// already queued: a failure of the socket itself.
func (k *Kernel) InjectError(c *netlink.Conn, err error) {
	k.onSocket(c, func(s *socket) { s.lockedEnqueue(datagram{err: err}) })
}

// onSocket runs fn under the lock on c's socket, unless it is closed.
func (k *Kernel) onSocket(c *netlink.Conn, fn func(s *socket)) {
	s := k.socketOf(c)
	k.mu.Lock()
	defer k.mu.Unlock()
	if !s.closed {
		fn(s)
	}
}
