package nltest

import (
	"fmt"
	"math/bits"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/nlgo/netlink"
)

var _ netlink.Socket = (*socket)(nil)

// Default and minimum buffer sizes, as on Linux (net.core.rmem_default,
// wmem_default, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF on 64-bit machines).
const (
	defaultBuffer = 212992
	minRcvbuf     = 2304
	minSndbuf     = 4608
)

// maxDumpBudget caps the bytes of one dump datagram, like the kernel's cap
// of max_recvmsg_len at 32 KiB.
const maxDumpBudget = 32768

// datagram is one entry of a receive queue: a datagram, or an error that
// the next Receive returns instead.
type datagram struct {
	b     []byte
	src   uint32 // the sending port; 0 is the kernel
	group uint32 // the destination group; 0 for a unicast
	err   error
}

// socket is the in-memory netlink socket under a Conn dialled on a Kernel.
// Everything but the constant fields is guarded by k.mu.
type socket struct {
	k    *Kernel
	fam  *family
	port uint32
	conn *netlink.Conn
	done chan struct{} // closed by Close

	queue     []datagram
	queued    int  // bytes in queue
	rcvbuf    int  // queue limit in bytes (sk_rcvbuf)
	sndbuf    int  // send limit (sk_sndbuf)
	errNOBUFS bool // an overrun to report (sk_err = ENOBUFS)
	congested bool // NETLINK_S_CONGESTED: drop until the queue drains
	truncate  int  // datagrams to report as truncated
	maxRecv   int  // the largest Receive buffer so far (max_recvmsg_len)
	options   map[netlink.Option]bool
	groups    map[uint32]bool
	bpf       []netlink.BPFInstruction
	dump      *dump
	readDL    time.Time
	writeDL   time.Time
	changed   chan struct{} // closed and replaced on every change
	closed    bool
}

func newSocket(k *Kernel, f *family, port uint32, maxSize int) *socket {
	return &socket{
		k: k, fam: f, port: port,
		done:    make(chan struct{}),
		rcvbuf:  defaultBuffer,
		sndbuf:  defaultBuffer,
		maxRecv: min(maxSize, maxDumpBudget),
		options: make(map[netlink.Option]bool),
		groups:  make(map[uint32]bool),
		changed: make(chan struct{}),
	}
}

// lockedNotify wakes everyone waiting on s: readers, and writers waiting
// for room in its queue.
func (s *socket) lockedNotify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// lockedFits reports whether a datagram of n bytes may be queued now, by
// the rule of netlink_attachskb: an empty queue takes anything, otherwise
// the queue must stay within its limit, and never while congested.
func (s *socket) lockedFits(n int) bool {
	return !s.congested && (s.queued == 0 || s.queued+n <= s.rcvbuf)
}

// lockedOverrun records a datagram lost for lack of room, like
// netlink_overrun: unless NoENOBUFS is on, the socket is congested until
// its queue drains and its next Receive fails with ENOBUFS.
func (s *socket) lockedOverrun() {
	if s.options[netlink.NoENOBUFS] || s.congested {
		return
	}
	s.congested = true
	s.errNOBUFS = true
	s.lockedNotify()
}

// lockedDeliver queues a datagram from the kernel or a multicast, which
// never waits: it reports false, after recording an overrun, when the
// queue has no room. A datagram the BPF filter drops counts as delivered,
// as in the kernel.
func (s *socket) lockedDeliver(d datagram) bool {
	if s.closed {
		return false
	}
	var keep bool
	if d.b, keep = s.lockedFilter(d.b); !keep {
		return true
	}
	if !s.lockedFits(len(d.b)) {
		s.lockedOverrun()
		return false
	}
	s.lockedEnqueue(d)
	return true
}

// lockedEnqueue appends d to the queue, whatever its length.
func (s *socket) lockedEnqueue(d datagram) {
	s.queue = append(s.queue, d)
	s.queued += len(d.b)
	s.lockedNotify()
}

// lockedFilter runs the attached BPF program over b and returns what is
// left of it: the program may drop it or cut it short.
func (s *socket) lockedFilter(b []byte) ([]byte, bool) {
	if s.bpf == nil {
		return b, true
	}
	n := runBPF(s.bpf, b)
	if n == 0 {
		return nil, false
	}
	if int64(n) < int64(len(b)) {
		b = b[:n]
	}
	return b, true
}

func (s *socket) PID() uint32 { return s.port }

// Receive takes the next datagram off the queue without waiting for one:
// with nothing queued it returns netlink.ErrWouldBlock. Like a socket on
// the runtime poller, an expired deadline wins over queued data; like
// recvmsg, a pending overrun is reported before queued data.
func (s *socket) Receive(b []byte) (int, netlink.Source, error) {
	k := s.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := s.lockedReadCheck(); err != nil {
		return 0, netlink.Source{}, err
	}
	s.maxRecv = max(s.maxRecv, min(len(b), maxDumpBudget))
	if s.errNOBUFS {
		s.errNOBUFS = false
		s.lockedDrained()
		return 0, netlink.Source{}, overrunError{os.NewSyscallError(s.lockedRecvCall(), syscall.ENOBUFS)}
	}
	if len(s.queue) == 0 {
		return 0, netlink.Source{}, netlink.ErrWouldBlock
	}
	return s.lockedReceive(b)
}

// lockedRecvCall names the system call a real Conn reads with: recvmsg
// once an option that brings control messages is on, recvfrom before.
func (s *socket) lockedRecvCall() string {
	if s.options[netlink.PacketInfo] || s.options[netlink.ListenAllNSID] {
		return "recvmsg"
	}
	return "recvfrom"
}

// lockedReadCheck fails a read on a closed socket or past the read
// deadline.
func (s *socket) lockedReadCheck() error {
	if s.closed {
		return os.ErrClosed
	}
	if !s.readDL.IsZero() && !time.Now().Before(s.readDL) {
		return os.ErrDeadlineExceeded
	}
	return nil
}

// Wait blocks until a datagram or an overrun is there for Receive, the
// read deadline passes, or the socket is closed.
func (s *socket) Wait() error {
	k := s.k
	for {
		k.mu.Lock()
		if err := s.lockedReadCheck(); err != nil {
			k.mu.Unlock()
			return err
		}
		if s.errNOBUFS || len(s.queue) > 0 {
			k.mu.Unlock()
			return nil
		}
		changed, dl := s.changed, s.readDL
		k.mu.Unlock()
		wait(dl, changed, s.done, nil)
	}
}

// lockedReceive dequeues one datagram into b, continues a dump in
// progress, like netlink_recvmsg, and returns the datagram's full length.
func (s *socket) lockedReceive(b []byte) (int, netlink.Source, error) {
	d := s.queue[0]
	s.queue[0] = datagram{}
	s.queue = s.queue[1:]
	s.queued -= len(d.b)
	if d.err != nil {
		s.lockedDrained()
		return 0, netlink.Source{}, d.err
	}
	copy(b, d.b)
	n := len(d.b)
	if s.truncate > 0 {
		s.truncate--
		n = max(n, len(b)+1)
	}
	src := netlink.Source{PID: d.src}
	if d.group <= 32 || s.options[netlink.PacketInfo] {
		src.Group = d.group
	}
	if s.dump != nil && s.queued <= s.rcvbuf/2 {
		if err := s.lockedContinueDump(); err != nil {
			s.errNOBUFS = true
		}
	}
	s.lockedDrained()
	return n, src, nil
}

// lockedDrained ends congestion once the queue is empty, like
// netlink_rcv_wake, and wakes writers waiting for room.
func (s *socket) lockedDrained() {
	if len(s.queue) == 0 {
		s.queue = nil
		s.congested = false
	}
	s.lockedNotify()
}

// wait blocks until a, b or c is closed, or until the deadline dl, if
// it is not zero. A nil channel never fires.
func wait(dl time.Time, a, b, c <-chan struct{}) {
	var timeout <-chan time.Time
	if !dl.IsZero() {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-a:
	case <-b:
	case <-c:
	case <-timeout:
	}
}

// Send sends b to the port to.PID, to the lowest group in to.Groups, or
// both, as netlink_sendmsg does. A send to port 0 runs the family's
// handler before it returns. A unicast to a user port whose queue is full
// waits for room, until the write deadline.
func (s *socket) Send(b []byte, to netlink.Addr) error {
	b = slices.Clone(b)
	k := s.k
	k.mu.Lock()
	if err := s.lockedSendCheck(len(b)); err != nil {
		k.mu.Unlock()
		return err
	}
	var group uint32
	if to.Groups != 0 {
		group = uint32(bits.TrailingZeros32(to.Groups)) + 1
	}
	k.lockedRecord(s.port, to.PID, group, b)
	if group != 0 {
		s.fam.lockedBroadcast(s, to.PID, group, datagram{b: b, src: s.port, group: group})
	}
	if to.PID != 0 {
		k.mu.Unlock()
		return s.sendUser(to.PID, b)
	}
	if s.fam.handler == nil && s.fam.fn == nil {
		k.mu.Unlock()
		return os.NewSyscallError("sendto", syscall.ECONNREFUSED)
	}
	k.mu.Unlock()
	k.input(s, b)
	return nil
}

// lockedSendCheck fails a send that cannot start: a closed socket, an
// expired write deadline, a datagram over the send buffer.
func (s *socket) lockedSendCheck(n int) error {
	switch {
	case s.closed:
		return os.ErrClosed
	case !s.writeDL.IsZero() && !time.Now().Before(s.writeDL):
		return os.ErrDeadlineExceeded
	case n > s.sndbuf-32:
		return os.NewSyscallError("sendto", syscall.EMSGSIZE)
	}
	return nil
}

// sendUser unicasts b to another user port, waiting while its queue is
// full, as a blocking netlink_unicast does.
func (s *socket) sendUser(port uint32, b []byte) error {
	k := s.k
	for {
		k.mu.Lock()
		if s.closed {
			k.mu.Unlock()
			return os.ErrClosed
		}
		dst := s.fam.ports[port]
		if dst == nil {
			k.mu.Unlock()
			return os.NewSyscallError("sendto", syscall.ECONNREFUSED)
		}
		fb, keep := dst.lockedFilter(b)
		if !keep {
			k.mu.Unlock()
			return nil
		}
		if dst.lockedFits(len(fb)) {
			dst.lockedEnqueue(datagram{b: fb, src: s.port})
			k.mu.Unlock()
			return nil
		}
		if !s.writeDL.IsZero() && !time.Now().Before(s.writeDL) {
			k.mu.Unlock()
			return os.ErrDeadlineExceeded
		}
		theirs, ours, dl := dst.changed, s.changed, s.writeDL
		k.mu.Unlock()
		wait(dl, theirs, ours, s.done)
	}
}

// Close closes the socket: it unbinds the port, drops the queue and any
// dump in progress, and unblocks Receive and Send.
func (s *socket) Close() error {
	k := s.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	s.closed = true
	close(s.done)
	if s.fam.ports[s.port] == s {
		delete(s.fam.ports, s.port)
	}
	s.queue, s.queued, s.dump = nil, 0, nil
	s.lockedNotify()
	return nil
}

// locked runs fn under the kernel's lock, failing if s is closed.
func (s *socket) locked(fn func() error) error {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	return fn()
}

func (s *socket) SetReadDeadline(t time.Time) error {
	return s.locked(func() error {
		s.readDL = t
		s.lockedNotify()
		return nil
	})
}

func (s *socket) SetWriteDeadline(t time.Time) error {
	return s.locked(func() error {
		s.writeDL = t
		s.lockedNotify()
		return nil
	})
}

// knownOption reports whether o is a boolean option of SOL_NETLINK.
func knownOption(o netlink.Option) bool {
	switch o {
	case netlink.PacketInfo, netlink.BroadcastError, netlink.NoENOBUFS, netlink.ListenAllNSID,
		netlink.CapAcknowledge, netlink.ExtendedAcknowledge, netlink.GetStrictCheck:
		return true
	}
	return false
}

func (s *socket) SetOption(o netlink.Option, on bool) error {
	return s.locked(func() error {
		if !knownOption(o) {
			return os.NewSyscallError("setsockopt", syscall.ENOPROTOOPT)
		}
		s.options[o] = on
		return nil
	})
}

func (s *socket) Option(o netlink.Option) (bool, error) {
	var on bool
	err := s.locked(func() error {
		if !knownOption(o) {
			return os.NewSyscallError("getsockopt", syscall.ENOPROTOOPT)
		}
		on = s.options[o]
		return nil
	})
	return on, err
}

func (s *socket) JoinGroup(g uint32) error  { return s.setGroup(g, true) }
func (s *socket) LeaveGroup(g uint32) error { return s.setGroup(g, false) }

// setGroup joins or leaves g, which must be one of the family's groups.
func (s *socket) setGroup(g uint32, on bool) error {
	return s.locked(func() error {
		if g == 0 || g > s.fam.ngroups {
			return os.NewSyscallError("setsockopt", syscall.EINVAL)
		}
		if on {
			s.groups[g] = true
		} else {
			delete(s.groups, g)
		}
		return nil
	})
}

func (s *socket) Groups() ([]uint32, error) {
	var gs []uint32
	err := s.locked(func() error {
		for g := range s.groups {
			gs = append(gs, g)
		}
		slices.Sort(gs)
		return nil
	})
	return gs, err
}

// SetReadBuffer sets the queue limit to twice n, as setsockopt(SO_RCVBUF)
// does, with the kernel's minimum. The kernel counts the memory each
// datagram takes, overhead included; the fake counts datagram lengths, so
// it holds more small datagrams than the kernel would.
func (s *socket) SetReadBuffer(n int) error {
	return s.locked(func() error {
		s.rcvbuf = max(2*max(n, 0), minRcvbuf)
		s.lockedNotify()
		return nil
	})
}

// SetWriteBuffer sets the send limit to twice n, with the kernel's
// minimum; a datagram longer than the limit less 32 fails with EMSGSIZE.
func (s *socket) SetWriteBuffer(n int) error {
	return s.locked(func() error {
		s.sndbuf = max(2*max(n, 0), minSndbuf)
		return nil
	})
}

func (s *socket) SetBPF(prog []netlink.BPFInstruction) error {
	if err := checkBPF(prog); err != nil {
		return err
	}
	return s.locked(func() error {
		s.bpf = slices.Clone(prog)
		return nil
	})
}

func (s *socket) RemoveBPF() error {
	return s.locked(func() error {
		if s.bpf == nil {
			return os.NewSyscallError("setsockopt", syscall.ENOENT)
		}
		s.bpf = nil
		return nil
	})
}

// errNoFD is what SyscallConn returns: there is no file descriptor.
var errNoFD = fmt.Errorf("nltest: an in-memory socket has no file descriptor: %w", netlink.ErrNotSupported)

func (s *socket) SyscallConn() (syscall.RawConn, error) {
	if err := s.locked(func() error { return nil }); err != nil {
		return nil, err
	}
	return nil, errNoFD
}

// overrunError is a receive-queue overrun as the real socket reports it:
// it matches both netlink.ErrOverrun and the ENOBUFS system call error.
type overrunError struct{ err error }

func (e overrunError) Error() string   { return netlink.ErrOverrun.Error() + ": " + e.err.Error() }
func (e overrunError) Unwrap() []error { return []error{netlink.ErrOverrun, e.err} }
