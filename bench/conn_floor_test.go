package bench

import (
	"encoding/binary"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The socket floor is what a careful programmer writes with plain
// golang.org/x/sys/unix calls and no library: socket, bind, sendto, and
// recvfrom into one reused 32 KiB buffer (enough for the kernel's largest
// dump datagram), walking the nlmsghdrs with encoding/binary only as far as
// needed to check the sequence number and find the reply, NLMSG_ERROR or
// NLMSG_DONE. It allocates nothing per request.
//
// It comes in two kinds. The blocking floor ("floor") makes blocking
// system calls on the goroutine's thread. The poller floor ("floorpoll")
// makes the same calls on a non-blocking socket wrapped with os.NewFile,
// through syscall.RawConn's Read and Write, so that the Go runtime poller
// parks the goroutine instead of the thread: the realistic floor for a
// library that supports deadlines and Close from another goroutine.

// floorBufSize is the floor's receive buffer: the kernel sends dump
// datagrams of at most 32 KiB.
const floorBufSize = 32 << 10

// floorSocket is one netlink socket of the floor.
type floorSocket struct {
	fd   int
	buf  []byte
	seq  uint32
	kern unix.RawSockaddrNetlink // the destination: the kernel, port 0

	// The poller floor's state: the file that registers fd with the
	// runtime poller, its RawConn, and method values made once so that a
	// read or a write allocates nothing.
	f       *os.File
	rc      syscall.RawConn
	out     []byte
	n       int
	errno   syscall.Errno
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
}

// newFloorSocket creates and binds a socket of family proto in ns, non-
// blocking and registered with the runtime poller when poll is set.
func newFloorSocket(ns, proto int, poll bool) (*floorSocket, error) {
	typ := unix.SOCK_RAW
	if poll {
		typ |= unix.SOCK_NONBLOCK
	}
	fd, err := socketAt(ns, typ, proto)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	s := &floorSocket{fd: fd, buf: make([]byte, floorBufSize)}
	s.kern.Family = unix.AF_NETLINK
	if poll {
		s.f = os.NewFile(uintptr(fd), "netlink")
		if s.rc, err = s.f.SyscallConn(); err != nil {
			s.f.Close()
			return nil, err
		}
		s.readFn, s.writeFn = s.doRead, s.doWrite
	}
	return s, nil
}

func (s *floorSocket) close() error {
	if s.f != nil {
		return s.f.Close()
	}
	return unix.Close(s.fd)
}

// sendto sends b to the kernel.
func (s *floorSocket) sendto(b []byte) error {
	if s.rc == nil {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
			0, uintptr(unsafe.Pointer(&s.kern)), unix.SizeofSockaddrNetlink)
		return errnoErr("sendto", e)
	}
	s.out, s.errno = b, 0
	if err := s.rc.Write(s.writeFn); err != nil {
		return err
	}
	s.out = nil
	return errnoErr("sendto", s.errno)
}

func (s *floorSocket) doWrite(fd uintptr) bool {
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&s.out[0])), uintptr(len(s.out)),
		0, uintptr(unsafe.Pointer(&s.kern)), unix.SizeofSockaddrNetlink)
	if e == unix.EAGAIN {
		return false
	}
	s.errno = e
	return true
}

// recvfrom reads one datagram into s.buf and returns its length.
func (s *floorSocket) recvfrom() (int, error) {
	if s.rc == nil {
		n, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(s.fd), uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)),
			0, 0, 0)
		return int(n), errnoErr("recvfrom", e)
	}
	s.n, s.errno = 0, 0
	if err := s.rc.Read(s.readFn); err != nil {
		return 0, err
	}
	runtime.KeepAlive(s.buf)
	return s.n, errnoErr("recvfrom", s.errno)
}

func (s *floorSocket) doRead(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)), 0, 0, 0)
	if e == unix.EAGAIN {
		return false
	}
	s.n, s.errno = int(n), e
	return true
}

// errnoErr returns nil for 0 and a *os.SyscallError otherwise. Only the
// error path allocates.
func errnoErr(call string, e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return os.NewSyscallError(call, e)
}

// exchange sends req, a complete message whose sequence number it sets, and
// reads the replies: up to NLMSG_DONE for a multipart reply, or the one
// reply otherwise. It returns the number of replies.
func (s *floorSocket) exchange(req []byte, visit func(p []byte)) (int, error) {
	s.seq++
	binary.NativeEndian.PutUint32(req[8:], s.seq)
	if err := s.sendto(req); err != nil {
		return 0, err
	}
	count := 0
	for {
		n, err := s.recvfrom()
		if err != nil {
			return count, err
		}
		for b := s.buf[:n]; len(b) >= nlmsgHeaderLen; {
			l := int(binary.NativeEndian.Uint32(b))
			if l < nlmsgHeaderLen || l > len(b) {
				return count, errBadLength
			}
			if binary.NativeEndian.Uint32(b[8:]) == s.seq {
				switch binary.NativeEndian.Uint16(b[4:]) {
				case unix.NLMSG_DONE, unix.NLMSG_ERROR:
					if l < nlmsgHeaderLen+4 {
						return count, errBadLength
					}
					if code := int32(binary.NativeEndian.Uint32(b[nlmsgHeaderLen:])); code != 0 {
						return count, os.NewSyscallError("netlink", syscall.Errno(-code))
					}
					return count, nil
				}
				count++
				if visit != nil {
					visit(b[nlmsgHeaderLen:l])
				}
				if binary.NativeEndian.Uint16(b[6:])&unix.NLM_F_MULTI == 0 {
					return count, nil
				}
			}
			b = b[min(align4(l), len(b)):]
		}
	}
}

// floorClient is the floor's pair of sockets, with every request encoded
// once; exchange sets the sequence number in place.
type floorClient struct {
	route, genl *floorSocket
	reqs        map[workload][]byte
}

func newFloorClient(ns int, poll bool) (client, error) {
	route, err := newFloorSocket(ns, unix.NETLINK_ROUTE, poll)
	if err != nil {
		return nil, err
	}
	genl, err := newFloorSocket(ns, unix.NETLINK_GENERIC, poll)
	if err != nil {
		route.close()
		return nil, err
	}
	c := &floorClient{route: route, genl: genl, reqs: make(map[workload][]byte)}
	for _, w := range workloads {
		c.reqs[w] = w.request()
	}
	return c, nil
}

func (c *floorClient) do(w workload, visit func(p []byte)) (int, error) {
	s := c.route
	if w.family() == unix.NETLINK_GENERIC {
		s = c.genl
	}
	return s.exchange(c.reqs[w], visit)
}

func (c *floorClient) close() error {
	c.genl.close()
	return c.route.close()
}

// floorListener is the floor's fan-in listener: recvfrom into the 32 KiB
// buffer, walking the headers for each message's type and sequence number.
type floorListener struct {
	s *floorSocket
	c fanInCounter
}

func newFloorListener(ns int, poll bool) (listener, error) {
	s, err := newFloorSocket(ns, unix.NETLINK_USERSOCK, poll)
	if err != nil {
		return nil, err
	}
	err = os.NewSyscallError("setsockopt NETLINK_ADD_MEMBERSHIP",
		unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, fanInGroup))
	if err == nil {
		err = setReadBufferForce(s.fd, fanInReadBuffer)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return &floorListener{s: s}, nil
}

func (l *floorListener) listen(round uint32) (int, error) {
	l.c = fanInCounter{round: round}
	for !l.c.end {
		n, err := l.s.recvfrom()
		if err != nil {
			if isOverrun(err) {
				continue
			}
			return l.c.n, err
		}
		for b := l.s.buf[:n]; len(b) >= nlmsgHeaderLen; {
			m := int(binary.NativeEndian.Uint32(b))
			if m < nlmsgHeaderLen || m > len(b) {
				return l.c.n, errBadLength
			}
			l.c.take(binary.NativeEndian.Uint16(b[4:]), binary.NativeEndian.Uint32(b[8:]))
			b = b[min(align4(m), len(b)):]
		}
	}
	return l.c.n, nil
}

func (l *floorListener) readBuffer() (int, error) { return getReadBuffer(l.s.fd) }

func (l *floorListener) close() error { return l.s.close() }
