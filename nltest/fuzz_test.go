package nltest

import (
	"context"
	"errors"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/nlgo/netlink"
)

// script hands out the bytes of a fuzz input, then zeros.
type script struct{ b []byte }

func (s *script) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	v := s.b[0]
	s.b = s.b[1:]
	return v
}

func (s *script) u32() uint32 {
	return uint32(s.byte()) | uint32(s.byte())<<8 | uint32(s.byte())<<16 | uint32(s.byte())<<24
}

func (s *script) bytes(max int) []byte {
	n := min(int(s.byte())%(max+1), len(s.b))
	v := s.b[:n]
	s.b = s.b[n:]
	return v
}

// fuzzHandler answers a request as its payload says: the first byte picks
// a reply, an errno, an extended error, a dump, a warning, an explicit
// ack, or nothing; the next bytes parametrise it.
func fuzzHandler(r *Request) error {
	p := &script{b: r.Message.Data}
	switch p.byte() % 7 {
	case 0:
		return r.Reply(netlink.Message{Header: netlink.Header{Type: netlink.MinType}, Data: p.bytes(64)})
	case 1:
		return syscall.Errno(p.byte())
	case 2:
		return &ExtError{Errno: syscall.Errno(p.byte()), Message: string(p.bytes(16)), Offset: p.u32(), Cookie: p.bytes(8)}
	case 3:
		n := int(p.byte() % 50)
		msgs := make([]netlink.Message, n)
		for i := range msgs {
			msgs[i] = netlink.Message{Header: netlink.Header{Type: netlink.MinType}, Data: make([]byte, p.byte())}
		}
		opts := []DumpOption{RandomSplit(uint64(p.byte())), DumpInterruptedAt(int(p.byte()) % (n + 1))}
		if e := p.byte(); e%2 == 1 {
			opts = append(opts, DumpError(&ExtError{Errno: syscall.Errno(e), Message: "dump"}))
		}
		return r.Dump(msgs, opts...)
	case 4:
		r.Warn(string(p.bytes(16)))
		return nil
	case 5:
		r.Ack(nil)
		return syscall.Errno(p.byte())
	}
	return nil
}

// FuzzConnAgainstKernel drives a Conn through nltest with a script of
// arbitrary operations: raw datagrams from any source port, requests the
// handler answers with replies, errors and dumps, faults, options. Nothing
// may panic or hang, every error the Conn returns is an *OpError, every
// reply Execute returns carries the request's sequence number, and the
// fake socket's queue stays bounded.
func FuzzConnAgainstKernel(f *testing.F) {
	f.Add([]byte("\x01\x05\x03\x10\x20\x07\x00\x00\x00\x01"))
	f.Add([]byte("\x00\x00\x00\x00\x00\x10\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure too: crash with every goroutine's stack, so
		// that the fuzzer keeps the input.
		watchdog := time.AfterFunc(10*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("FuzzConnAgainstKernel: one input ran 10s:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		k := NewKernel()
		k.Register(famKernel, fuzzHandler, Groups(64))
		c, err := k.Dial(famKernel, &netlink.Config{MaxMessageSize: 4096, Strict: len(data)%2 == 1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s := &script{b: data}
		injected := 0
		for op := 0; len(s.b) > 0 && op < 64; op++ {
			injected += fuzzStep(t, k, c, s, uint32(op+1))
		}
		k.mu.Lock()
		sock := k.conns[c]
		queued, limit := sock.queued, sock.rcvbuf
		k.mu.Unlock()
		if queued > limit+injected+2*maxDumpBudget {
			t.Errorf("%d bytes queued with a %d-byte limit and %d injected", queued, limit, injected)
		}
	})
}

// fuzzStep performs one operation of the script and returns how many
// bytes it injected past the queue limit.
func fuzzStep(t *testing.T, k *Kernel, c *netlink.Conn, s *script, n uint32) int {
	switch s.byte() % 11 {
	case 0:
		b := s.bytes(128)
		k.InjectRaw(c, netlink.Source{PID: s.u32(), Group: uint32(s.byte())}, b)
		return len(b)
	case 1, 2:
		// With NLM_F_ACK every exchange ends, unless a fault lost its
		// answer: then the deadline ends it. That keeps executions fast.
		flags := netlink.Request | netlink.Acknowledge
		if s.byte()%2 == 1 {
			flags |= netlink.Dump
		}
		req := netlink.Message{Header: netlink.Header{Type: netlink.MinType + netlink.HeaderType(s.byte()%4), Flags: flags, Sequence: n}, Data: s.bytes(32)}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		msgs, err := c.ExecuteContext(ctx, req)
		cancel()
		checkOpError(t, "Execute", err)
		for _, m := range msgs {
			if m.Header.Sequence != n {
				t.Errorf("Execute of sequence %d returned %v", n, m.Header)
			}
		}
	case 3:
		// Wait only when something is pending; otherwise the deadline has
		// already passed.
		dl := time.Now()
		if pending(k, c) {
			dl = dl.Add(time.Second)
		}
		c.SetReadDeadline(dl)
		_, _, err := c.ReceiveFrom()
		checkOpError(t, "Receive", err)
	case 4:
		switch s.byte() % 4 {
		case 0:
			k.InjectOverrun(c)
		case 1:
			k.TruncateNext(c)
		case 2:
			k.InjectOverrunMessage(c, s.u32())
		case 3:
			k.InjectError(c, errors.New("injected"))
		}
	case 5:
		c.SetOption(netlink.Option(s.byte()%13), s.byte()%2 == 1)
	case 6:
		c.JoinGroup(uint32(s.byte()))
	case 7:
		c.SetReadBuffer(int(s.byte()) * 64)
	case 8:
		k.Broadcast(famKernel, uint32(s.byte()%65), netlink.Message{Header: netlink.Header{Type: netlink.MinType}, Data: s.bytes(64)})
	case 9:
		// A malformed request datagram straight into the kernel's input.
		k.socketOf(c).Send(s.bytes(64), netlink.Addr{})
	case 10:
		// A BPF program of arbitrary instructions: rejected, or run on
		// every datagram after.
		prog := make([]netlink.BPFInstruction, 1+s.byte()%8)
		for i := range prog {
			prog[i] = netlink.BPFInstruction{Op: uint16(s.byte()), Jt: s.byte() % 4, Jf: s.byte() % 4, K: s.u32() % 64}
		}
		c.SetBPF(prog)
	}
	return 0
}

func checkOpError(t *testing.T, op string, err error) {
	var oe *netlink.OpError
	if err != nil && !errors.As(err, &oe) {
		t.Errorf("%s: %#v is not an *netlink.OpError", op, err)
	}
}
