package netlink

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultMaxMessageSize is the largest datagram a Conn receives when
// Config.MaxMessageSize is zero.
const DefaultMaxMessageSize = 1 << 20

// A Config configures Dial. A nil *Config means every default.
type Config struct {
	// PID is the port ID to bind. Default 0: the kernel assigns a unique
	// one. The seeds' schemes (getpid(), or pthread_self()<<16|getpid())
	// work; a port already bound by another socket of the same family fails
	// Dial with EADDRINUSE.
	PID uint32

	// Groups is the legacy multicast bind mask (sockaddr_nl.nl_groups):
	// bit n-1 subscribes to group n, for groups 1..32 only. Use GroupMask
	// to build it, or JoinGroup for any group. Default 0: none. Families
	// without NL_CFG_F_NONROOT_RECV need CAP_NET_ADMIN, else Dial fails
	// with EPERM.
	Groups uint32

	// NetNS is a file descriptor of a network namespace (see OpenNetNS)
	// to create the socket in. Default 0: the caller's namespace. Needs
	// CAP_SYS_ADMIN, else Dial fails with EPERM. No thread of the caller
	// ever changes namespace: the socket is created on a dedicated locked
	// thread.
	NetNS int

	// Strict turns on extended acknowledgements (NETLINK_EXT_ACK) and
	// strict request checking (NETLINK_GET_STRICT_CHK). Default off. Dial
	// fails with an error matching ErrNotSupported on kernels without them
	// (before 4.12 and 4.20 respectively).
	Strict bool

	// Peer is the port ID Send and Execute address and the only source
	// Execute accepts replies from. Default 0: the kernel. Set it to a
	// user-space server's port for request/reply IPC.
	Peer uint32

	// MaxMessageSize is the largest datagram the Conn accepts. Default
	// DefaultMaxMessageSize. A larger datagram is drained from the socket:
	// the exchange it answers fails with an error matching ErrTruncated
	// and ErrTooLarge, and Receive reports one that answers nothing. A
	// Conn holds a receive buffer only while it reads or keeps replies;
	// buffers are shared by all Conns, and their pages are only touched as
	// large datagrams arrive.
	MaxMessageSize int

	// Tap, if set, observes every datagram the Conn sends and receives
	// (see Tap). Default nil: nothing is observed, at no cost.
	Tap Tap
}

// Addr is a netlink socket address (struct sockaddr_nl).
type Addr struct {
	// PID is the port ID (nl_pid); 0 is the kernel.
	PID uint32
	// Groups is a legacy multicast group mask (nl_groups).
	Groups uint32
}

// Network returns "netlink".
func (a Addr) Network() string { return "netlink" }

// String formats a as "pid/groups-mask".
func (a Addr) String() string {
	return strconv.FormatUint(uint64(a.PID), 10) + "/0x" + strconv.FormatUint(uint64(a.Groups), 16)
}

// Source says where a received datagram came from.
type Source struct {
	// PID is the sending port; 0 for the kernel.
	PID uint32
	// Group is the multicast group the datagram was sent to, or 0 for a
	// unicast. Groups above 32 are reported only when NETLINK_PKTINFO is
	// on (JoinGroup turns it on for such groups).
	Group uint32
	// NSID is the id, in the receiving namespace, of the namespace the
	// datagram came from; valid when HasNSID, which needs the option
	// ListenAllNSID.
	NSID    int32
	HasNSID bool
}

// A Socket is the transport under a Conn. Dial opens one over AF_NETLINK
// and NewConn wraps any other implementation. It is exported for package
// nltest, whose in-memory fake kernel drives a real Conn, and for wrappers
// that observe traffic; programs that only talk to the kernel never need
// it. A Conn calls Receive and Wait from one goroutine at a time, and Send
// from any number at once; Close must unblock them all.
type Socket interface {
	// Send writes b as one datagram to the address to. It is safe for
	// concurrent use.
	Send(b []byte, to Addr) error
	// Receive reads one queued datagram into b and says where it came
	// from, without waiting: when none is queued it returns ErrWouldBlock.
	// n is the datagram's full length: when it exceeds len(b), the
	// datagram did not fit and was consumed anyway, as with MSG_TRUNC. An
	// expired read deadline fails it even with data queued, and an overrun
	// (an error matching ErrOverrun) is reported before queued data.
	Receive(b []byte) (n int, src Source, err error)
	// Wait blocks until Receive may have something to return: a datagram
	// or an error. It returns early at the read deadline, with an error
	// matching os.ErrDeadlineExceeded, and on Close. The Conn calls it only
	// after Receive returned ErrWouldBlock, and calls Receive again after
	// it, so a spurious return is harmless. It may return an overrun, like
	// Receive, if it finds one pending.
	Wait() error
	// PID returns the port ID the socket is bound to.
	PID() uint32
	// Close closes the socket and unblocks Send and Receive.
	Close() error
	// SetReadDeadline and SetWriteDeadline bound blocked calls, which then
	// fail with an error matching os.ErrDeadlineExceeded.
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	// SetOption and Option set and read a boolean socket option.
	SetOption(o Option, on bool) error
	Option(o Option) (bool, error)
	// JoinGroup, LeaveGroup and Groups manage multicast memberships.
	JoinGroup(group uint32) error
	LeaveGroup(group uint32) error
	Groups() ([]uint32, error)
	// SetReadBuffer and SetWriteBuffer size the socket's queues.
	SetReadBuffer(bytes int) error
	SetWriteBuffer(bytes int) error
	// SetBPF and RemoveBPF attach and detach a classic BPF filter.
	SetBPF(prog []BPFInstruction) error
	RemoveBPF() error
	// SyscallConn exposes the file descriptor, if there is one; otherwise
	// it returns an error matching ErrNotSupported.
	SyscallConn() (syscall.RawConn, error)
}

// A Conn is a netlink socket.
//
// Concurrency: all methods are safe for concurrent use, and one Conn
// carries any number of requests and a stream of notifications at once.
// Concurrent Execute calls run side by side, each getting exactly the
// replies to its own request; none waits for another's replies. Every
// datagram the Conn reads is routed by whoever reads it: a reply to the
// exchange waiting for its sequence number; a datagram sent to a
// multicast group, anything from a port other than the peer, and every
// message no exchange waits for (a notification, a reply to Send) to
// Receive, in order; replies to exchanges that gave up are dropped. So
// Receive and Execute never wait for each other, a notification that
// arrives during an exchange reaches Receive, and an exchange's reply
// never does. Dumps to the kernel take turns, since the kernel runs one
// per socket: a dump waits for the one before it, instead of failing with
// EBUSY. The functions given to ExecuteEach and ReceiveEach may call the
// Conn, Execute included. Close may be called at any time, never waits,
// and unblocks every blocked call.
type Conn struct {
	s       Socket
	family  int
	peer    uint32
	maxSize int
	seq     atomic.Uint32
	closed  atomic.Bool
	tap     Tap

	rs readSide
	// own is the Conn's own exchange, which whoever sets ownBusy uses: a
	// lone caller takes it without a lock.
	own     *exchange
	ownBusy atomic.Bool

	dlMu      sync.Mutex
	readDline time.Time
}

// Dial opens a netlink socket for the protocol family (NETLINK_ROUTE,
// NETLINK_GENERIC, a kernel module's own number, ...). A nil config means
// the defaults. On platforms other than Linux it fails with an error
// matching ErrNotSupported.
func Dial(family int, config *Config) (*Conn, error) {
	var cfg Config
	if config != nil {
		cfg = *config
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	s, err := dial(family, &cfg)
	if err != nil {
		return nil, err
	}
	return newConn(s, family, &cfg), nil
}

// NewConn returns a Conn that drives s, a Socket of protocol family. Of the
// config, only Peer, MaxMessageSize and Tap apply: the others are for Dial,
// which makes the socket. A nil config means the defaults. See Socket.
func NewConn(s Socket, family int, config *Config) *Conn {
	var cfg Config
	if config != nil {
		cfg = *config
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	return newConn(s, family, &cfg)
}

func newConn(s Socket, family int, cfg *Config) *Conn {
	c := &Conn{s: s, family: family, peer: cfg.Peer, maxSize: cfg.MaxMessageSize, tap: cfg.Tap}
	c.seq.Store(rand.Uint32())
	return c
}

// PID returns the port ID the socket is bound to.
func (c *Conn) PID() uint32 { return c.s.PID() }

// Family returns the protocol family the Conn was dialled with.
func (c *Conn) Family() int { return c.family }

// Close closes the socket. It is idempotent, never blocks, and unblocks
// every blocked call, which then returns an error matching net.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	err := c.s.Close()
	c.rs.mu.Lock()
	c.rs.lockedWakeAll()
	c.rs.mu.Unlock()
	if err != nil {
		return &OpError{Op: "close", Err: err}
	}
	return nil
}

// opError wraps err for op, reporting net.ErrClosed once the Conn is closed.
func (c *Conn) opError(op string, err error) error {
	if c.closed.Load() {
		return &OpError{Op: op, Err: net.ErrClosed}
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Op: op, Err: err}
}

// nextSeq returns a fresh sequence number, never 0.
func (c *Conn) nextSeq() uint32 {
	for {
		if s := c.seq.Add(1); s != 0 {
			return s
		}
	}
}

// fill completes a header for sending: a fresh Sequence when it is 0, and
// the Conn's port when PID is 0.
func (c *Conn) fill(h *Header) {
	if h.Sequence == 0 {
		h.Sequence = c.nextSeq()
	}
	if h.PID == 0 {
		h.PID = c.s.PID()
	}
}

// SetDeadline sets the read and write deadlines. A zero time means none.
// Calls blocked past a deadline fail with an error matching
// os.ErrDeadlineExceeded.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for Receive and Execute's reads: a
// call blocked past it fails, and so does every call waiting for a reply
// or a datagram once the deadline has passed.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.readDline = t
	if err := c.s.SetReadDeadline(t); err != nil {
		return c.opError("set read deadline", err)
	}
	return nil
}

// SetWriteDeadline sets the deadline for sends.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.s.SetWriteDeadline(t); err != nil {
		return c.opError("set write deadline", err)
	}
	return nil
}

// SyscallConn gives access to the raw socket, for options this package
// does not wrap. Turn on NETLINK_PKTINFO and NETLINK_LISTEN_ALL_NSID with
// SetOption, not through the raw socket: the Conn reads control messages
// only once it knows they may come. The RawConn's Read and Write wait
// through the runtime poller, registering the socket with it if nothing
// has yet (see Performance in the package documentation).
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	rc, err := c.s.SyscallConn()
	if err != nil {
		return nil, c.opError("syscall conn", err)
	}
	return rc, nil
}
