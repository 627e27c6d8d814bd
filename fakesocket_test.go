package netlink

import (
	"errors"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

var _ Socket = (*fakeSocket)(nil)

// fakeDatagram is one datagram queued for a fakeSocket to receive.
type fakeDatagram struct {
	b   []byte
	src Source
}

// fakeSent is one datagram a fakeSocket was asked to send.
type fakeSent struct {
	b  []byte
	to Addr
}

// fakeSocket is a scriptable in-memory socket. Tests queue datagrams with
// push, and reply, when set, computes datagrams to queue from each sent
// one. recv blocks until a datagram, the read deadline or close, like a
// socket on the runtime poller: an expired deadline wins over queued data,
// a closed socket fails with os.ErrClosed. Receiving a queued datagram
// allocates nothing.
type fakeSocket struct {
	pid uint32
	in  chan fakeDatagram

	closeOnce sync.Once
	closed    chan struct{}

	mu             sync.Mutex
	sent           []fakeSent
	reply          func(req []byte, to Addr) []fakeDatagram
	sendErr        error
	readDL         time.Time
	wake           chan struct{} // closed and replaced when readDL changes
	writeDL        time.Time
	options        map[Option]bool
	groups         []uint32
	buffers        map[bool]int
	bpf            []BPFInstruction
	closeCalls     int
	onSetReadDL    func(t time.Time) // called, outside mu, before a read deadline is applied
	afterSetReadDL func(t time.Time) // called, outside mu, after a read deadline is applied
	onRecv         func()            // called, outside mu, when recv has a datagram to return
	held           fakeDatagram      // a datagram Wait took off in, for the next Receive
	hasHeld        bool
}

func newFakeSocket(pid uint32) *fakeSocket {
	return &fakeSocket{
		pid:     pid,
		in:      make(chan fakeDatagram, 4*maxBacklog),
		closed:  make(chan struct{}),
		wake:    make(chan struct{}),
		options: make(map[Option]bool),
		buffers: make(map[bool]int),
	}
}

// newFakeConn returns a Conn over a fake socket bound to port pid. It
// defaults MaxMessageSize like Dial, and closes the Conn when the test ends.
func newFakeConn(t testing.TB, pid uint32, cfg Config) (*Conn, *fakeSocket) {
	t.Helper()
	fs := newFakeSocket(pid)
	c := NewConn(fs, 16, &cfg)
	t.Cleanup(func() { c.Close() })
	return c, fs
}

// push queues datagrams for recv.
func (s *fakeSocket) push(ds ...fakeDatagram) {
	for _, d := range ds {
		s.in <- d
	}
}

// pushFrom queues one datagram from src.
func (s *fakeSocket) pushFrom(src Source, b []byte) { s.push(fakeDatagram{b: b, src: src}) }

func (s *fakeSocket) setReply(fn func(req []byte, to Addr) []fakeDatagram) {
	s.mu.Lock()
	s.reply = fn
	s.mu.Unlock()
}

// sentDatagrams returns a copy of what was sent so far.
func (s *fakeSocket) sentDatagrams() []fakeSent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

func (s *fakeSocket) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *fakeSocket) Send(b []byte, to Addr) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	s.mu.Lock()
	if s.sendErr != nil {
		err := s.sendErr
		s.mu.Unlock()
		return err
	}
	s.sent = append(s.sent, fakeSent{b: slices.Clone(b), to: to})
	reply := s.reply
	s.mu.Unlock()
	if reply != nil {
		s.push(reply(slices.Clone(b), to)...)
	}
	return nil
}

func (s *fakeSocket) Receive(b []byte) (int, Source, error) {
	if s.isClosed() {
		return 0, Source{}, os.ErrClosed
	}
	s.mu.Lock()
	dl := s.readDL
	d, held := s.held, s.hasHeld
	s.held, s.hasHeld = fakeDatagram{}, false
	s.mu.Unlock()
	if !dl.IsZero() && time.Until(dl) <= 0 {
		if held {
			s.hold(d)
		}
		return 0, Source{}, os.ErrDeadlineExceeded
	}
	if held {
		return s.deliver(b, d)
	}
	// A queued datagram is taken without a timer, so that receiving
	// allocates nothing.
	select {
	case d := <-s.in:
		return s.deliver(b, d)
	default:
		return 0, Source{}, ErrWouldBlock
	}
}

// hold puts d back as the next datagram to receive.
func (s *fakeSocket) hold(d fakeDatagram) {
	s.mu.Lock()
	s.held, s.hasHeld = d, true
	s.mu.Unlock()
}

// Wait waits for a datagram, which it holds for the next Receive.
func (s *fakeSocket) Wait() error {
	for {
		if s.isClosed() {
			return os.ErrClosed
		}
		s.mu.Lock()
		dl, wake, held := s.readDL, s.wake, s.hasHeld
		s.mu.Unlock()
		if held {
			return nil
		}
		wait := fakeIdle
		if !dl.IsZero() {
			wait = time.Until(dl)
			if wait <= 0 {
				return os.ErrDeadlineExceeded
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-s.closed:
			timer.Stop()
			return os.ErrClosed
		case <-timer.C:
			if dl.IsZero() {
				return errFakeIdle
			}
			return os.ErrDeadlineExceeded
		case <-wake:
			timer.Stop()
		case d := <-s.in:
			timer.Stop()
			s.hold(d)
			return nil
		}
	}
}

// fakeIdle bounds a recv without a deadline, so that a Conn that waits for
// a datagram that never comes fails the test instead of hanging it.
const fakeIdle = 5 * time.Second

// errFakeIdle is what recv returns after waiting fakeIdle for nothing.
var errFakeIdle = errors.New("fake socket: nothing to receive after " + fakeIdle.String())

func (s *fakeSocket) deliver(b []byte, d fakeDatagram) (int, Source, error) {
	s.mu.Lock()
	hook := s.onRecv
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	copy(b, d.b)
	return len(d.b), d.src, nil
}

func (s *fakeSocket) PID() uint32 { return s.pid }

func (s *fakeSocket) Close() error {
	s.mu.Lock()
	s.closeCalls++
	s.mu.Unlock()
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

func (s *fakeSocket) SetReadDeadline(t time.Time) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	s.mu.Lock()
	hook := s.onSetReadDL
	s.mu.Unlock()
	if hook != nil {
		hook(t)
	}
	s.mu.Lock()
	s.readDL = t
	close(s.wake)
	s.wake = make(chan struct{})
	after := s.afterSetReadDL
	s.mu.Unlock()
	if after != nil {
		after(t)
	}
	return nil
}

// readDeadline returns the read deadline in force.
func (s *fakeSocket) readDeadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readDL
}

func (s *fakeSocket) SetWriteDeadline(t time.Time) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeDL = t
	return nil
}

func (s *fakeSocket) SetOption(o Option, on bool) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.options[o] = on
	return nil
}

func (s *fakeSocket) Option(o Option) (bool, error) {
	if s.isClosed() {
		return false, os.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.options[o], nil
}

// errFakeGroup is what the fake returns for group 0, like the kernel's
// EINVAL for a group the family does not have.
var errFakeGroup = os.NewSyscallError("setsockopt", syscall.EINVAL)

func (s *fakeSocket) JoinGroup(g uint32) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	if g == 0 {
		return errFakeGroup
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.groups, g) {
		s.groups = append(s.groups, g)
		slices.Sort(s.groups)
	}
	return nil
}

func (s *fakeSocket) LeaveGroup(g uint32) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	if g == 0 {
		return errFakeGroup
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups = slices.DeleteFunc(s.groups, func(x uint32) bool { return x == g })
	return nil
}

func (s *fakeSocket) Groups() ([]uint32, error) {
	if s.isClosed() {
		return nil, os.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.groups), nil
}

func (s *fakeSocket) SetReadBuffer(n int) error  { return s.setBuffer(true, n) }
func (s *fakeSocket) SetWriteBuffer(n int) error { return s.setBuffer(false, n) }

func (s *fakeSocket) setBuffer(read bool, n int) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	if n < 0 {
		return os.NewSyscallError("setsockopt", syscall.EINVAL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buffers[read] = n
	return nil
}

func (s *fakeSocket) SetBPF(prog []BPFInstruction) error {
	if s.isClosed() {
		return os.ErrClosed
	}
	if len(prog) == 0 {
		return errors.New("netlink: a BPF program needs 1 to 65535 instructions")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bpf = slices.Clone(prog)
	return nil
}

func (s *fakeSocket) RemoveBPF() error {
	if s.isClosed() {
		return os.ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bpf = nil
	return nil
}

// errFakeRaw is the fake's answer to syscallConn: it has no descriptor.
var errFakeRaw = errors.New("fake socket has no descriptor")

func (s *fakeSocket) SyscallConn() (syscall.RawConn, error) {
	if s.isClosed() {
		return nil, os.ErrClosed
	}
	return nil, errFakeRaw
}

// Helpers to build replies.

// kernel is the Source of a unicast from the kernel.
var kernel = Source{}

// fakeErrPayload builds an NLMSG_ERROR payload: the code, the echoed
// request (padded), then TLVs.
func fakeErrPayload(code int32, echoed []byte, tlvs ...[]byte) []byte {
	b := cat(ne32(uint32(code)), echoed)
	b = append(b, make([]byte, Align(len(b))-len(b))...)
	return cat(append([][]byte{b}, tlvs...)...)
}
