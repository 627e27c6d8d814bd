package netlink

import (
	"syscall"
	"testing"
	"time"
)

// echoSocket answers each request at once with one reply, allocating
// nothing: for allocation budgets of the Conn itself.
type echoSocket struct {
	reply []byte
	has   bool
}

func (s *echoSocket) Send(b []byte, _ Addr) error {
	copy(s.reply[8:12], b[8:12]) // the request's sequence number
	s.has = true
	return nil
}

func (s *echoSocket) Receive(b []byte) (int, Source, error) {
	if !s.has {
		return 0, Source{}, ErrWouldBlock
	}
	s.has = false
	return copy(b, s.reply), Source{}, nil
}

func (s *echoSocket) Wait() error                           { return nil }
func (s *echoSocket) PID() uint32                           { return 1 }
func (s *echoSocket) Close() error                          { return nil }
func (s *echoSocket) SetReadDeadline(time.Time) error       { return nil }
func (s *echoSocket) SetWriteDeadline(time.Time) error      { return nil }
func (s *echoSocket) SetOption(Option, bool) error          { return nil }
func (s *echoSocket) Option(Option) (bool, error)           { return false, nil }
func (s *echoSocket) JoinGroup(uint32) error                { return nil }
func (s *echoSocket) LeaveGroup(uint32) error               { return nil }
func (s *echoSocket) Groups() ([]uint32, error)             { return nil, nil }
func (s *echoSocket) SetReadBuffer(int) error               { return nil }
func (s *echoSocket) SetWriteBuffer(int) error              { return nil }
func (s *echoSocket) SetBPF([]BPFInstruction) error         { return nil }
func (s *echoSocket) RemoveBPF() error                      { return nil }
func (s *echoSocket) SyscallConn() (syscall.RawConn, error) { return nil, ErrNotSupported }

// countingTap counts what it observes, allocating nothing.
type countingTap struct{ sent, received int }

func (t *countingTap) Observe(d *Datagram) {
	if d.Direction == Sent {
		t.sent++
	} else {
		t.received++
	}
}

// TestTapAllocs holds the Tap's promise: observing allocates nothing, so
// ExecuteEach with a tap set still allocates nothing and Execute twice.
func TestTapAllocs(t *testing.T) {
	reply, _ := Message{Header: Header{Type: 20}, Data: make([]byte, 100)}.MarshalBinary()
	tap := &countingTap{}
	c := NewConn(&echoSocket{reply: reply}, 0, &Config{Tap: tap})
	req := Message{Header: Header{Type: 18, Flags: Request}, Data: make([]byte, 16)}
	each := func(Message) bool { return true }
	if n := testing.AllocsPerRun(100, func() {
		if err := c.ExecuteEach(req, each); err != nil {
			panic(err)
		}
	}); n != 0 {
		t.Errorf("ExecuteEach with a tap allocated %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		if msgs, err := c.Execute(req); err != nil || len(msgs) != 1 {
			panic(err)
		}
	}); n > 2 {
		t.Errorf("Execute with a tap allocated %v times, want at most 2", n)
	}
	if tap.sent < 202 || tap.sent != tap.received {
		t.Errorf("the tap saw %d sent and %d received, want as many of each, at least 202", tap.sent, tap.received)
	}
}
