package nltest

import (
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nlgo/netlink"
)

func TestReadDeadline(t *testing.T) {
	k := newKernel(nil)
	c := dial(t, k, famKernel, nil)
	c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	start := time.Now()
	_, err := c.Receive()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive: %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Receive returned after %v", d)
	}
	// An expired deadline wins over queued data, as on a real socket.
	k.Unicast(famKernel, c.PID(), msg(30, 0, 0, "queued"))
	if _, err := c.Receive(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Receive past the deadline with data queued: %v, want a timeout", err)
	}
	c.SetReadDeadline(time.Time{})
	if msgs, err := c.Receive(); err != nil || string(msgs[0].Data) != "queued" {
		t.Errorf("Receive after clearing the deadline: %v, %v", msgs, err)
	}
	// A deadline set while Receive waits applies to it.
	errc := make(chan error, 1)
	go func() { _, err := c.Receive(); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	c.SetReadDeadline(time.Now())
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Receive: %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a deadline set during Receive did not end it")
	}
}

func TestCloseUnblocks(t *testing.T) {
	before := runtime.NumGoroutine()
	k := newKernel(nil)
	tests := []struct {
		name   string
		family int
		call   func(c, peer *netlink.Conn) error
	}{
		{"Receive", famKernel, func(c, _ *netlink.Conn) error { _, err := c.Receive(); return err }},
		{"Execute", famKernel, func(c, _ *netlink.Conn) error {
			_, err := c.Execute(msg(20, netlink.Request, 0, "")) // answered by nothing
			return err
		}},
		{"Send to a full queue", famUser, func(c, peer *netlink.Conn) error {
			for {
				if _, err := c.SendTo(msg(20, 0, 0, "x"), netlink.Addr{PID: peer.PID()}); err != nil {
					return err
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, k, tt.family, nil)
			peer := dial(t, k, tt.family, nil)
			errc := make(chan error, 1)
			go func() { errc <- tt.call(c, peer) }()
			time.Sleep(20 * time.Millisecond)
			c.Close()
			select {
			case err := <-errc:
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("%s after Close: %v, want net.ErrClosed", tt.name, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Close did not unblock %s", tt.name)
			}
		})
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the Conns closed, %d before", n, before)
	}
}

func TestOverrun(t *testing.T) {
	// 80-byte datagrams into an 8192-byte queue (SetReadBuffer doubles):
	// 102 fit.
	const fit = 8192 / 80
	tests := []struct {
		name     string
		noENOBUF bool
	}{{"reported", false}, {"NoENOBUFS", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKernel(nil)
			sub := dial(t, k, famKernel, &netlink.Config{Groups: 1})
			sub.SetReadBuffer(4096)
			sub.SetOption(netlink.NoENOBUFS, tt.noENOBUF)
			for i := range 2 * fit {
				err := k.Broadcast(famKernel, 1, netlink.Message{Header: netlink.Header{Type: 30, Sequence: uint32(i)}, Data: make([]byte, 64)})
				if got, want := err != nil, i >= fit; got != want {
					t.Fatalf("Broadcast %d: %v", i, err)
				}
			}
			if !tt.noENOBUF {
				_, err := sub.Receive()
				if !errors.Is(err, netlink.ErrOverrun) || !errors.Is(err, syscall.ENOBUFS) {
					t.Fatalf("first Receive: %v, want ErrOverrun and ENOBUFS", err)
				}
				// Congested: dropped until the queue drains.
				k.Broadcast(famKernel, 1, msg(30, 0, 1000, "dropped"))
			}
			for i := range fit {
				msgs, err := sub.Receive()
				if err != nil || msgs[0].Header.Sequence != uint32(i) {
					t.Fatalf("datagram %d: %v, %v", i, msgs, err)
				}
			}
			if err := k.Broadcast(famKernel, 1, msg(30, 0, 2000, "after")); err != nil {
				t.Fatalf("Broadcast after draining: %v", err)
			}
			if msgs, _ := mustReceive(t, sub); string(msgs[0].Data) != "after" {
				t.Errorf("after draining: %v", msgs)
			}
		})
	}
}

func TestBroadcastError(t *testing.T) {
	k := newKernel(nil)
	sub := dial(t, k, famKernel, &netlink.Config{Groups: 1})
	sub.SetReadBuffer(0) // the minimum: 2304 bytes
	sub.SetOption(netlink.BroadcastError, true)
	big := netlink.Message{Header: netlink.Header{Type: 30}, Data: make([]byte, 2000)}
	if err := k.Broadcast(famKernel, 1, big); err != nil {
		t.Fatalf("the first datagram: %v", err)
	}
	if err := k.Broadcast(famKernel, 1, big); !errors.Is(err, syscall.ENOBUFS) {
		t.Errorf("a lost datagram for a BroadcastError subscriber: %v, want ENOBUFS", err)
	}
	if err := k.Unicast(famKernel, sub.PID(), big); !errors.Is(err, syscall.EAGAIN) {
		t.Errorf("Unicast to a full queue: %v, want EAGAIN", err)
	}
}

func TestSendWaitsForRoom(t *testing.T) {
	k := newKernel(nil)
	r := dial(t, k, famUser, nil)
	r.SetReadBuffer(0)
	s := dial(t, k, famUser, &netlink.Config{Peer: r.PID()})
	big := netlink.Message{Header: netlink.Header{Type: 30}, Data: make([]byte, 2000)}
	if _, err := s.Send(big); err != nil {
		t.Fatal(err)
	}
	s.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := s.Send(big); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Send to a full queue: %v, want a timeout", err)
	}
	s.SetWriteDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { _, err := s.Send(big); done <- err }()
	time.Sleep(10 * time.Millisecond)
	mustReceive(t, r)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Send once there was room: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send did not complete once the queue drained")
	}
	mustReceive(t, r)
}

func TestBPF(t *testing.T) {
	// Keep datagrams whose first message has type 30 (read big-endian, as
	// BPF does, from the native-order nlmsg_type), cut to 20 bytes; drop
	// the rest.
	typ := uint32(30)
	if ne16(30)[0] != 0 { // little-endian
		typ = 30 << 8
	}
	prog := []netlink.BPFInstruction{
		{Op: 0x28, K: 4},                 // ldh [4]
		{Op: 0x15, Jt: 0, Jf: 1, K: typ}, // jeq #typ, keep, drop
		{Op: 0x06, K: 20},                // ret #20
		{Op: 0x06, K: 0},                 // ret #0
	}
	k := newKernel(nil)
	c := dial(t, k, famKernel, nil)
	if err := c.SetBPF(prog); err != nil {
		t.Fatalf("SetBPF: %v", err)
	}
	k.Unicast(famKernel, c.PID(), msg(31, 0, 1, "dropped"))
	k.Unicast(famKernel, c.PID(), msg(30, 0, 2, "kept"), msg(30, 0, 3, "cut off"))
	msgs, _ := mustReceive(t, c)
	want := []netlink.Message{{Header: netlink.Header{Length: 20, Type: 30, Sequence: 2}, Data: []byte("kept")}}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("through the filter (-want +got):\n%s", diff)
	}
	if err := c.RemoveBPF(); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveBPF(); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("RemoveBPF without a filter: %v, want ENOENT", err)
	}
	bad := map[string][]netlink.BPFInstruction{
		"empty":               nil,
		"no return":           {{Op: 0x28, K: 4}},
		"jump out":            {{Op: 0x15, Jt: 5, K: 1}, {Op: 0x06}},
		"division by zero":    {{Op: 0x34, K: 0}, {Op: 0x06}},
		"memory out of range": {{Op: 0x02, K: 16}, {Op: 0x06}},
	}
	for name, p := range bad {
		if err := c.SetBPF(p); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("SetBPF(%s): %v, want EINVAL", name, err)
		}
	}
	if err := c.SetBPF([]netlink.BPFInstruction{{Op: 0x20, K: 0xfffff000}, {Op: 0x16}}); !errors.Is(err, netlink.ErrNotSupported) {
		t.Errorf("SetBPF with an ancillary load: %v, want ErrNotSupported", err)
	}
}

func TestBPFInterpreter(t *testing.T) {
	pkt := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}
	ret := netlink.BPFInstruction{Op: bpfRET | bpfA}
	tests := []struct {
		name string
		prog []netlink.BPFInstruction
		want uint32
	}{
		{"ld w abs", []netlink.BPFInstruction{{Op: 0x20, K: 0}, ret}, 0x12345678},
		{"ld h abs", []netlink.BPFInstruction{{Op: 0x28, K: 2}, ret}, 0x5678},
		{"ld b ind", []netlink.BPFInstruction{{Op: 0x01, K: 3}, {Op: 0x50, K: 1}, ret}, 0x9a},
		{"ld len", []netlink.BPFInstruction{{Op: 0x80}, ret}, 8},
		{"ld out of range", []netlink.BPFInstruction{{Op: 0x20, K: 6}, ret}, 0},
		{"ldx msh", []netlink.BPFInstruction{{Op: 0xb1, K: 1}, {Op: 0x87}, ret}, 4 * 4},
		{"memory", []netlink.BPFInstruction{{Op: 0x00, K: 7}, {Op: 0x02, K: 3}, {Op: 0x00, K: 1}, {Op: 0x61, K: 3}, {Op: 0x0c}, ret}, 8},
		{"alu", []netlink.BPFInstruction{
			{Op: 0x00, K: 10}, {Op: 0x04, K: 5}, {Op: 0x14, K: 3}, {Op: 0x24, K: 4}, {Op: 0x34, K: 6},
			{Op: 0x94, K: 5}, {Op: 0x64, K: 4}, {Op: 0x74, K: 1}, {Op: 0x44, K: 0x100}, {Op: 0x54, K: 0x1ff},
			{Op: 0xa4, K: 0xff}, {Op: 0x84}, ret}, 0xfffffe19}, // -(((((((10+5-3)*4/6)%5)<<4)>>1|0x100)&0x1ff)^0xff)
		{"division by zero X", []netlink.BPFInstruction{{Op: 0x01, K: 0}, {Op: 0x00, K: 4}, {Op: 0x3c}, ret}, 0},
		{"jumps", []netlink.BPFInstruction{
			{Op: 0x00, K: 5}, {Op: 0x25, K: 4, Jt: 1}, {Op: 0x06, K: 1}, {Op: 0x35, K: 6, Jt: 0, Jf: 1},
			{Op: 0x06, K: 2}, {Op: 0x45, K: 4, Jt: 0, Jf: 1}, {Op: 0x05, K: 1}, {Op: 0x06, K: 3}, {Op: 0x06, K: 99}}, 99},
		{"jeq x", []netlink.BPFInstruction{{Op: 0x01, K: 5}, {Op: 0x00, K: 5}, {Op: 0x1d, Jt: 0, Jf: 1}, {Op: 0x06, K: 7}, {Op: 0x06, K: 8}}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkBPF(tt.prog); err != nil {
				t.Fatalf("checkBPF: %v", err)
			}
			if got := runBPF(tt.prog, pkt); got != tt.want {
				t.Errorf("runBPF = %#x, want %#x", got, tt.want)
			}
		})
	}
}
