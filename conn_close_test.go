package netlink

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCloseIdempotent(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	for i := range 3 {
		if err := c.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	fs.mu.Lock()
	calls := fs.closeCalls
	fs.mu.Unlock()
	if calls != 1 {
		t.Errorf("socket closed %d times, want 1", calls)
	}
}

func TestCloseUnblocks(t *testing.T) {
	tests := []struct {
		name string
		op   string
		call func(c *Conn) error
	}{
		{"Receive", "receive", func(c *Conn) error { _, err := c.Receive(); return err }},
		{"ReceiveContext", "receive", func(c *Conn) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, _, err := c.ReceiveContext(ctx)
			return err
		}},
		{"ReceiveEach", "receive", func(c *Conn) error {
			return c.ReceiveEach(func(Message, Source) bool { return true })
		}},
		{"Execute", "execute", func(c *Conn) error { _, err := c.Execute(Message{Header: Header{Type: 20}}); return err }},
		{"ExecuteContext", "execute", func(c *Conn) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			_, err := c.ExecuteContext(ctx, Message{Header: Header{Type: 20}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFakeConn(t, testPID, Config{})
			errc := make(chan error, 1)
			go func() { errc <- tt.call(c) }()
			time.Sleep(20 * time.Millisecond) // let it block
			within(t, time.Second, "Close", func() { c.Close() })
			select {
			case err := <-errc:
				wantOpError(t, err, tt.op, net.ErrClosed)
			case <-time.After(2 * time.Second):
				t.Fatalf("%s still blocked 2s after Close", tt.name)
			}
		})
	}
}

func TestMethodsAfterClose(t *testing.T) {
	fn := func(Message, Source) bool { return true }
	tests := []struct {
		name string
		call func(c *Conn) error
	}{
		{"Send", func(c *Conn) error { _, err := c.Send(Message{}); return err }},
		{"SendTo", func(c *Conn) error { _, err := c.SendTo(Message{}, Addr{PID: 9}); return err }},
		{"SendMessages", func(c *Conn) error { _, err := c.SendMessages([]Message{{}}); return err }},
		{"Execute", func(c *Conn) error { _, err := c.Execute(Message{}); return err }},
		{"ExecuteContext", func(c *Conn) error { _, err := c.ExecuteContext(context.Background(), Message{}); return err }},
		{"Receive", func(c *Conn) error { _, err := c.Receive(); return err }},
		{"ReceiveFrom", func(c *Conn) error { _, _, err := c.ReceiveFrom(); return err }},
		{"ReceiveContext", func(c *Conn) error { _, _, err := c.ReceiveContext(context.Background()); return err }},
		{"ReceiveEach", func(c *Conn) error { return c.ReceiveEach(fn) }},
		{"SetDeadline", func(c *Conn) error { return c.SetDeadline(time.Now()) }},
		{"SetReadDeadline", func(c *Conn) error { return c.SetReadDeadline(time.Now()) }},
		{"SetWriteDeadline", func(c *Conn) error { return c.SetWriteDeadline(time.Now()) }},
		{"SyscallConn", func(c *Conn) error { _, err := c.SyscallConn(); return err }},
		{"SetOption", func(c *Conn) error { return c.SetOption(PacketInfo, true) }},
		{"GetOption", func(c *Conn) error { _, err := c.GetOption(PacketInfo); return err }},
		{"JoinGroup", func(c *Conn) error { return c.JoinGroup(1) }},
		{"LeaveGroup", func(c *Conn) error { return c.LeaveGroup(1) }},
		{"Groups", func(c *Conn) error { _, err := c.Groups(); return err }},
		{"SetReadBuffer", func(c *Conn) error { return c.SetReadBuffer(1 << 16) }},
		{"SetWriteBuffer", func(c *Conn) error { return c.SetWriteBuffer(1 << 16) }},
		{"SetBPF", func(c *Conn) error { return c.SetBPF([]BPFInstruction{{Op: 6, K: 0xffff}}) }},
		{"RemoveBPF", func(c *Conn) error { return c.RemoveBPF() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			fs.pushFrom(kernel, rawMessage(20, 0, 0, 0, nil)) // data is waiting
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			var err error
			within(t, time.Second, tt.name, func() { err = tt.call(c) })
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s after Close: %v, want an error matching net.ErrClosed", tt.name, err)
			}
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Errorf("%s after Close: %v (%T) is not an *OpError", tt.name, err, err)
			}
		})
	}
}

// TestReceiveAfterCloseWithBacklog checks that datagrams Execute set aside
// are not handed out once the Conn is closed.
func TestReceiveAfterCloseWithBacklog(t *testing.T) {
	fn := func(Message, Source) bool { return true }
	tests := []struct {
		name string
		call func(c *Conn) error
	}{
		{"Receive", func(c *Conn) error { _, err := c.Receive(); return err }},
		{"ReceiveEach", func(c *Conn) error { return c.ReceiveEach(fn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
				return []fakeDatagram{
					{b: rawMessage(40, 0, 0, 0, nil), src: Source{Group: 1}},
					{b: rawMessage(20, 0, readHeader(req).Sequence, 0, nil)},
				}
			})
			if _, err := c.Execute(Message{Header: Header{Type: 20}}); err != nil {
				t.Fatalf("Execute: %v", err)
			}
			c.Close()
			if err := tt.call(c); !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s after Close with a set-aside datagram: %v, want an error matching net.ErrClosed", tt.name, err)
			}
		})
	}
}

func TestReadDeadline(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := c.Receive()
	oe := wantOpError(t, err, "receive", os.ErrDeadlineExceeded)
	if !oe.Timeout() {
		t.Errorf("Timeout() = false for %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("deadline fired after %v", d)
	}
	// A cleared deadline lets data through again.
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	fs.pushFrom(kernel, rawMessage(20, 0, 1, 0, nil))
	if _, err := c.Receive(); err != nil {
		t.Fatalf("Receive after clearing the deadline: %v", err)
	}
}

func TestSetDeadline(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	dl := time.Now().Add(time.Hour)
	if err := c.SetDeadline(dl); err != nil {
		t.Fatal(err)
	}
	fs.mu.Lock()
	r, w := fs.readDL, fs.writeDL
	fs.mu.Unlock()
	if !r.Equal(dl) || !w.Equal(dl) {
		t.Errorf("deadlines read %v write %v, want both %v", r, w, dl)
	}
}

func TestSyscallConnError(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	_, err := c.SyscallConn()
	wantOpError(t, err, "syscall conn", errFakeRaw)
}

func TestReceiveContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		cancel  bool // cancel after 20ms
		wantErr error
	}{
		{
			name: "canceled",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithCancel(context.Background())
			},
			cancel:  true,
			wantErr: context.Canceled,
		},
		{
			name: "deadline",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 20*time.Millisecond)
			},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "already canceled",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			userDL := time.Now().Add(time.Hour)
			if err := c.SetReadDeadline(userDL); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			if tt.cancel {
				time.AfterFunc(20*time.Millisecond, cancel)
			}
			var err error
			within(t, 2*time.Second, "ReceiveContext", func() { _, _, err = c.ReceiveContext(ctx) })
			wantOpError(t, err, "receive", tt.wantErr)
			if got := fs.readDeadline(); !got.Equal(userDL) {
				t.Errorf("read deadline after ReceiveContext = %v, want the Conn's %v restored", got, userDL)
			}
			fs.pushFrom(kernel, rawMessage(20, 0, 1, 0, nil))
			if _, err := c.Receive(); err != nil {
				t.Fatalf("Receive after ReceiveContext: %v", err)
			}
		})
	}
}

func TestReceiveContextData(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	fs.pushFrom(Source{Group: 5}, rawMessage(20, 0, 1, 0, []byte{1, 2, 3, 4}))
	msgs, src, err := c.ReceiveContext(ctx)
	if err != nil {
		t.Fatalf("ReceiveContext: %v", err)
	}
	if diff := cmp.Diff([]Message{msgOf(20, 0, 1, 0, []byte{1, 2, 3, 4})}, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Source{Group: 5}, src); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
	if got := fs.readDeadline(); !got.IsZero() {
		t.Errorf("read deadline after ReceiveContext = %v, want none", got)
	}
}

// TestReceiveContextKeepsEarlierDeadline checks that a context deadline
// later than the Conn's read deadline does not extend it.
func TestReceiveContextKeepsEarlierDeadline(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.ReceiveContext(ctx)
		errc <- err
	}()
	select {
	case err := <-errc:
		wantOpError(t, err, "receive", os.ErrDeadlineExceeded)
	case <-time.After(2 * time.Second):
		c.Close()
		<-errc
		t.Fatalf("ReceiveContext with a 1h context ignored the Conn's 20ms read deadline")
	}
}

// TestContextCancelAfterCompletion checks that a context canceled just as
// its call completes leaves the Conn's read deadline alone: the
// cancellation must not land on a later call.
func TestContextCancelAfterCompletion(t *testing.T) {
	tests := []struct {
		name string
		call func(c *Conn, ctx context.Context) error
	}{
		{"ReceiveContext", func(c *Conn, ctx context.Context) error {
			_, _, err := c.ReceiveContext(ctx)
			return err
		}},
		{"ExecuteContext", func(c *Conn, ctx context.Context) error {
			_, err := c.ExecuteContext(ctx, Message{Header: Header{Type: 20}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, fs := newFakeConn(t, testPID, Config{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			release := make(chan struct{})
			applied := make(chan struct{})
			var once sync.Once
			fs.onSetReadDL = func(dl time.Time) {
				if !dl.Equal(time.Unix(1, 0)) {
					return
				}
				// The cancellation's deadline is being applied: hold it
				// until the call has returned (or 200ms, in case the Conn
				// waits for it), like a slow goroutine would.
				select {
				case <-release:
				case <-time.After(200 * time.Millisecond):
				}
			}
			fs.afterSetReadDL = func(dl time.Time) {
				if dl.Equal(time.Unix(1, 0)) {
					once.Do(func() { close(applied) })
				}
			}
			var recvd bool
			fs.onRecv = func() {
				if !recvd {
					recvd = true
					cancel() // canceled while the datagram is being returned
				}
			}
			fs.setReply(func(req []byte, _ Addr) []fakeDatagram {
				return []fakeDatagram{{b: rawMessage(21, 0, readHeader(req).Sequence, 0, nil)}}
			})
			if tt.name == "ReceiveContext" {
				fs.pushFrom(kernel, rawMessage(21, 0, 0, 0, nil))
			}
			err := tt.call(c, ctx)
			close(release)
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: %v", tt.name, err)
			}
			select {
			case <-applied:
			case <-time.After(1500 * time.Millisecond):
			}
			fs.pushFrom(kernel, rawMessage(22, 0, 0, 0, nil))
			var rerr error
			within(t, 2*time.Second, "Receive", func() { _, rerr = c.Receive() })
			if rerr != nil {
				t.Errorf("Receive after %s whose context was canceled as it completed: %v", tt.name, rerr)
			}
		})
	}
}
