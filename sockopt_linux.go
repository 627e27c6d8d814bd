//go:build linux

package netlink

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
