//go:build linux

package netlink

import (
	"errors"
	"math"
	"math/bits"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

var _ Socket = (*sysSocket)(nil)

// sysSocket is an AF_NETLINK socket. Its read state is used by one reader
// at a time (the Conn's read side guarantees it); Send keeps its state on
// the stack and may run on any number of goroutines at once. The read
// functions are method values made once, so a read allocates nothing.
//
// The socket is non-blocking, and it is registered with the Go runtime
// poller only when something first has to wait for it: Wait, or a RawConn
// Read or Write. Until then reads are plain system calls; sends always
// are, since a send never waits for the socket (see Send). The reason is cost: the kernel wakes every thread
// blocked in epoll_wait on a registered socket each time a datagram is
// queued to it, and an idle Go runtime keeps a thread there whenever a
// timer is pending. A request to the kernel is answered before sendto
// returns, so a Conn used only for requests never waits and never pays
// for that wakeup: 5 to 20% of a one-reply request in the benchmarks.
// A Conn that listens registers on its first wait and stays registered.
type sysSocket struct {
	pid uint32

	// refs counts the uses of fd in flight outside the poller (system
	// calls before registration, Control, registering), twice over, with
	// bit 0 set once Close is called. Close never waits: it closes the
	// socket itself when no use is in flight, and otherwise the last use
	// to end does (see decref). No lock is held while fd is used, so a
	// Control function may call anything, Close included.
	refs atomic.Int64
	fd   int
	// rdl and wdl are the deadlines, in Unix nanoseconds (0: none). Reads
	// check rdl until registration, and the poller's deadline after it;
	// sends always check wdl.
	rdl, wdl atomic.Int64
	// mu serialises registration, deadline changes and the final close.
	mu     sync.Mutex
	f      *os.File // the registered socket, or nil: under mu
	rc     syscall.RawConn
	regErr error       // why f has no RawConn, if it has none
	polled atomic.Bool // f and rc are set
	// cleanup closes fd if the socket is dropped unclosed and unregistered,
	// as an os.File's finalizer does once it is registered.
	cleanup runtime.Cleanup

	// recvMu keeps each receive system call apart from the sendto of a
	// dump request. The kernel builds a dump's first datagram in the
	// sendto and queues it only after it lets go of the dump, and any
	// receive on the socket meanwhile may run the dump on to its end: its
	// NLMSG_DONE then overtakes the first datagram. (Seen with one
	// goroutine receiving while another sent dumps: the DONE ended the
	// exchange, and the first replies arrived after it.)
	recvMu sync.Mutex

	rmsg   unix.Msghdr
	riov   unix.Iovec
	rname  unix.RawSockaddrNetlink
	roob   [64]byte
	rn     int
	rerr   error
	readFn func(fd uintptr) bool
	// waitFn is Wait's function for the poller: a check on its first call,
	// true after it (waits is its call count, waitErr what the check found).
	waitFn  func(fd uintptr) bool
	waits   int
	waitErr error
	// wantCmsg is set once an option that makes the kernel send control
	// messages (PacketInfo, ListenAllNSID) is turned on; until then a read
	// is a recvfrom, which costs the kernel less than a recvmsg.
	wantCmsg atomic.Bool
	rnamelen uint32
}

// dial creates, configures and binds the socket.
func dial(family int, cfg *Config) (Socket, error) {
	fd, err := newSocket(family, cfg.NetNS)
	if err != nil {
		return nil, &OpError{Op: "dial", Err: err}
	}
	if err := configure(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, &OpError{Op: "dial", Err: err}
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, &OpError{Op: "dial", Err: os.NewSyscallError("getsockname", err)}
	}
	nsa, ok := sa.(*unix.SockaddrNetlink)
	if !ok {
		unix.Close(fd)
		return nil, &OpError{Op: "dial", Err: errors.New("getsockname returned a non-netlink address")}
	}
	s := &sysSocket{pid: nsa.Pid, fd: fd}
	s.cleanup = runtime.AddCleanup(s, func(fd int) { unix.Close(fd) }, fd)
	s.readFn = s.doRead
	s.waitFn = s.doWait
	s.rmsg.Name = (*byte)(unsafe.Pointer(&s.rname))
	s.rmsg.Iov = &s.riov
	s.rmsg.SetIovlen(1)
	return s, nil
}

// configure applies the Config's options and binds.
func configure(fd int, cfg *Config) error {
	if cfg.Strict {
		for _, o := range []Option{ExtendedAcknowledge, GetStrictCheck} {
			if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, int(o), 1); err != nil {
				if errors.Is(err, unix.ENOPROTOOPT) {
					return errors.Join(ErrNotSupported, os.NewSyscallError("setsockopt "+o.String(), err))
				}
				return os.NewSyscallError("setsockopt "+o.String(), err)
			}
		}
	}
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: cfg.PID, Groups: cfg.Groups}
	return os.NewSyscallError("bind", unix.Bind(fd, sa))
}

func (s *sysSocket) PID() uint32 { return s.pid }

// Close closes the socket without waiting: now if no use of the
// descriptor is in flight, otherwise when the last one ends. A read
// blocked in the poller is not such a use, and is woken.
func (s *sysSocket) Close() error {
	old := s.refs.Or(1)
	if old&1 != 0 {
		return os.ErrClosed
	}
	if old == 0 {
		return s.closeNow()
	}
	return nil
}

// incref starts a use of fd, or reports false once Close was called.
func (s *sysSocket) incref() bool {
	for {
		v := s.refs.Load()
		if v&1 != 0 {
			return false
		}
		if s.refs.CompareAndSwap(v, v+2) {
			return true
		}
	}
}

// decref ends a use of fd, closing the socket if it was the last use
// after Close.
func (s *sysSocket) decref() {
	if s.refs.Add(-2) == 1 {
		s.closeNow()
	}
}

// closeNow closes the socket; it runs once, when Close has been called
// and no use of the descriptor is in flight.
func (s *sysSocket) closeNow() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return s.f.Close()
	}
	s.cleanup.Stop()
	return os.NewSyscallError("close", unix.Close(s.fd))
}

func (s *sysSocket) SetReadDeadline(t time.Time) error {
	return s.setDeadline(&s.rdl, t, (*os.File).SetReadDeadline)
}
func (s *sysSocket) SetWriteDeadline(t time.Time) error {
	return s.setDeadline(&s.wdl, t, (*os.File).SetWriteDeadline)
}

// setDeadline keeps a deadline in *dl, and sets it on the registered
// socket too once there is one.
func (s *sysSocket) setDeadline(dl *atomic.Int64, t time.Time, set func(*os.File, time.Time) error) error {
	if !s.incref() {
		return os.ErrClosed
	}
	defer s.decref()
	s.mu.Lock()
	defer s.mu.Unlock()
	dl.Store(unixNanos(t))
	if s.f != nil {
		return set(s.f, t)
	}
	return nil
}

// unixNanos is t in Unix nanoseconds for a deadline: 0 for the zero time
// (no deadline), and clamped to stay positive and in range otherwise.
func unixNanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(time.Unix(0, 1)):
		return 1
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// register registers the socket with the runtime poller, with the
// deadlines kept so far, if it is not registered yet.
func (s *sysSocket) register() error {
	if !s.incref() {
		return os.ErrClosed
	}
	defer s.decref()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return s.regErr
	}
	// From here f owns fd: Close closes it through f, and so does f's
	// finalizer if the socket is dropped.
	s.f = os.NewFile(uintptr(s.fd), "netlink")
	s.cleanup.Stop()
	if s.rc, s.regErr = s.f.SyscallConn(); s.regErr != nil {
		return s.regErr // only a nil *os.File has none
	}
	// The deadlines kept so far go to f before any read can wait in it.
	var err error
	if d := s.rdl.Load(); d != 0 {
		err = s.f.SetReadDeadline(time.Unix(0, d))
	}
	if d := s.wdl.Load(); d != 0 && err == nil {
		err = s.f.SetWriteDeadline(time.Unix(0, d))
	}
	s.polled.Store(true)
	return err
}

// attempt runs fn, one read or write attempt, on the descriptor of the
// unregistered socket. It reports whether fn completed; false means that
// fn would block, or that the socket was registered meanwhile, and either
// way the caller goes through the poller. An expired deadline fails as the
// poller's would, even when fn could have completed.
func (s *sysSocket) attempt(fn func(fd uintptr) bool, dl *atomic.Int64) (bool, error) {
	if !s.incref() {
		return false, os.ErrClosed
	}
	defer s.decref()
	if s.polled.Load() {
		return false, nil
	}
	if d := dl.Load(); d != 0 && time.Now().UnixNano() >= d {
		return false, os.ErrDeadlineExceeded
	}
	return fn(uintptr(s.fd)), nil
}

// read runs fn, a read attempt, until it completes: directly while the
// socket is unregistered, then through the poller, registering the socket
// when fn would block.
func (s *sysSocket) read(fn func(fd uintptr) bool) error {
	return s.use(fn, &s.rdl, syscall.RawConn.Read)
}

// write is read for writes.
func (s *sysSocket) write(fn func(fd uintptr) bool) error {
	return s.use(fn, &s.wdl, syscall.RawConn.Write)
}

// use is read and write: dl is the deadline kept before registration, and
// wait the RawConn method that waits in the poller.
func (s *sysSocket) use(fn func(fd uintptr) bool, dl *atomic.Int64, wait func(syscall.RawConn, func(uintptr) bool) error) error {
	if !s.polled.Load() {
		done, err := s.attempt(fn, dl)
		if done || err != nil {
			return err
		}
		if err := s.register(); err != nil {
			return err
		}
	}
	return wait(s.rc, fn)
}

// SyscallConn returns a RawConn for the socket: Control runs its function
// on the descriptor as it is; Read and Write register the socket with the
// poller if they have to wait.
func (s *sysSocket) SyscallConn() (syscall.RawConn, error) {
	return rawConn{s}, nil
}

// rawConn is the socket's syscall.RawConn.
type rawConn struct{ s *sysSocket }

func (c rawConn) Control(fn func(fd uintptr)) error {
	s := c.s
	if !s.incref() {
		return os.ErrClosed
	}
	defer s.decref()
	if s.polled.Load() {
		return s.rc.Control(fn)
	}
	fn(uintptr(s.fd))
	return nil
}

func (c rawConn) Read(fn func(fd uintptr) bool) error  { return c.s.read(fn) }
func (c rawConn) Write(fn func(fd uintptr) bool) error { return c.s.write(fn) }

// Send sends b with one sendto. A send never waits for the socket: the
// kernel takes a datagram for itself or a group at once, and a unicast to
// a user-space port whose queue is full fails with EAGAIN, after which
// nothing ever signals the sender's socket writable when that queue
// drains. So Send retries on a timer instead, and every attempt checks the
// write deadline and Close. All its state is on the stack: goroutines may
// send at once.
func (s *sysSocket) Send(b []byte, to Addr) error {
	if to.PID == 0 && to.Groups == 0 && holdsDumpRequest(b) {
		s.recvMu.Lock()
		defer s.recvMu.Unlock()
	}
	sa := unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: to.PID, Groups: to.Groups}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	for backoff := 50 * time.Microsecond; ; backoff = min(2*backoff, 10*time.Millisecond) {
		err := s.sendOnce(p, len(b), &sa)
		if err != errPeerFull {
			runtime.KeepAlive(b)
			return err
		}
		time.Sleep(backoff)
	}
}

// holdsDumpRequest reports whether the datagram b holds a request with
// NLM_F_DUMP.
func holdsDumpRequest(b []byte) bool {
	for off := 0; off < len(b); {
		h, ok := headerAt(b, off)
		if !ok {
			return false
		}
		if h.flags()&(Request|Dump) == Request|Dump {
			return true
		}
		off = h.next(b, off)
	}
	return false
}

// sendOnce makes one sendto of the n bytes at p to sa.
func (s *sysSocket) sendOnce(p unsafe.Pointer, n int, sa *unix.RawSockaddrNetlink) error {
	if !s.incref() {
		return os.ErrClosed
	}
	defer s.decref()
	if d := s.wdl.Load(); d != 0 && time.Now().UnixNano() >= d {
		return os.ErrDeadlineExceeded
	}
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(p), uintptr(n),
			0, uintptr(unsafe.Pointer(sa)), unix.SizeofSockaddrNetlink)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return errPeerFull
		case 0:
			return nil
		}
		return os.NewSyscallError("sendto", e)
	}
}

// Receive reads one queued datagram without waiting for one. An expired
// read deadline fails it, as the poller's does, even with data queued.
func (s *sysSocket) Receive(b []byte) (int, Source, error) {
	s.riov.Base = &b[0]
	s.riov.SetLen(len(b))
	s.rn, s.rerr = 0, nil
	// readFn always completes, so neither path waits; the poller's path
	// checks its deadline first.
	done, err := false, error(nil)
	if !s.polled.Load() {
		done, err = s.attempt(s.readFn, &s.rdl)
	}
	if !done && err == nil {
		err = s.rc.Read(s.readFn)
	}
	runtime.KeepAlive(b)
	if err != nil {
		return 0, Source{}, err
	}
	if s.rerr != nil {
		return 0, Source{}, s.rerr
	}
	src := Source{PID: s.rname.Pid}
	if g := s.rname.Groups; g != 0 {
		src.Group = uint32(bits.TrailingZeros32(g)) + 1
	}
	if s.wantCmsg.Load() {
		parseControl(s.roob[:s.rmsg.Controllen], &src)
	}
	return s.rn, src, nil
}

// Wait blocks in the poller until the socket is readable, registering it
// first if needed. The poller forgets readiness reported before a wait
// starts, so the first check, inside the wait, is a real one: a zero-length
// MSG_PEEK that takes nothing off the queue. An error it finds pending
// (ENOBUFS) is taken by it, so Wait returns that.
func (s *sysSocket) Wait() error {
	if !s.polled.Load() {
		if err := s.register(); err != nil {
			return err
		}
	}
	s.waits, s.waitErr = 0, nil
	if err := s.rc.Read(s.waitFn); err != nil {
		return err
	}
	return s.waitErr
}

func (s *sysSocket) doWait(fd uintptr) bool {
	s.waits++
	if s.waits > 1 {
		return true // woken: Receive looks
	}
	for {
		s.recvMu.Lock()
		_, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, 0, 0, unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		s.recvMu.Unlock()
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		case 0:
		case unix.ENOBUFS:
			s.waitErr = overrunError{os.NewSyscallError("recvfrom", e)}
		default:
			s.waitErr = os.NewSyscallError("recvfrom", e)
		}
		return true
	}
}

func (s *sysSocket) doRead(fd uintptr) bool {
	for {
		s.rmsg.Namelen = unix.SizeofSockaddrNetlink
		s.rmsg.Control = &s.roob[0]
		s.rmsg.SetControllen(len(s.roob))
		s.rmsg.Flags = 0
		var n uintptr
		var e syscall.Errno
		op := "recvfrom"
		s.recvMu.Lock()
		if s.wantCmsg.Load() {
			op = "recvmsg"
			n, _, e = unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&s.rmsg)), unix.MSG_TRUNC)
		} else {
			s.rmsg.SetControllen(0)
			s.rnamelen = unix.SizeofSockaddrNetlink
			n, _, e = unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(s.riov.Base)), uintptr(s.riov.Len),
				unix.MSG_TRUNC, uintptr(unsafe.Pointer(&s.rname)), uintptr(unsafe.Pointer(&s.rnamelen)))
		}
		s.recvMu.Unlock()
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			s.rerr = ErrWouldBlock
		case 0:
			s.rn = int(n)
		case unix.ENOBUFS:
			s.rerr = overrunError{os.NewSyscallError(op, e)}
		default:
			s.rerr = os.NewSyscallError(op, e)
		}
		return true
	}
}

// errPeerFull is sendOnce's signal to Send that the destination's receive
// queue was full (EAGAIN) and the write should be retried after a pause.
var errPeerFull = errors.New("peer queue full")

// overrunError is a receive-queue overrun: it matches both ErrOverrun and
// the ENOBUFS system call error it wraps.
type overrunError struct{ err error }

func (e overrunError) Error() string   { return ErrOverrun.Error() + ": " + e.err.Error() }
func (e overrunError) Unwrap() []error { return []error{ErrOverrun, e.err} }
