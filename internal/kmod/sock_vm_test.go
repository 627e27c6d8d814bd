//go:build linux && vmtest

package kmod_test

// Raw netlink helpers for the VM smoke tests. They use x/sys/unix directly on
// purpose: these tests prove the module and the VM pipeline, independently
// of the library under test.

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlgo/netlink/internal/kmod"
	"github.com/nlgo/netlink/internal/testenv"
)

var ne = binary.NativeEndian

const (
	hdrLen   = unix.NLMSG_HDRLEN
	nlaFlags = unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER
)

// msg is one received netlink message.
type msg struct {
	typ, flags uint16
	seq, pid   uint32
	data       []byte
}

// ackErr is a decoded NLMSG_ERROR message.
type ackErr struct {
	errno  unix.Errno // 0 for an ack
	flags  uint16     // of the NLMSG_ERROR header: NLM_F_CAPPED, NLM_F_ACK_TLVS
	seq    uint32
	msg    string // NLMSGERR_ATTR_MSG
	offset uint32 // NLMSGERR_ATTR_OFFS
	hasOff bool
}

type sock struct {
	t  testing.TB
	fd int
}

// unprivileged reports whether this is the VM's unprivileged run.
func unprivileged() bool { return os.Getenv("NLGO_VM_UNPRIVILEGED") == "1" }

// protocol returns the loaded module's protocol or skips (fails when strict).
func protocol(t testing.TB) int {
	t.Helper()
	p, err := kmod.Protocol()
	if err != nil {
		testenv.Skip(t, err.Error())
	}
	return p
}

// dial opens a socket of family (kmod protocol if family < 0), bound to pid
// (0: kernel chooses) and the legacy group mask groups.
func dial(t testing.TB, family int, pid, groups uint32) *sock {
	t.Helper()
	if family < 0 {
		family = protocol(t)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, family)
	if err != nil {
		t.Fatalf("socket(AF_NETLINK, %d): %v", family, err)
	}
	s := &sock{t: t, fd: fd}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: pid, Groups: groups}); err != nil {
		t.Fatalf("bind(pid %d, groups %#x): %v", pid, groups, err)
	}
	tv := unix.NsecToTimeval((10 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatalf("SO_RCVTIMEO: %v", err)
	}
	return s
}

func (s *sock) setopt(opt, value int) {
	s.t.Helper()
	if err := unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, opt, value); err != nil {
		s.t.Fatalf("setsockopt(SOL_NETLINK, %d, %d): %v", opt, value, err)
	}
}

func (s *sock) portID() uint32 {
	s.t.Helper()
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		s.t.Fatalf("getsockname: %v", err)
	}
	return sa.(*unix.SockaddrNetlink).Pid
}

// encode builds one netlink message.
func encode(typ, flags uint16, seq, pid uint32, payload []byte) []byte {
	b := make([]byte, hdrLen, nlmsgAlign(hdrLen+len(payload)))
	ne.PutUint32(b[0:], uint32(hdrLen+len(payload)))
	ne.PutUint16(b[4:], typ)
	ne.PutUint16(b[6:], flags)
	ne.PutUint32(b[8:], seq)
	ne.PutUint32(b[12:], pid)
	b = append(b, payload...)
	return b[:cap(b)]
}

func nlmsgAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// send sends a request to the kernel (NLM_F_REQUEST is added).
func (s *sock) send(typ, flags uint16, seq uint32, payload []byte) {
	s.t.Helper()
	b := encode(typ, flags|unix.NLM_F_REQUEST, seq, 0, payload)
	if err := unix.Sendto(s.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		s.t.Fatalf("sendto(type %#x): %v", typ, err)
	}
}

// recvRaw reads one datagram with flags (e.g. MSG_DONTWAIT).
func (s *sock) recvRaw(flags int) ([]msg, *unix.SockaddrNetlink, []byte, error) {
	buf := make([]byte, 128<<10)
	oob := make([]byte, 64)
	n, oobn, rflags, from, err := unix.Recvmsg(s.fd, buf, oob, flags)
	if err != nil {
		return nil, nil, nil, err
	}
	if rflags&unix.MSG_TRUNC != 0 {
		return nil, nil, nil, errors.New("datagram truncated")
	}
	msgs, err := parseMsgs(buf[:n])
	sa, _ := from.(*unix.SockaddrNetlink)
	return msgs, sa, oob[:oobn], err
}

// recv reads one datagram, failing the test on error.
func (s *sock) recv() ([]msg, *unix.SockaddrNetlink) {
	s.t.Helper()
	msgs, from, _, err := s.recvRaw(0)
	if err != nil {
		s.t.Fatalf("recvmsg: %v", err)
	}
	return msgs, from
}

// recvOne reads one datagram that must hold exactly one message.
func (s *sock) recvOne() msg {
	s.t.Helper()
	msgs, _ := s.recv()
	if len(msgs) != 1 {
		s.t.Fatalf("got %d messages in a datagram, want 1: %+v", len(msgs), msgs)
	}
	return msgs[0]
}

// expectNothing checks that nothing is queued.
func (s *sock) expectNothing(what string) {
	s.t.Helper()
	msgs, _, _, err := s.recvRaw(unix.MSG_DONTWAIT)
	if !errors.Is(err, unix.EAGAIN) {
		s.t.Fatalf("%s: got %+v, %v; want EAGAIN", what, msgs, err)
	}
}

// recvAck reads the NLMSG_ERROR answer to seq.
func (s *sock) recvAck(seq uint32) ackErr {
	s.t.Helper()
	m := s.recvOne()
	if m.typ != unix.NLMSG_ERROR {
		s.t.Fatalf("got message type %#x, want NLMSG_ERROR: %+v", m.typ, m)
	}
	a, err := parseAck(m)
	if err != nil {
		s.t.Fatal(err)
	}
	if a.seq != seq {
		s.t.Fatalf("ack for seq %d, want %d", a.seq, seq)
	}
	return a
}

func parseMsgs(b []byte) ([]msg, error) {
	var msgs []msg
	for len(b) >= hdrLen {
		l := int(ne.Uint32(b))
		if l < hdrLen || l > len(b) {
			return msgs, errors.New("bad nlmsg_len")
		}
		msgs = append(msgs, msg{
			typ: ne.Uint16(b[4:]), flags: ne.Uint16(b[6:]),
			seq: ne.Uint32(b[8:]), pid: ne.Uint32(b[12:]),
			data: b[hdrLen:l],
		})
		b = b[min(nlmsgAlign(l), len(b)):]
	}
	return msgs, nil
}

func parseAck(m msg) (ackErr, error) {
	a := ackErr{flags: m.flags}
	if len(m.data) < 4+hdrLen {
		return a, errors.New("NLMSG_ERROR too short")
	}
	a.errno = unix.Errno(-int32(ne.Uint32(m.data)))
	a.seq = ne.Uint32(m.data[4+8:])
	rest := m.data[4:]
	if m.flags&unix.NLM_F_CAPPED != 0 {
		rest = rest[hdrLen:]
	} else {
		rest = rest[min(nlmsgAlign(int(ne.Uint32(rest))), len(rest)):]
	}
	if m.flags&unix.NLM_F_ACK_TLVS == 0 {
		return a, nil
	}
	for _, at := range parseAttrs(rest) {
		switch at.typ {
		case unix.NLMSGERR_ATTR_MSG:
			a.msg = strings.TrimRight(string(at.data), "\x00")
		case unix.NLMSGERR_ATTR_OFFS:
			a.offset, a.hasOff = ne.Uint32(at.data), true
		}
	}
	return a, nil
}

// attr is one attribute; typ has the NLA_F_* bits masked off.
type attr struct {
	typ, flags uint16
	data       []byte
}

func parseAttrs(b []byte) []attr {
	var attrs []attr
	for len(b) >= unix.NLA_HDRLEN {
		l := int(ne.Uint16(b))
		if l < unix.NLA_HDRLEN || l > len(b) {
			break
		}
		t := ne.Uint16(b[2:])
		attrs = append(attrs, attr{typ: t &^ nlaFlags, flags: t & nlaFlags, data: b[unix.NLA_HDRLEN:l]})
		b = b[min(nlmsgAlign(l), len(b)):]
	}
	return attrs
}

// appendAttr appends one attribute (with padding).
func appendAttr(b []byte, typ uint16, data []byte) []byte {
	b = ne.AppendUint16(b, uint16(unix.NLA_HDRLEN+len(data)))
	b = ne.AppendUint16(b, typ)
	b = append(b, data...)
	return append(b, make([]byte, nlmsgAlign(len(data))-len(data))...)
}

func u16b(v uint16) []byte { return ne.AppendUint16(nil, v) }
func u32b(v uint32) []byte { return ne.AppendUint32(nil, v) }
func u64b(v uint64) []byte { return ne.AppendUint64(nil, v) }
