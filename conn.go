package netlink

import (
	"context"
	"errors"
	"fmt"
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

// maxBacklog bounds the datagrams Execute sets aside for Receive.
const maxBacklog = 1024

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

	// MaxMessageSize is the largest datagram Receive accepts. Default
	// DefaultMaxMessageSize. A larger datagram is drained from the socket
	// and Receive returns an error matching ErrTruncated and ErrTooLarge.
	// The receive buffer is allocated once at this size; its pages are
	// only touched as large datagrams arrive.
	MaxMessageSize int
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
// it. A Socket must be safe for concurrent use by one reader and one
// writer, and Close must unblock both.
type Socket interface {
	// Send writes b as one datagram to the address to.
	Send(b []byte, to Addr) error
	// Receive reads one datagram into b and says where it came from. n is
	// the datagram's full length: when it exceeds len(b), the datagram did
	// not fit and was consumed anyway, as with MSG_TRUNC.
	Receive(b []byte) (n int, src Source, err error)
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
// Concurrency: all methods are safe for concurrent use. Send and Receive do
// not block each other. Execute runs one exchange at a time: concurrent
// calls queue, and each gets exactly the replies to its own request. While
// an exchange runs, datagrams that are not part of it (multicast, kernel
// notifications, other ports) are set aside for Receive; replies to earlier,
// abandoned requests are dropped. A Receive blocked on the socket holds the
// read side, so an Execute issued meanwhile waits for it: use one Conn for
// requests and another for notifications when both happen at once. Close
// may be called at any time, never waits, and unblocks every blocked call.
type Conn struct {
	s       Socket
	family  int
	peer    uint32
	maxSize int
	seq     atomic.Uint32
	seqBase uint32
	closed  atomic.Bool

	execMu sync.Mutex // one exchange at a time

	wmu  sync.Mutex
	wbuf []byte

	rmu       sync.Mutex
	rbuf      []byte
	backlog   []pending
	dropped   bool // the backlog overflowed since the last Receive
	dlMu      sync.Mutex
	readDline time.Time
}

// pending is a datagram Execute set aside for Receive.
type pending struct {
	b   []byte
	src Source
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
// config, only Peer and MaxMessageSize apply: the others are for Dial,
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
	c := &Conn{s: s, family: family, peer: cfg.Peer, maxSize: cfg.MaxMessageSize}
	c.seqBase = rand.Uint32()
	c.seq.Store(c.seqBase)
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
	if err := c.s.Close(); err != nil {
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

// issued reports whether seq is one this Conn has handed out.
func (c *Conn) issued(seq uint32) bool {
	return seq != 0 && seq-c.seqBase <= c.seq.Load()-c.seqBase
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

// Send sends m to the Conn's peer (the kernel unless Config.Peer says
// otherwise). It fills in Length, a Sequence when m's is 0, and the PID
// when m's is 0, and returns the message as sent.
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
	out := append([]Message(nil), msgs...)
	if err := c.send(out, Addr{PID: c.peer}); err != nil {
		return nil, err
	}
	return out, nil
}

// send fills and encodes msgs in place into the reused write buffer and
// sends them as one datagram.
func (c *Conn) send(msgs []Message, to Addr) error {
	if c.closed.Load() {
		return &OpError{Op: "send", Err: net.ErrClosed}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.wbuf[:0]
	for i := range msgs {
		c.fill(&msgs[i].Header)
		msgs[i].Header.Length = uint32(MessageLen(len(msgs[i].Data)))
		var err error
		if b, err = msgs[i].AppendBinary(b); err != nil {
			return &OpError{Op: "send", Err: err}
		}
	}
	c.wbuf = b
	if err := c.s.Send(b, to); err != nil {
		return c.opError("send", err)
	}
	return nil
}

// Receive reads one datagram and returns its messages. The messages are
// returned as they are, errors and acknowledgements included (see
// CheckMessage). Their Data is the Conn's copy and is never reused.
func (c *Conn) Receive() ([]Message, error) {
	msgs, _, err := c.ReceiveFrom()
	return msgs, err
}

// ReceiveFrom is Receive that also says where the datagram came from.
func (c *Conn) ReceiveFrom() ([]Message, Source, error) {
	return c.ReceiveContext(context.Background())
}

// ReceiveContext is ReceiveFrom that gives up when ctx is done, returning
// an error matching ctx.Err().
func (c *Conn) ReceiveContext(ctx context.Context) ([]Message, Source, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return nil, Source{}, &OpError{Op: "receive", Err: net.ErrClosed}
	}
	if err := c.lockedBacklogError(); err != nil {
		return nil, Source{}, err
	}
	if len(c.backlog) > 0 {
		p := c.backlog[0]
		c.backlog[0] = pending{}
		c.backlog = c.backlog[1:]
		msgs, err := ParseMessages(p.b)
		return msgs, p.src, c.wrapParse(err)
	}
	stop := c.watch(ctx)
	n, src, err := c.lockedRead()
	if err = stop(err); err != nil {
		return nil, Source{}, err
	}
	b := make([]byte, n)
	copy(b, c.rbuf)
	msgs, err := ParseMessages(b)
	return msgs, src, c.wrapParse(err)
}

// ReceiveEach reads one datagram and calls fn with each of its messages in
// turn until fn returns false. It allocates nothing: m.Data aliases the
// Conn's receive buffer and is valid only until fn returns. A malformed
// message ends the datagram with an error after fn has seen the ones
// before it. fn is fastest as a closure (see Performance in the package
// documentation).
func (c *Conn) ReceiveEach(fn func(m Message, src Source) bool) error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return &OpError{Op: "receive", Err: net.ErrClosed}
	}
	if err := c.lockedBacklogError(); err != nil {
		return err
	}
	var b []byte
	var src Source
	if len(c.backlog) > 0 {
		b, src = c.backlog[0].b, c.backlog[0].src
		c.backlog[0] = pending{}
		c.backlog = c.backlog[1:]
	} else {
		n, s, err := c.lockedRead()
		if err != nil {
			return err
		}
		b, src = c.rbuf[:n], s
	}
	for m, err := range Messages(b) {
		if err != nil {
			return c.wrapParse(err)
		}
		if !fn(m, src) {
			break
		}
	}
	return nil
}

func (c *Conn) wrapParse(err error) error {
	if err == nil {
		return nil
	}
	return &OpError{Op: "receive", Err: err}
}

// lockedBacklogError reports, once, that Execute had to drop datagrams it
// set aside for Receive.
func (c *Conn) lockedBacklogError() error {
	if !c.dropped {
		return nil
	}
	c.dropped = false
	return &OpError{Op: "receive", Err: overrunf("datagrams set aside during Execute were dropped")}
}

// lockedRead reads one datagram into the start of the receive buffer. It
// reports a datagram larger than the buffer, which the read drained, as an
// error.
func (c *Conn) lockedRead() (int, Source, error) { return c.lockedReadAt(0) }

// lockedReadAt reads one datagram into the receive buffer at off, first
// growing the buffer, and keeping its first off bytes, so that a datagram
// of up to maxSize bytes and its padding fit there. Execute reads each
// datagram right after the replies it has kept so far, so that the replies
// of a dump end up back to back without being copied one by one. The
// buffer keeps the size of the largest exchange.
func (c *Conn) lockedReadAt(off int) (int, Source, error) {
	if c.closed.Load() {
		return 0, Source{}, &OpError{Op: "receive", Err: net.ErrClosed}
	}
	if need := off + c.maxSize + Alignment; len(c.rbuf) < need {
		b := make([]byte, max(need, 2*len(c.rbuf)))
		copy(b, c.rbuf[:off])
		c.rbuf = b
	}
	n, src, err := c.s.Receive(c.rbuf[off : off+c.maxSize])
	if err != nil {
		return 0, src, c.opError("receive", err)
	}
	if n > c.maxSize {
		return 0, src, &OpError{Op: "receive", Err: fmt.Errorf("%w (%w): datagram of %d bytes from port %d exceeds the %d-byte limit",
			ErrTruncated, ErrTooLarge, n, src.PID, c.maxSize)}
	}
	return n, src, nil
}

// lockedSetAside keeps a datagram that arrived during an exchange for a
// later Receive.
func (c *Conn) lockedSetAside(b []byte, src Source) {
	if len(c.backlog) >= maxBacklog {
		c.dropped = true
		return
	}
	c.backlog = append(c.backlog, pending{b: append([]byte(nil), b...), src: src})
}

// watch applies ctx to the read side: its deadline, when earlier than the
// Conn's own, and its cancellation through an immediate deadline. The
// returned function undoes that, waiting for a cancellation already under
// way so that it cannot leave a stale deadline behind, and turns a timeout
// caused by ctx into an error matching ctx.Err().
func (c *Conn) watch(ctx context.Context) func(error) error {
	if ctx.Done() == nil {
		return func(err error) error { return err }
	}
	c.dlMu.Lock()
	own := c.readDline
	c.dlMu.Unlock()
	if dl, ok := ctx.Deadline(); ok && (own.IsZero() || dl.Before(own)) {
		_ = c.s.SetReadDeadline(dl)
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = c.s.SetReadDeadline(time.Unix(1, 0))
	})
	return func(err error) error {
		if !stop() {
			<-fired
		}
		c.dlMu.Lock()
		_ = c.s.SetReadDeadline(c.readDline)
		c.dlMu.Unlock()
		if err == nil || c.closed.Load() {
			return err
		}
		if cerr := contextError(ctx); cerr != nil {
			return &OpError{Op: "receive", Err: cerr}
		}
		return err
	}
}

// contextError is ctx.Err(), or DeadlineExceeded as soon as the deadline
// has passed, before ctx's own timer has fired.
func contextError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
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

// SetReadDeadline sets the deadline for Receive and Execute's reads.
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
