//go:build linux

package netlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink/internal/testenv"
	"golang.org/x/sys/unix"
)

// Real-kernel tests of the Conn itself: dialling, options, deadlines,
// Close, leaks and concurrency. Each test makes its own network namespace
// (see nsutil_linux_test.go) and dials into it with Config.NetNS.

// TestIntegrationDialPID binds explicit port IDs, in the schemes the seeds
// used, and checks that the kernel stamps them on what the Conn sends and
// that a port in use fails with EADDRINUSE without leaking a descriptor.
func TestIntegrationDialPID(t *testing.T) {
	ns := newTestNS(t)
	pid, tid := uint32(os.Getpid()), uint32(unix.Gettid())
	tests := []struct {
		name string
		pid  uint32
	}{
		{name: "getpid", pid: pid},
		// pthread_self()<<16|getpid(), with both halves cut to 16 bits so
		// that the thread part cannot shift the pid part out.
		{name: "tid<<16|pid", pid: (tid&0xffff)<<16 | pid&0xffff},
		{name: "high bit", pid: 0x8000_0000 | pid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ns.tryDial(familyUsersock, &Config{PID: tt.pid})
			if err != nil {
				t.Fatalf("Dial(PID %#x): %v", tt.pid, err)
			}
			defer c.Close()
			if got := c.PID(); got != tt.pid {
				t.Errorf("PID() = %#x, want %#x", got, tt.pid)
			}

			// The kernel, not the Conn, names the sender's port.
			peer := ns.dial(t, familyUsersock, nil)
			if _, err := c.SendTo(Message{Header: Header{Type: MinType}}, Addr{PID: peer.PID()}); err != nil {
				t.Fatalf("SendTo: %v", err)
			}
			_, src := receiveWithin(t, peer, 2*time.Second)
			if diff := cmp.Diff(Source{PID: tt.pid}, src); diff != "" {
				t.Errorf("source of a datagram from the Conn (-want +got):\n%s", diff)
			}

			// The same port again in the same family is taken...
			before := openFDs(t)
			c2, err := ns.tryDial(familyUsersock, &Config{PID: tt.pid})
			if err == nil {
				c2.Close()
				t.Fatalf("second Dial(PID %#x) succeeded, want EADDRINUSE", tt.pid)
			}
			if !errors.Is(err, unix.EADDRINUSE) {
				t.Errorf("second Dial(PID %#x): %v, want EADDRINUSE", tt.pid, err)
			}
			if oe := (*OpError)(nil); !errors.As(err, &oe) || oe.Op != "dial" {
				t.Errorf("second Dial: %#v, want an *OpError with Op \"dial\"", err)
			}
			if after := openFDs(t); after != before {
				t.Errorf("failed Dial: %d open descriptors, %d before", after, before)
			}
			// ...but ports are per family.
			if c3, err := ns.tryDial(unix.NETLINK_ROUTE, &Config{PID: tt.pid}); err != nil {
				t.Errorf("Dial(NETLINK_ROUTE, PID %#x) with the port used in NETLINK_USERSOCK: %v", tt.pid, err)
			} else {
				c3.Close()
			}
			// Close releases the port at once.
			c.Close()
			c4, err := ns.tryDial(familyUsersock, &Config{PID: tt.pid})
			if err != nil {
				t.Fatalf("Dial(PID %#x) after Close: %v", tt.pid, err)
			}
			c4.Close()
		})
	}
}

// TestIntegrationDialNetNS dials into a namespace and checks that the Conn
// sees that namespace's links, not the caller's, and that the calling
// thread's namespace never changes; then it passes descriptors that are
// not network namespaces: Dial fails, leaks nothing, and leaves the thread
// alone.
func TestIntegrationDialNetNS(t *testing.T) {
	ns := newTestNS(t)
	t.Run("links", func(t *testing.T) { testDialNetNSLinks(t, ns) })
	tests := []struct {
		name string
		path string
	}{
		{name: "UTS namespace", path: "/proc/self/ns/uts"},
		{name: "regular file", path: "/dev/null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			nsBefore, fdsBefore := threadNetNS(t), openFDs(t)
			c, err := Dial(unix.NETLINK_ROUTE, &Config{NetNS: int(f.Fd())})
			if err == nil {
				c.Close()
				t.Fatalf("Dial with NetNS %s succeeded", tt.path)
			}
			if !errors.Is(err, unix.EINVAL) {
				t.Errorf("Dial with NetNS %s: %v, want EINVAL", tt.path, err)
			}
			if after := openFDs(t); after != fdsBefore {
				t.Errorf("failed Dial: %d open descriptors, %d before", after, fdsBefore)
			}
			if after := threadNetNS(t); after != nsBefore {
				t.Errorf("the calling thread moved from namespace inode %d to %d", nsBefore, after)
			}
		})
	}
}

func testDialNetNSLinks(t *testing.T, ns *testNS) {
	name := fmt.Sprintf("nlgo%08x", rand.Uint32())
	ns.ip(t, "link", "add", name, "type", "veth", "peer", "name", name+"p")
	want := ns.ifindex(t, name)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadNetNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	if after := threadNetNS(t); after != before {
		t.Fatalf("the calling thread moved from namespace inode %d to %d", before, after)
	}

	links := dumpLinks(t, c)
	if got, ok := links[want]; !ok || got != name {
		t.Errorf("link %d in the namespace's dump = %q (present %v), want %q", want, got, ok, name)
	}

	// The caller's own namespace does not have it.
	host, err := Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		t.Fatalf("Dial in the test's own namespace: %v", err)
	}
	defer host.Close()
	for idx, n := range dumpLinks(t, host) {
		if n == name {
			t.Errorf("link %q (index %d) is visible from the caller's namespace", name, idx)
		}
	}
	if after := threadNetNS(t); after != before {
		t.Errorf("the calling thread moved from namespace inode %d to %d", before, after)
	}
}

// TestIntegrationOptions turns every Option on and off and reads it back,
// and checks what Config.Strict turns on.
func TestIntegrationOptions(t *testing.T) {
	ns := newTestNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	// ListenAllNSID needs CAP_NET_BROADCAST, which root has.
	for _, o := range []Option{BroadcastError, NoENOBUFS, PacketInfo, ListenAllNSID,
		CapAcknowledge, ExtendedAcknowledge, GetStrictCheck} {
		t.Run(o.String(), func(t *testing.T) {
			for _, step := range []struct {
				set  bool
				want bool
			}{{set: false, want: false}, {set: true, want: true}, {set: false, want: false}} {
				if err := c.SetOption(o, step.set); err != nil {
					t.Fatalf("SetOption(%v, %v): %v", o, step.set, err)
				}
				got, err := c.GetOption(o)
				if o == ListenAllNSID && errors.Is(err, unix.ENOPROTOOPT) {
					testenv.Lacks(t, testenv.ListenAllNSIDOption, err)
				}
				if err != nil {
					t.Fatalf("GetOption(%v): %v", o, err)
				}
				if o == ListenAllNSID && step.set {
					testenv.Found(t, testenv.ListenAllNSIDOption)
				}
				if got != step.want {
					t.Fatalf("GetOption(%v) after SetOption(%v) = %v", o, step.set, got)
				}
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		const bogus Option = 99
		if err := c.SetOption(bogus, true); !errors.Is(err, unix.ENOPROTOOPT) {
			t.Errorf("SetOption(%v): %v, want ENOPROTOOPT", bogus, err)
		}
		if _, err := c.GetOption(bogus); !errors.Is(err, unix.ENOPROTOOPT) {
			t.Errorf("GetOption(%v): %v, want ENOPROTOOPT", bogus, err)
		}
	})
	t.Run("Config.Strict", func(t *testing.T) {
		s := ns.dial(t, unix.NETLINK_ROUTE, &Config{Strict: true})
		got := map[Option]bool{}
		for _, o := range []Option{ExtendedAcknowledge, GetStrictCheck, CapAcknowledge} {
			on, err := s.GetOption(o)
			if err != nil {
				t.Fatalf("GetOption(%v): %v", o, err)
			}
			got[o] = on
		}
		want := map[Option]bool{ExtendedAcknowledge: true, GetStrictCheck: true, CapAcknowledge: false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("options of a Strict Conn (-want +got):\n%s", diff)
		}
	})
}

// TestIntegrationBuffers sets the buffer sizes and reads them back through
// SyscallConn; the kernel stores twice the requested size.
func TestIntegrationBuffers(t *testing.T) {
	ns := newTestNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	tests := []struct {
		name string
		set  func(int) error
		opt  int
		size int
	}{
		{name: "read", set: c.SetReadBuffer, opt: unix.SO_RCVBUF, size: 96 << 10},
		// Beyond net.core.rmem_max's default: SO_RCVBUFFORCE allows it.
		{name: "read large", set: c.SetReadBuffer, opt: unix.SO_RCVBUF, size: 8 << 20},
		{name: "write", set: c.SetWriteBuffer, opt: unix.SO_SNDBUF, size: 48 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.set(tt.size); err != nil {
				t.Fatalf("setting %d bytes: %v", tt.size, err)
			}
			rc, err := c.SyscallConn()
			if err != nil {
				t.Fatalf("SyscallConn: %v", err)
			}
			var got int
			var gerr error
			if err := rc.Control(func(fd uintptr) {
				got, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, tt.opt)
			}); err != nil {
				t.Fatalf("Control: %v", err)
			}
			if gerr != nil {
				t.Fatalf("getsockopt: %v", gerr)
			}
			if want := 2 * tt.size; got != want {
				t.Errorf("buffer size after setting %d = %d, want %d", tt.size, got, want)
			}
		})
	}
}

// bpfType returns the K with which a BPF_LD|BPF_H|BPF_ABS load of
// nlmsg_type (offset 4) compares equal to typ: classic BPF loads in
// network byte order, nlmsghdr is in native order.
func bpfType(typ HeaderType) uint32 {
	return uint32(binary.BigEndian.Uint16(binary.NativeEndian.AppendUint16(nil, uint16(typ))))
}

// TestIntegrationBPF attaches filters and checks what they let through,
// then that RemoveBPF lets everything through again.
func TestIntegrationBPF(t *testing.T) {
	ns := newTestNS(t)
	const keep, drop = MinType + 1, MinType + 2
	tests := []struct {
		name string
		prog []BPFInstruction
		want []HeaderType
	}{
		{name: "drop all", prog: []BPFInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: 0}}},
		{name: "accept all", prog: []BPFInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: 0xffff}},
			want: []HeaderType{keep, drop}},
		{name: "by nlmsg_type", prog: []BPFInstruction{
			{Op: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 4},
			{Op: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: bpfType(keep), Jt: 0, Jf: 1},
			{Op: unix.BPF_RET | unix.BPF_K, K: 0xffff},
			{Op: unix.BPF_RET | unix.BPF_K, K: 0},
		}, want: []HeaderType{keep}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ns.dial(t, familyUsersock, nil)
			if err := c.SetBPF(tt.prog); err != nil {
				t.Fatalf("SetBPF: %v", err)
			}
			if got := sendAndCollect(t, c, keep, drop); !cmp.Equal(tt.want, got) {
				t.Errorf("with the filter: received %v, want %v", got, tt.want)
			}
			if err := c.RemoveBPF(); err != nil {
				t.Fatalf("RemoveBPF: %v", err)
			}
			if got, want := sendAndCollect(t, c, keep, drop), []HeaderType{keep, drop}; !cmp.Equal(want, got) {
				t.Errorf("after RemoveBPF: received %v, want %v", got, want)
			}
		})
	}
	t.Run("empty program", func(t *testing.T) {
		c := ns.dial(t, familyUsersock, nil)
		if err := c.SetBPF(nil); err == nil {
			t.Error("SetBPF(nil) succeeded")
		}
	})
}

// sendAndCollect sends c one datagram of each type, to itself, and returns
// the types it then receives before a short timeout.
func sendAndCollect(t *testing.T, c *Conn, types ...HeaderType) []HeaderType {
	t.Helper()
	for _, typ := range types {
		if _, err := c.SendTo(Message{Header: Header{Type: typ}}, Addr{PID: c.PID()}); err != nil {
			t.Fatalf("SendTo self: %v", err)
		}
	}
	var got []HeaderType
	for {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		msgs, err := c.Receive()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.SetReadDeadline(time.Time{})
			return got
		}
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		for _, m := range msgs {
			got = append(got, m.Header.Type)
		}
	}
}

// TestIntegrationCloseUnblocks closes a Conn while a call is blocked on it:
// the call returns within 100 ms with an error matching net.ErrClosed, and
// Close stays idempotent.
func TestIntegrationCloseUnblocks(t *testing.T) {
	ns := newTestNS(t)
	// A server that never answers keeps Execute waiting.
	mute := ns.dial(t, familyUsersock, nil)
	tests := []struct {
		name string
		call func(c *Conn) error
	}{
		{name: "Receive", call: func(c *Conn) error { _, err := c.Receive(); return err }},
		{name: "ReceiveContext", call: func(c *Conn) error {
			_, _, err := c.ReceiveContext(context.Background())
			return err
		}},
		{name: "ReceiveEach", call: func(c *Conn) error {
			return c.ReceiveEach(func(Message, Source) bool { return true })
		}},
		{name: "Execute", call: func(c *Conn) error {
			_, err := c.Execute(Message{Header: Header{Type: MinType, Flags: Request}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ns.dial(t, familyUsersock, &Config{Peer: mute.PID()})
			errc := make(chan error, 1)
			go func() { errc <- tt.call(c) }()
			time.Sleep(50 * time.Millisecond) // let it block
			start := time.Now()
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			select {
			case err := <-errc:
				if d := time.Since(start); d > 100*time.Millisecond {
					t.Errorf("%s returned %v after Close, want within 100ms", tt.name, d)
				}
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("%s after Close: %v, want net.ErrClosed", tt.name, err)
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("%s still blocked 2s after Close", tt.name)
			}
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v, want nil", err)
			}
			if _, err := c.Send(Message{Header: Header{Type: MinType}}); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Send after Close: %v, want net.ErrClosed", err)
			}
			if _, err := c.Receive(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Receive after Close: %v, want net.ErrClosed", err)
			}
		})
	}
}

// TestIntegrationDeadlines checks that read and write deadlines fire with
// an error matching os.ErrDeadlineExceeded whose OpError says Timeout, and
// that the Conn works again once they are cleared.
func TestIntegrationDeadlines(t *testing.T) {
	ns := newTestNS(t)
	mute := ns.dial(t, familyUsersock, nil)
	c := ns.dial(t, familyUsersock, &Config{Peer: mute.PID()})
	ping := Message{Header: Header{Type: MinType}}
	tests := []struct {
		name string
		set  func(time.Time) error
		call func() error
	}{
		{name: "read/Receive", set: c.SetReadDeadline, call: func() error { _, err := c.Receive(); return err }},
		{name: "read/ReceiveEach", set: c.SetReadDeadline, call: func() error {
			return c.ReceiveEach(func(Message, Source) bool { return true })
		}},
		{name: "read/Execute", set: c.SetReadDeadline, call: func() error {
			_, err := c.Execute(Message{Header: Header{Type: MinType, Flags: Request}})
			return err
		}},
		{name: "both/Receive", set: c.SetDeadline, call: func() error { _, err := c.Receive(); return err }},
		// A send to the kernel or an idle port never blocks: a write
		// deadline already past is what makes it fail.
		{name: "write/Send", set: func(time.Time) error { return c.SetWriteDeadline(time.Now().Add(-time.Second)) },
			call: func() error { _, err := c.Send(ping); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const wait = 50 * time.Millisecond
			if err := tt.set(time.Now().Add(wait)); err != nil {
				t.Fatalf("setting the deadline: %v", err)
			}
			start := time.Now()
			err := tt.call()
			if d := time.Since(start); d > time.Second {
				t.Errorf("returned after %v, want about %v", d, wait)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("got %v, want os.ErrDeadlineExceeded", err)
			}
			var oe *OpError
			if !errors.As(err, &oe) || !oe.Timeout() {
				t.Errorf("got %#v, want an *OpError whose Timeout() is true", err)
			}
			if err := c.SetDeadline(time.Time{}); err != nil {
				t.Fatalf("clearing deadlines: %v", err)
			}
			// Cleared, the Conn sends and receives again.
			if _, err := c.SendTo(ping, Addr{PID: c.PID()}); err != nil {
				t.Fatalf("SendTo self after clearing: %v", err)
			}
			if msgs, _ := receiveWithin(t, c, 2*time.Second); len(msgs) != 1 || msgs[0].Header.Type != MinType {
				t.Errorf("after clearing: received %v", msgs)
			}
		})
	}
}

// TestIntegrationContext checks that ReceiveContext and ExecuteContext give
// up when their context is done, with an error matching ctx.Err(), and
// that the Conn is sound afterwards: no deadline of the context is left on
// the socket, and a late reply to the abandoned request is dropped, not
// returned by the next exchange or by Receive. Each case runs several
// rounds with a short timeout, because the context's deadline and the
// socket's race.
func TestIntegrationContext(t *testing.T) {
	ns := newTestNS(t)
	// Each case gets its own pair of Conns, so a failure leaves nothing
	// queued for the next.
	dialPair := func(t *testing.T) (c, srv *Conn) {
		srv = ns.dial(t, familyUsersock, nil)
		return ns.dial(t, familyUsersock, &Config{Peer: srv.PID()}), srv
	}
	const rounds = 20
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{name: "cancel", want: context.Canceled, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(10*time.Millisecond, cancel)
			return ctx, cancel
		}},
		{name: "deadline", want: context.DeadlineExceeded, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Millisecond)
		}},
	}
	for _, tt := range tests {
		t.Run("ReceiveContext/"+tt.name, func(t *testing.T) {
			c, _ := dialPair(t)
			for range rounds {
				ctx, cancel := tt.ctx()
				_, _, err := c.ReceiveContext(ctx)
				cancel()
				checkCtxError(t, err, "receive", tt.want)
				// The context's deadline is gone from the socket.
				if _, err := c.SendTo(Message{Header: Header{Type: MinType}}, Addr{PID: c.PID()}); err != nil {
					t.Fatalf("SendTo self: %v", err)
				}
				time.Sleep(5 * time.Millisecond) // let anything the context started finish
				if _, err := c.Receive(); err != nil {
					t.Fatalf("Receive after ReceiveContext gave up: %v", err)
				}
			}
		})
		t.Run("ExecuteContext/"+tt.name, func(t *testing.T) {
			c, srv := dialPair(t)
			for range rounds {
				testExecuteContextRound(t, c, srv, tt.ctx, tt.want)
			}
		})
	}
	// The Conn's own read deadline still applies under a context whose
	// deadline is later.
	t.Run("ReceiveContext/earlier read deadline", func(t *testing.T) {
		c, _ := dialPair(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		defer c.SetReadDeadline(time.Time{})
		start := time.Now()
		_, _, err := c.ReceiveContext(ctx)
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("ReceiveContext returned after %v, want the read deadline's 50ms", d)
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("ReceiveContext: %v, want os.ErrDeadlineExceeded", err)
		}
	})
}

// testExecuteContextRound runs one ExecuteContext that srv does not answer
// in time, then answers it late, and checks the next Execute gets only its
// own reply.
func testExecuteContextRound(t *testing.T, c, srv *Conn, newCtx func() (context.Context, context.CancelFunc), want error) {
	t.Helper()
	ctx, cancel := newCtx()
	_, err := c.ExecuteContext(ctx, Message{Header: Header{Type: MinType, Flags: Request}, Data: []byte("first")})
	cancel()
	checkCtxError(t, err, "execute", want)

	// The server answers the abandoned request late, then the next.
	if _, err := answerOne(srv, "stale"); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		msgs []Message
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		msgs, err := answerOne(srv, "fresh")
		done <- answer{msgs, err}
	}()
	msgs, err := c.Execute(Message{Header: Header{Type: MinType, Flags: Request}, Data: []byte("second")})
	fresh := <-done
	if fresh.err != nil {
		t.Fatal(fresh.err)
	}
	if err != nil {
		t.Fatalf("Execute after ExecuteContext gave up: %v", err)
	}
	if diff := cmp.Diff(fresh.msgs, msgs); diff != "" {
		t.Fatalf("Execute after a late reply to an abandoned request (-want +got):\n%s", diff)
	}
	expectNothing(t, c, 10*time.Millisecond)
}

// checkCtxError checks an error from a call whose context ended.
func checkCtxError(t *testing.T, err error, op string, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != op {
		t.Errorf("got %#v, want an *OpError with Op %q", err, op)
	}
}

// answerOne receives one request on srv and answers it with one message of
// type MinType+1 holding text, returning the answer as sent. It may run off
// the test goroutine.
func answerOne(srv *Conn, text string) ([]Message, error) {
	srv.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer srv.SetReadDeadline(time.Time{})
	msgs, src, err := srv.ReceiveFrom()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("server received %d messages, want 1", len(msgs))
	}
	sent, err := srv.SendTo(Message{
		Header: Header{Type: MinType + 1, Sequence: msgs[0].Header.Sequence},
		Data:   []byte(text),
	}, Addr{PID: src.PID})
	if err != nil {
		return nil, fmt.Errorf("server SendTo: %w", err)
	}
	return []Message{sent}, nil
}

// TestIntegrationDialCloseNoLeaks runs 10,000 Dial/Close cycles into a
// namespace, a quarter of them failing with EADDRINUSE and a quarter with
// EPROTONOSUPPORT, and checks that no descriptor and no goroutine is left.
func TestIntegrationDialCloseNoLeaks(t *testing.T) {
	ns := newTestNS(t)
	holder := ns.dial(t, unix.NETLINK_ROUTE, nil)
	f := ns.open(t)
	defer f.Close()
	nsfd := int(f.Fd())
	const bogusFamily = 99 // >= MAX_LINKS: EPROTONOSUPPORT without a module lookup
	cycles := []struct {
		name   string
		family int
		cfg    Config
		want   error
	}{
		{name: "ok", family: unix.NETLINK_ROUTE, cfg: Config{NetNS: nsfd}},
		{name: "ok groups", family: unix.NETLINK_ROUTE, cfg: Config{NetNS: nsfd, Groups: GroupMask(rtnlGroupLink), Strict: true}},
		{name: "port in use", family: unix.NETLINK_ROUTE, cfg: Config{NetNS: nsfd, PID: holder.PID()}, want: unix.EADDRINUSE},
		{name: "bad family", family: bogusFamily, cfg: Config{NetNS: nsfd}, want: unix.EPROTONOSUPPORT},
	}
	run := func(i int) {
		cy := cycles[i%len(cycles)]
		c, err := Dial(cy.family, &cy.cfg)
		if cy.want == nil {
			if err != nil {
				t.Fatalf("cycle %d (%s): Dial: %v", i, cy.name, err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("cycle %d (%s): Close: %v", i, cy.name, err)
			}
			return
		}
		if err == nil {
			c.Close()
			t.Fatalf("cycle %d (%s): Dial succeeded, want %v", i, cy.name, cy.want)
		}
		if !errors.Is(err, cy.want) {
			t.Fatalf("cycle %d (%s): Dial: %v, want %v", i, cy.name, err, cy.want)
		}
	}
	for i := range len(cycles) { // warm up the poller and the thread pool
		run(i)
	}
	gBefore := settledGoroutines(0)
	fdsBefore := openFDs(t)
	const n = 10_000
	start := time.Now()
	for i := range n {
		run(i)
	}
	t.Logf("%d Dial/Close cycles in %v", n, time.Since(start))
	if after := openFDs(t); after != fdsBefore {
		t.Errorf("%d open descriptors after %d cycles, %d before", after, n, fdsBefore)
	}
	if after := settledGoroutines(gBefore); after > gBefore {
		t.Errorf("%d goroutines after %d cycles, %d before", after, n, gBefore)
	}
}
