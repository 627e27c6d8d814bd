//go:build linux

package netlink

import (
	"encoding/binary"
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

// sysSocket is an AF_NETLINK socket. Its read state is used under
// Conn.rmu and its write state under Conn.wmu; the syscall functions are
// method values made once, so a read or a write allocates nothing.
//
// The socket is non-blocking, and it is registered with the Go runtime
// poller only when something first has to wait for it: a read finding
// nothing queued, a RawConn Read or Write. Until then reads and writes are
// plain system calls. The reason is cost: the kernel wakes every thread
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
	// rdl and wdl are the deadlines, in Unix nanoseconds (0: none), kept
	// until registration and checked by the system calls made before it.
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

	rmsg   unix.Msghdr
	riov   unix.Iovec
	rname  unix.RawSockaddrNetlink
	roob   [64]byte
	rn     int
	rerr   error
	readFn func(fd uintptr) bool
	// wantCmsg is set once an option that makes the kernel send control
	// messages (PacketInfo, ListenAllNSID) is turned on; until then a read
	// is a recvfrom, which costs the kernel less than a recvmsg.
	wantCmsg atomic.Bool
	rnamelen uint32

	wmsg    unix.Msghdr
	wiov    unix.Iovec
	wname   unix.RawSockaddrNetlink
	werr    error
	writeFn func(fd uintptr) bool
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
	s.writeFn = s.doWrite
	s.rmsg.Name = (*byte)(unsafe.Pointer(&s.rname))
	s.rmsg.Iov = &s.riov
	s.rmsg.SetIovlen(1)
	s.wname.Family = unix.AF_NETLINK
	s.wmsg.Name = (*byte)(unsafe.Pointer(&s.wname))
	s.wmsg.Namelen = unix.SizeofSockaddrNetlink
	s.wmsg.Iov = &s.wiov
	s.wmsg.SetIovlen(1)
	return s, nil
}

// newSocket creates a non-blocking, close-on-exec netlink socket, inside
// the network namespace ns when it is not 0.
func newSocket(family, ns int) (int, error) {
	create := func() (int, error) {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, family)
		return fd, os.NewSyscallError("socket", err)
	}
	if ns == 0 {
		return create()
	}
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread is locked for the whole goroutine. If it cannot be
		// moved back to its namespace it stays locked, so the runtime
		// destroys it when this goroutine exits.
		runtime.LockOSThread()
		fd, err, restored := createInNetNS(ns, create)
		if restored {
			runtime.UnlockOSThread()
		}
		ch <- result{fd, err}
	}()
	r := <-ch
	return r.fd, r.err
}

// createInNetNS switches the locked thread to ns, runs create, and switches
// back. restored is false when the thread may be left in ns.
func createInNetNS(ns int, create func() (int, error)) (fd int, err error, restored bool) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("open", err), true
	}
	defer unix.Close(orig)
	if err := unix.Setns(ns, unix.CLONE_NEWNET); err != nil {
		return -1, os.NewSyscallError("setns", err), true
	}
	fd, err = create()
	if rerr := unix.Setns(orig, unix.CLONE_NEWNET); rerr != nil {
		return fd, err, false
	}
	return fd, err, true
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

// OpenNetNS opens a network namespace for Config.NetNS: a name as created
// by `ip netns add NAME` (looked up in /run/netns), or a path such as
// /proc/PID/ns/net. The caller closes the file after Dial.
func OpenNetNS(nameOrPath string) (*os.File, error) {
	path := nameOrPath
	if !containsSlash(path) {
		path = "/run/netns/" + path
	}
	return os.Open(path)
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
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

// setDeadline sets a deadline on the registered socket, or keeps it in
// *dl until the socket is registered.
func (s *sysSocket) setDeadline(dl *atomic.Int64, t time.Time, set func(*os.File, time.Time) error) error {
	if !s.incref() {
		return os.ErrClosed
	}
	defer s.decref()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return set(s.f, t)
	}
	dl.Store(unixNanos(t))
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

func (s *sysSocket) Send(b []byte, to Addr) error {
	s.wname.Pid, s.wname.Groups = to.PID, to.Groups
	if len(b) > 0 {
		s.wiov.Base = &b[0]
	}
	s.wiov.SetLen(len(b))
	// A unicast to a user-space port whose queue is full fails with
	// EAGAIN, and nothing ever signals the sender's socket writable when
	// that queue drains: poll again on a timer. Every attempt checks the
	// write deadline and Close.
	for backoff := 50 * time.Microsecond; ; backoff = min(2*backoff, 10*time.Millisecond) {
		s.werr = nil
		if err := s.write(s.writeFn); err != nil {
			return err
		}
		if s.werr != errPeerFull {
			break
		}
		time.Sleep(backoff)
	}
	runtime.KeepAlive(b)
	return s.werr
}

func (s *sysSocket) doWrite(fd uintptr) bool {
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(s.wiov.Base)), uintptr(s.wiov.Len),
			0, uintptr(unsafe.Pointer(&s.wname)), unix.SizeofSockaddrNetlink)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			s.werr = errPeerFull
		case 0:
		default:
			s.werr = os.NewSyscallError("sendmsg", e)
		}
		return true
	}
}

func (s *sysSocket) Receive(b []byte) (int, Source, error) {
	s.riov.Base = &b[0]
	s.riov.SetLen(len(b))
	s.rn, s.rerr = 0, nil
	if err := s.read(s.readFn); err != nil {
		return 0, Source{}, err
	}
	runtime.KeepAlive(b)
	if s.rerr != nil {
		return 0, Source{}, s.rerr
	}
	src := Source{PID: s.rname.Pid}
	if g := s.rname.Groups; g != 0 {
		src.Group = uint32(bits.TrailingZeros32(g)) + 1
	}
	parseControl(s.roob[:s.rmsg.Controllen], &src)
	return s.rn, src, nil
}

func (s *sysSocket) doRead(fd uintptr) bool {
	for {
		s.rmsg.Namelen = unix.SizeofSockaddrNetlink
		s.rmsg.Control = &s.roob[0]
		s.rmsg.SetControllen(len(s.roob))
		s.rmsg.Flags = 0
		var n uintptr
		var e syscall.Errno
		if s.wantCmsg.Load() {
			n, _, e = unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&s.rmsg)), unix.MSG_TRUNC)
		} else {
			s.rmsg.SetControllen(0)
			s.rnamelen = unix.SizeofSockaddrNetlink
			n, _, e = unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(s.riov.Base)), uintptr(s.riov.Len),
				unix.MSG_TRUNC, uintptr(unsafe.Pointer(&s.rname)), uintptr(unsafe.Pointer(&s.rnamelen)))
		}
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		case 0:
			s.rn = int(n)
		case unix.ENOBUFS:
			s.rerr = overrunError{os.NewSyscallError("recvmsg", e)}
		default:
			s.rerr = os.NewSyscallError("recvmsg", e)
		}
		return true
	}
}

// errPeerFull is doWrite's signal to send that the destination's receive
// queue was full (EAGAIN) and the write should be retried after a pause.
var errPeerFull = errors.New("peer queue full")

// overrunError is a receive-queue overrun: it matches both ErrOverrun and
// the ENOBUFS system call error it wraps.
type overrunError struct{ err error }

func (e overrunError) Error() string   { return ErrOverrun.Error() + ": " + e.err.Error() }
func (e overrunError) Unwrap() []error { return []error{ErrOverrun, e.err} }

// parseControl reads the netlink control messages of a received datagram:
// NETLINK_PKTINFO (the destination group) and NETLINK_LISTEN_ALL_NSID (the
// peer namespace id). Malformed control data is ignored: it comes from the
// kernel, sized by the buffer we gave it.
func parseControl(b []byte, src *Source) {
	const hdr = unix.SizeofCmsghdr
	align := func(n int) int {
		return (n + int(unsafe.Sizeof(uintptr(0))) - 1) &^ (int(unsafe.Sizeof(uintptr(0))) - 1)
	}
	for len(b) >= hdr {
		var length int
		if hdr == 16 {
			length = int(binary.NativeEndian.Uint64(b[0:8]))
		} else {
			length = int(binary.NativeEndian.Uint32(b[0:4]))
		}
		level := int32(binary.NativeEndian.Uint32(b[hdr-8 : hdr-4]))
		typ := int32(binary.NativeEndian.Uint32(b[hdr-4 : hdr]))
		if length < hdr || length > len(b) {
			return
		}
		data := b[hdr:length]
		if level == unix.SOL_NETLINK && len(data) >= 4 {
			switch typ {
			case unix.NETLINK_PKTINFO:
				src.Group = binary.NativeEndian.Uint32(data)
			case unix.NETLINK_LISTEN_ALL_NSID:
				src.NSID, src.HasNSID = int32(binary.NativeEndian.Uint32(data)), true
			}
		}
		if next := align(length); next < len(b) {
			b = b[next:]
		} else {
			return
		}
	}
}

// control runs fn on the descriptor and returns fn's error.
func (s *sysSocket) control(fn func(fd int) error) error {
	var ferr error
	if err := (rawConn{s}).Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (s *sysSocket) SetOption(o Option, on bool) error {
	v := 0
	if on {
		v = 1
		if o == PacketInfo || o == ListenAllNSID {
			s.wantCmsg.Store(true) // before the option takes effect
		}
	}
	return s.control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_NETLINK, int(o), v))
	})
}

func (s *sysSocket) Option(o Option) (bool, error) {
	var v int
	err := s.control(func(fd int) error {
		var err error
		v, err = unix.GetsockoptInt(fd, unix.SOL_NETLINK, int(o))
		return os.NewSyscallError("getsockopt", err)
	})
	return v != 0, err
}

func (s *sysSocket) JoinGroup(g uint32) error {
	return s.control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(g)))
	})
}

func (s *sysSocket) LeaveGroup(g uint32) error {
	return s.control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_DROP_MEMBERSHIP, int(g)))
	})
}

func (s *sysSocket) Groups() ([]uint32, error) {
	words := make([]uint32, 4)
	for {
		size := uint32(4 * len(words))
		err := s.control(func(fd int) error {
			_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_NETLINK, unix.NETLINK_LIST_MEMBERSHIPS,
				uintptr(unsafe.Pointer(&words[0])), uintptr(unsafe.Pointer(&size)), 0)
			if e != 0 {
				return os.NewSyscallError("getsockopt", e)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if int(size) <= 4*len(words) {
			return membershipGroups(words[:size/4]), nil
		}
		words = make([]uint32, (size+3)/4)
	}
}

func (s *sysSocket) SetReadBuffer(n int) error  { return s.setBuffer(true, n) }
func (s *sysSocket) SetWriteBuffer(n int) error { return s.setBuffer(false, n) }

func (s *sysSocket) setBuffer(read bool, n int) error {
	force, plain := unix.SO_SNDBUFFORCE, unix.SO_SNDBUF
	if read {
		force, plain = unix.SO_RCVBUFFORCE, unix.SO_RCVBUF
	}
	return s.control(func(fd int) error {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, force, n); err == nil {
			return nil
		}
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_SOCKET, plain, n))
	})
}

func (s *sysSocket) SetBPF(prog []BPFInstruction) error {
	if len(prog) == 0 || len(prog) > 0xffff {
		return errors.New("netlink: a BPF program needs 1 to 65535 instructions")
	}
	filters := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		filters[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filters)), Filter: &filters[0]}
	return s.control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog))
	})
}

func (s *sysSocket) RemoveBPF() error {
	return s.control(func(fd int) error {
		return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DETACH_FILTER, 0))
	})
}
