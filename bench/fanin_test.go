package bench

import (
	"encoding/binary"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fan-in workload (W6): one sender writes fanInMessages 64-byte
// messages to NETLINK_USERSOCK group 1 as fast as it can, and one listener
// of the implementation measured, with an 8 MiB receive buffer, reads them.
// The kernel drops what does not fit in the listener's receive queue, so a
// slow listener shows as drops rather than as time: the benchmark reports
// the messages received per second and the percentage dropped. Each
// implementation runs on its own, never concurrently with another.
//
// The sender is the same for every implementation: a plain blocking socket
// on its own goroutine. Its messages are data messages numbered 1 to
// fanInMessages, then end markers carrying the round's number, repeated
// every millisecond until the listener has seen one, since a marker sent
// while the queue is full is dropped too. A listener stops at the first
// end marker of its round and ignores stale ones.
const (
	fanInMessages   = 200_000
	fanInMessageLen = 64
	fanInGroup      = 1
	fanInReadBuffer = 8 << 20

	fanInData = 0x100 // nlmsg_type of a data message
	fanInEnd  = 0x101 // nlmsg_type of an end marker; nlmsg_seq is the round
)

// A listener is one implementation's NETLINK_USERSOCK socket in the
// benchmark namespace, subscribed to fanInGroup, with its receive buffer
// set to fanInReadBuffer with SO_RCVBUFFORCE.
type listener interface {
	// listen reads until the end marker of round and returns the number
	// of data messages received. Overruns (ENOBUFS) are counted as the
	// kernel's drops and otherwise ignored.
	listen(round uint32) (int, error)
	// readBuffer reports the socket's SO_RCVBUF, the doubled value the
	// kernel keeps.
	readBuffer() (int, error)
	close() error
}

// A listenerImpl names an implementation of the listener and dials it
// inside the namespace ns.
type listenerImpl struct {
	name string
	dial func(ns int) (listener, error)
}

// listenerImpls returns the implementations compared, the blocking floor
// first.
func listenerImpls() []listenerImpl {
	return []listenerImpl{
		{name: "floor", dial: func(ns int) (listener, error) { return newFloorListener(ns, false) }},
		{name: "floorpoll", dial: func(ns int) (listener, error) { return newFloorListener(ns, true) }},
		{name: "nlgo", dial: newNlgoListener},
		{name: "mdlayher", dial: func(ns int) (listener, error) { return newMdlayherListener(ns, 0) }},
		{name: "mdlayher64k", dial: func(ns int) (listener, error) { return newMdlayherListener(ns, 64<<10) }},
		{name: "vishvananda", dial: newVishvanandaListener},
	}
}

// fanInCounter is the per-message logic every listener shares, so that they
// all do the same work: count data messages, stop at the round's marker.
type fanInCounter struct {
	round uint32
	n     int
	end   bool
}

// take handles one message's type and sequence number.
func (c *fanInCounter) take(typ uint16, seq uint32) {
	switch {
	case typ == fanInData:
		c.n++
	case typ == fanInEnd && seq == c.round:
		c.end = true
	}
}

// isOverrun reports whether err is a receive-queue overrun, ENOBUFS.
func isOverrun(err error) bool { return errors.Is(err, unix.ENOBUFS) }

// sender writes the fan-in messages from a plain blocking socket.
type sender struct {
	fd  int
	msg [fanInMessageLen]byte
	dst unix.RawSockaddrNetlink
}

func newSender(ns int) (*sender, error) {
	fd, err := socketAt(ns, unix.SOCK_RAW, unix.NETLINK_USERSOCK)
	if err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	s := &sender{fd: fd}
	s.dst = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (fanInGroup - 1)}
	binary.NativeEndian.PutUint32(s.msg[0:], fanInMessageLen)
	return s, nil
}

func (s *sender) close() error { return unix.Close(s.fd) }

// send writes one message to the group. NETLINK_USERSOCK has no kernel
// socket, so the kernel, having delivered the message to the group, also
// tries port 0 and fails with ECONNREFUSED, which is expected.
func (s *sender) send(typ uint16, seq uint32) error {
	binary.NativeEndian.PutUint16(s.msg[4:], typ)
	binary.NativeEndian.PutUint32(s.msg[8:], seq)
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msg[0])), fanInMessageLen,
		0, uintptr(unsafe.Pointer(&s.dst)), unix.SizeofSockaddrNetlink)
	if e != 0 && e != unix.ECONNREFUSED {
		return os.NewSyscallError("sendto", e)
	}
	return nil
}

// run sends n data messages, then the round's end marker every millisecond
// until stop is set.
func (s *sender) run(n int, round uint32, stop *atomic.Bool) error {
	for i := 1; i <= n; i++ {
		if err := s.send(fanInData, uint32(i)); err != nil {
			return err
		}
	}
	for !stop.Load() {
		if err := s.send(fanInEnd, round); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// fanIn runs one round: the sender on its own goroutine sends n messages
// while l listens. It returns the data messages received.
func fanIn(s *sender, l listener, n int, round uint32) (int, error) {
	var stop atomic.Bool
	done := make(chan error, 1)
	go func() { done <- s.run(n, round, &stop) }()
	got, err := l.listen(round)
	stop.Store(true)
	if serr := <-done; err == nil {
		err = serr
	}
	return got, err
}

// TestFanInSameMessages checks, before anything is timed, that every
// listener has its 8 MiB buffer and receives exactly what is sent when
// nothing overflows: rounds of 1,000 messages, far below what the buffer
// holds, twice, so that stale end markers are exercised.
func TestFanInSameMessages(t *testing.T) {
	ns := openBenchNS(t)
	s, err := newSender(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for _, impl := range listenerImpls() {
		t.Run(impl.name, func(t *testing.T) {
			l, err := impl.dial(ns)
			if err != nil {
				t.Fatal(err)
			}
			defer l.close()
			if got, err := l.readBuffer(); err != nil || got != 2*fanInReadBuffer {
				t.Errorf("SO_RCVBUF = %d, %v; want %d (twice the size set)", got, err, 2*fanInReadBuffer)
			}
			for round := uint32(1); round <= 2; round++ {
				got, err := fanIn(s, l, 1000, round)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if got != 1000 {
					t.Errorf("round %d: received %d messages, want 1000", round, got)
				}
			}
		})
	}
}

// BenchmarkFanIn is W6. One op is one round of fanInMessages messages;
// msg/s counts the messages received over the time of every round, and
// drop% the share of those sent that never arrived.
func BenchmarkFanIn(b *testing.B) {
	ns := openBenchNS(b)
	s, err := newSender(ns)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	for _, impl := range listenerImpls() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			l, err := impl.dial(ns)
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			round := uint32(1)
			if _, err := fanIn(s, l, 1000, round); err != nil { // warm up
				b.Fatal(err)
			}
			b.ReportAllocs()
			var received, sent int
			for b.Loop() {
				round++
				got, err := fanIn(s, l, fanInMessages, round)
				if err != nil {
					b.Fatal(err)
				}
				received += got
				sent += fanInMessages
			}
			b.ReportMetric(float64(received)/b.Elapsed().Seconds(), "msg/s")
			b.ReportMetric(100*float64(sent-received)/float64(sent), "drop%")
		})
	}
}

// getReadBuffer returns a socket's SO_RCVBUF.
func getReadBuffer(fd int) (int, error) {
	n, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	return n, os.NewSyscallError("getsockopt SO_RCVBUF", err)
}
