//go:build linux

package netlink

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Tests of the socket's lazy registration with the runtime poller: a Conn
// that never waits stays unregistered, one that waits registers, and
// deadlines, Close and SyscallConn behave the same either way.

// polled reports whether c's socket is registered with the runtime poller.
func polled(t testing.TB, c *Conn) bool {
	t.Helper()
	s, ok := c.s.(*sysSocket)
	if !ok {
		t.Fatalf("Conn over %T, want *sysSocket", c.s)
	}
	return s.polled.Load()
}

// TestIntegrationRequestsStayUnpolled checks that requests to the kernel,
// whose replies are queued before sendto returns, never register the
// socket, and that the first read that has to wait does, after which the
// Conn still works.
func TestIntegrationRequestsStayUnpolled(t *testing.T) {
	ns := newTestNS(t)
	c := ns.dial(t, unix.NETLINK_ROUTE, nil)
	for range 50 {
		msgs, err := c.Execute(getLinkRequest(t, 1))
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Execute(RTM_GETLINK 1): %d replies, %v", len(msgs), err)
		}
	}
	if n := len(dumpLinks(t, c)); n != 1 {
		t.Fatalf("dump: %d links in a new namespace, want 1 (lo)", n)
	}
	err := c.ExecuteEach(Message{Header: Header{Type: rtmGetLink, Flags: Request | Dump}, Data: ifInfomsg{}.append(nil)},
		func(Message) bool { return true })
	if err != nil {
		t.Fatalf("ExecuteEach: %v", err)
	}
	if polled(t, c) {
		t.Fatal("registered with the poller after requests that never waited")
	}

	// Nothing is queued: Receive has to wait, registers, and times out.
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Receive(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive with nothing queued: %v, want os.ErrDeadlineExceeded", err)
	}
	if !polled(t, c) {
		t.Fatal("not registered after a read that waited")
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if msgs, err := c.Execute(getLinkRequest(t, 1)); err != nil || len(msgs) != 1 {
		t.Fatalf("Execute once registered: %d replies, %v", len(msgs), err)
	}
}

// TestIntegrationDeadlineBeforeData checks, before and after registration,
// that an expired read deadline fails a read even with a datagram queued,
// as the poller does, and that the datagram is there once it is cleared;
// and that a write deadline already past fails a send.
func TestIntegrationDeadlineBeforeData(t *testing.T) {
	ns := newTestNS(t)
	for _, register := range []bool{false, true} {
		name := "unregistered"
		if register {
			name = "registered"
		}
		t.Run(name, func(t *testing.T) {
			c := ns.dial(t, familyUsersock, nil)
			if register {
				c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
				if _, err := c.Receive(); !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("Receive to register: %v", err)
				}
			}
			if got := polled(t, c); got != register {
				t.Fatalf("registered %v, want %v", got, register)
			}
			ping := Message{Header: Header{Type: MinType + 1}}
			if _, err := c.SendTo(ping, Addr{PID: c.PID()}); err != nil {
				t.Fatalf("SendTo self: %v", err)
			}
			if err := c.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Receive(); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Receive past the deadline with a datagram queued: %v, want os.ErrDeadlineExceeded", err)
			}
			if err := c.SetWriteDeadline(time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SendTo(ping, Addr{PID: c.PID()}); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("SendTo past the write deadline: %v, want os.ErrDeadlineExceeded", err)
			}
			if err := c.SetDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
			msgs, _ := receiveWithin(t, c, 2*time.Second)
			if len(msgs) != 1 || msgs[0].Header.Type != ping.Header.Type {
				t.Fatalf("after clearing the deadline: received %v, want the one datagram sent", msgs)
			}
			if got := polled(t, c); got != register {
				t.Errorf("registered %v after reading queued data, want %v", got, register)
			}
		})
	}
}

// TestIntegrationSyscallConnUnpolled checks the RawConn before and after
// registration: Control sees the socket's descriptor (its SO_PROTOCOL is
// NETLINK_USERSOCK), Read waits for a datagram, and after Close every
// method fails.
func TestIntegrationSyscallConnUnpolled(t *testing.T) {
	ns := newTestNS(t)
	c, err := ns.tryDial(familyUsersock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	protocol := func() int {
		t.Helper()
		var proto int
		var perr error
		if err := rc.Control(func(fd uintptr) { proto, perr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL) }); err != nil {
			t.Fatalf("Control: %v", err)
		}
		if perr != nil {
			t.Fatalf("getsockopt SO_PROTOCOL: %v", perr)
		}
		return proto
	}
	if p := protocol(); p != familyUsersock {
		t.Fatalf("SO_PROTOCOL %d before registration, want %d", p, familyUsersock)
	}

	// A RawConn Read with nothing queued waits, registering the socket,
	// until a datagram arrives.
	peer := ns.dial(t, familyUsersock, nil)
	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.SendTo(Message{Header: Header{Type: MinType}}, Addr{PID: c.PID()})
	}()
	buf := make([]byte, 4096)
	var n int
	calls := 0
	err = rc.Read(func(fd uintptr) bool {
		calls++
		var rerr error
		n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
		return !errors.Is(rerr, unix.EAGAIN)
	})
	if err != nil || n != HeaderLen {
		t.Fatalf("RawConn Read: %d bytes, %v; want one %d-byte message", n, err, HeaderLen)
	}
	if calls < 2 {
		t.Errorf("RawConn Read called its function %d times, want a wait between two calls", calls)
	}
	if !polled(t, c) {
		t.Error("not registered after a RawConn Read that waited")
	}
	if p := protocol(); p != familyUsersock {
		t.Fatalf("SO_PROTOCOL %d after registration, want %d", p, familyUsersock)
	}
	c.Close()
	if err := rc.Control(func(uintptr) { t.Error("Control ran its function after Close") }); err == nil {
		t.Error("Control after Close: nil error")
	}
	if err := rc.Read(func(uintptr) bool { t.Error("Read ran its function after Close"); return true }); err == nil {
		t.Error("Read after Close: nil error")
	}
}

// TestIntegrationCloseRacesRequests closes Conns while other goroutines
// run requests and set deadlines on them, before any registration and
// after: no call may fail with anything but net.ErrClosed once Close has
// begun, and none may hang. Under -race this checks the descriptor's
// locking.
func TestIntegrationCloseRacesRequests(t *testing.T) {
	ns := newTestNS(t)
	for round := range 40 {
		c, err := ns.tryDial(unix.NETLINK_ROUTE, nil)
		if err != nil {
			t.Fatal(err)
		}
		if round%2 == 1 {
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			c.Receive() // waits, so registers
			c.SetReadDeadline(time.Time{})
			if !polled(t, c) {
				t.Fatalf("round %d: not registered after a read that waited", round)
			}
		}
		req := getLinkRequest(t, 1)
		var wg sync.WaitGroup
		closed := make(chan struct{})
		errs := make(chan error, 64)
		for range 3 {
			wg.Go(func() {
				for {
					_, err := c.Execute(req)
					if err != nil {
						select {
						case <-closed:
							if !errors.Is(err, net.ErrClosed) {
								errs <- err
							}
						default:
							errs <- err // failed before Close
						}
						return
					}
				}
			})
		}
		wg.Go(func() {
			for {
				select {
				case <-closed:
					return
				default:
				}
				c.SetReadDeadline(time.Now().Add(time.Second))
			}
		})
		time.Sleep(2 * time.Millisecond)
		close(closed)
		if err := c.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: requests still running 5s after Close", round)
		}
		close(errs)
		for err := range errs {
			t.Errorf("round %d: Execute: %v (before Close, or not net.ErrClosed)", round, err)
		}
	}
}

// TestIntegrationDroppedConnClosesSocket checks that a Conn dropped
// without Close has its socket closed by the garbage collector, before
// registration (the socket's own cleanup) and after (the os.File's
// finalizer). The socket is recognised by its inode, so a descriptor
// number reused meanwhile does not count.
func TestIntegrationDroppedConnClosesSocket(t *testing.T) {
	ns := newTestNS(t)
	for _, register := range []bool{false, true} {
		fd, link := func() (int, string) {
			c, err := ns.tryDial(familyUsersock, nil)
			if err != nil {
				t.Fatal(err)
			}
			if register {
				// Long enough that the read waits, and so registers,
				// even in a slow emulated VM, where a 10 ms deadline
				// could pass before the read begins.
				c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
				c.Receive()
				if !polled(t, c) {
					t.Fatal("not registered after a read that waited")
				}
			}
			rc, err := c.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var fd int
			rc.Control(func(d uintptr) { fd = int(d) })
			link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
			if err != nil {
				t.Fatal(err)
			}
			return fd, link // c is dropped here
		}()
		path := fmt.Sprintf("/proc/self/fd/%d", fd)
		closed := false
		for range 50 {
			runtime.GC()
			if now, err := os.Readlink(path); err != nil || now != link {
				closed = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !closed {
			t.Errorf("registered %v: %s still open (%s) after the Conn was dropped and collected", register, path, link)
		}
	}
}

// TestIntegrationCloseDoesNotWait holds the socket inside a RawConn
// Control function while another goroutine closes the Conn: Close returns
// at once, the socket stays open for the function, and it is closed as
// soon as the function returns.
func TestIntegrationCloseDoesNotWait(t *testing.T) {
	ns := newTestNS(t)
	c, err := ns.tryDial(familyUsersock, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan int), make(chan struct{})
	controlDone := make(chan error, 1)
	go func() {
		controlDone <- rc.Control(func(fd uintptr) {
			inside <- int(fd)
			<-release
			// Closed or not, the descriptor is still this socket's.
			if _, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
				t.Errorf("getsockopt inside Control after Close: %v", err)
			}
		})
	}()
	fd := <-inside
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		t.Fatal(err)
	}
	closeDone := make(chan error, 1)
	go func() { closeDone <- c.Close() }()
	select {
	case err := <-closeDone:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for a Control function to return")
	}
	if _, err := c.Send(Message{Header: Header{Type: MinType}}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v, want net.ErrClosed", err)
	}
	close(release)
	if err := <-controlDone; err != nil {
		t.Errorf("Control: %v", err)
	}
	if now, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); err == nil && now == link {
		t.Errorf("descriptor %d (%s) still open after Close and the Control function returned", fd, link)
	}
}

// TestIntegrationControlReentrant calls the Conn from inside a RawConn
// Control function, as a user setting an option by hand might: deadlines,
// options, a nested Control, and finally Close. Nothing may deadlock; the
// socket is closed once the function returns.
func TestIntegrationControlReentrant(t *testing.T) {
	ns := newTestNS(t)
	c, err := ns.tryDial(familyUsersock, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- rc.Control(func(fd uintptr) {
			if err := c.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
				t.Errorf("SetReadDeadline inside Control: %v", err)
			}
			if err := c.SetOption(PacketInfo, true); err != nil {
				t.Errorf("SetOption inside Control: %v", err)
			}
			if err := rc.Control(func(uintptr) {}); err != nil {
				t.Errorf("nested Control: %v", err)
			}
			if err := c.Close(); err != nil {
				t.Errorf("Close inside Control: %v", err)
			}
			if _, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL); err != nil {
				t.Errorf("descriptor unusable inside Control after Close: %v", err)
			}
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Control: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("calls from inside a Control function deadlocked")
	}
	if err := rc.Control(func(uintptr) { t.Error("Control ran after Close") }); err == nil {
		t.Error("Control after Close: nil error")
	}
}

// TestUnixNanos checks the deadline encoding used before registration:
// the zero time means none, and times outside int64 nanoseconds clamp to
// the earliest or latest deadline instead of wrapping.
func TestUnixNanos(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		t    time.Time
		want int64
	}{
		{name: "zero", t: time.Time{}, want: 0},
		{name: "epoch", t: time.Unix(0, 0), want: 1},
		{name: "year 2", t: time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC), want: 1},
		{name: "year 1600", t: time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), want: 1},
		{name: "year 3000", t: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), want: math.MaxInt64},
		{name: "now", t: now, want: now.UnixNano()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unixNanos(tt.t); got != tt.want {
				t.Errorf("unixNanos(%v) = %d, want %d", tt.t, got, tt.want)
			}
		})
	}
}
