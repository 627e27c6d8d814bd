package nltest

import (
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
)

// newKernel returns a Kernel with famKernel (handler h, 64 groups) and
// famUser (no kernel socket) registered.
func newKernel(h Handler) *Kernel {
	k := NewKernel()
	if h == nil {
		h = func(*Request) error { return nil }
	}
	k.Register(famKernel, h, Groups(64))
	k.Register(famUser, nil)
	return k
}

func TestDialPorts(t *testing.T) {
	k := newKernel(nil)
	a := dial(t, k, famKernel, nil)
	b := dial(t, k, famKernel, nil)
	if a.PID() != 0xfffff000 || b.PID() != 0xffffefff {
		t.Errorf("assigned ports %#x, %#x; want 0xfffff000, 0xffffefff", a.PID(), b.PID())
	}
	if c := dial(t, k, famUser, &netlink.Config{PID: a.PID()}); c.PID() != a.PID() {
		t.Errorf("another family's port space: got port %d", c.PID())
	}
	fixed := dial(t, k, famKernel, &netlink.Config{PID: 1234})
	if fixed.PID() != 1234 {
		t.Errorf("Config.PID 1234: bound %d", fixed.PID())
	}
	tests := []struct {
		name   string
		family int
		cfg    *netlink.Config
		want   error
	}{
		{name: "port in use", family: famKernel, cfg: &netlink.Config{PID: 1234}, want: syscall.EADDRINUSE},
		{name: "assigned port in use", family: famKernel, cfg: &netlink.Config{PID: a.PID()}, want: syscall.EADDRINUSE},
		{name: "unregistered family", family: 30, want: syscall.EPROTONOSUPPORT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := k.Dial(tt.family, tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Dial: %v, %v; want an error matching %v", c, err, tt.want)
			}
			var oe *netlink.OpError
			if !errors.As(err, &oe) || oe.Op != "dial" {
				t.Errorf("Dial: %#v, want an *netlink.OpError for dial", err)
			}
		})
	}
	fixed.Close()
	if c := dial(t, k, famKernel, &netlink.Config{PID: 1234}); c.PID() != 1234 {
		t.Errorf("rebinding a closed port: got %d", c.PID())
	}
}

func TestUnicastBetweenConns(t *testing.T) {
	k := newKernel(nil)
	srv := dial(t, k, famUser, &netlink.Config{PID: 100})
	cli := dial(t, k, famUser, &netlink.Config{PID: 200, Peer: 100})
	sent, err := cli.Send(msg(netlink.MinType, netlink.Request, 7, "hello"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs, src := mustReceive(t, srv)
	if diff := cmp.Diff([]netlink.Message{sent}, msgs); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if src != (netlink.Source{PID: 200}) {
		t.Errorf("source %+v, want port 200", src)
	}
	if _, err := cli.SendTo(msg(netlink.MinType, 0, 0, "x"), netlink.Addr{PID: 999}); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("SendTo an unbound port: %v, want ECONNREFUSED", err)
	}
	if _, err := cli.SendTo(msg(netlink.MinType, 0, 0, "x"), netlink.Addr{}); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("SendTo port 0 of a family without a kernel socket: %v, want ECONNREFUSED", err)
	}
}

func TestMulticast(t *testing.T) {
	k := newKernel(nil)
	legacy := dial(t, k, famKernel, &netlink.Config{PID: 1, Groups: netlink.GroupMask(3) | netlink.GroupMask(31)})
	high := dial(t, k, famKernel, &netlink.Config{PID: 2})
	if err := high.JoinGroup(40); err != nil {
		t.Fatalf("JoinGroup(40): %v", err)
	}
	if err := high.JoinGroup(3); err != nil {
		t.Fatalf("JoinGroup(3): %v", err)
	}
	pub := dial(t, k, famKernel, &netlink.Config{PID: 3, Groups: netlink.GroupMask(3)})

	for _, tt := range []struct {
		c    *netlink.Conn
		want []uint32
	}{{legacy, []uint32{3, 31}}, {high, []uint32{3, 40}}} {
		if got, err := tt.c.Groups(); err != nil || !cmp.Equal(tt.want, got) {
			t.Errorf("port %d: Groups() = %v, %v; want %v", tt.c.PID(), got, err, tt.want)
		}
	}
	for _, g := range []uint32{0, 65} {
		if err := high.JoinGroup(g); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("JoinGroup(%d) of a 64-group family: %v, want EINVAL", g, err)
		}
	}

	// A user multicast reaches the subscribers but not the sender.
	if _, err := pub.SendTo(msg(netlink.MinType, 0, 1, "to 3"), netlink.Addr{PID: 0, Groups: netlink.GroupMask(3)}); err != nil {
		t.Fatalf("SendTo group 3: %v", err)
	}
	for _, c := range []*netlink.Conn{legacy, high} {
		msgs, src := mustReceive(t, c)
		if len(msgs) != 1 || string(msgs[0].Data) != "to 3" || src != (netlink.Source{PID: 3, Group: 3}) {
			t.Errorf("port %d: %v from %+v, want \"to 3\" from port 3, group 3", c.PID(), msgs, src)
		}
	}
	expectNothing(t, pub)

	// Group 40 is reported with PacketInfo (which JoinGroup turned on),
	// and as 0 without it.
	if err := k.Broadcast(famKernel, 40, msg(netlink.MinType, 0, 0, "40")); err != nil {
		t.Fatalf("Broadcast(40): %v", err)
	}
	if _, src := mustReceive(t, high); src != (netlink.Source{Group: 40}) {
		t.Errorf("group 40 with PacketInfo: source %+v", src)
	}
	if err := high.SetOption(netlink.PacketInfo, false); err != nil {
		t.Fatal(err)
	}
	k.Broadcast(famKernel, 40, msg(netlink.MinType, 0, 0, "40"))
	if _, src := mustReceive(t, high); src != (netlink.Source{}) {
		t.Errorf("group 40 without PacketInfo: source %+v, want group 0", src)
	}

	if err := high.LeaveGroup(40); err != nil {
		t.Fatal(err)
	}
	if err := k.Broadcast(famKernel, 40, msg(netlink.MinType, 0, 0, "nobody")); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("Broadcast to a group nobody is in: %v, want ESRCH", err)
	}
}

func TestKernelUnicast(t *testing.T) {
	k := newKernel(nil)
	c := dial(t, k, famKernel, nil)
	m := netlink.Message{Header: netlink.Header{Type: 30, Sequence: 0, PID: 0}, Data: []byte("note")}
	if err := k.Unicast(famKernel, c.PID(), m); err != nil {
		t.Fatalf("Unicast: %v", err)
	}
	msgs, src := mustReceive(t, c)
	m.Header.Length = 20
	if diff := cmp.Diff([]netlink.Message{m}, msgs); diff != "" || src != (netlink.Source{}) {
		t.Errorf("received from %+v (-want +got):\n%s", src, diff)
	}
	if err := k.Unicast(famKernel, 42, m); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Unicast to an unbound port: %v, want ECONNREFUSED", err)
	}
	if err := k.Unicast(99, 42, m); err == nil {
		t.Error("Unicast on an unregistered family succeeded")
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	k := newKernel(nil)
	defer func() {
		if recover() == nil {
			t.Error("registering a family twice did not panic")
		}
	}()
	k.Register(famKernel, nil)
}

func TestOptions(t *testing.T) {
	k := newKernel(nil)
	c := dial(t, k, famKernel, &netlink.Config{Strict: true})
	want := map[netlink.Option]bool{
		netlink.PacketInfo: false, netlink.BroadcastError: false, netlink.NoENOBUFS: false,
		netlink.ListenAllNSID: false, netlink.CapAcknowledge: false,
		netlink.ExtendedAcknowledge: true, netlink.GetStrictCheck: true,
	}
	got := make(map[netlink.Option]bool)
	for o := range want {
		on, err := c.GetOption(o)
		if err != nil {
			t.Fatalf("GetOption(%v): %v", o, err)
		}
		got[o] = on
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options of a Strict Conn (-want +got):\n%s", diff)
	}
	if err := c.SetOption(netlink.CapAcknowledge, true); err != nil {
		t.Fatal(err)
	}
	if on, _ := c.GetOption(netlink.CapAcknowledge); !on {
		t.Error("CapAcknowledge did not stay on")
	}
	for _, o := range []netlink.Option{1, 9, 99} {
		if err := c.SetOption(o, true); !errors.Is(err, syscall.ENOPROTOOPT) {
			t.Errorf("SetOption(%v): %v, want ENOPROTOOPT", o, err)
		}
		if _, err := c.GetOption(o); !errors.Is(err, syscall.ENOPROTOOPT) {
			t.Errorf("GetOption(%v): %v, want ENOPROTOOPT", o, err)
		}
	}
	if _, err := c.SyscallConn(); !errors.Is(err, netlink.ErrNotSupported) {
		t.Errorf("SyscallConn: %v, want ErrNotSupported", err)
	}
	if err := c.SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(netlink.Message{Header: netlink.Header{Type: 20}, Data: make([]byte, 9000)}); !errors.Is(err, syscall.EMSGSIZE) {
		t.Errorf("sending 9016 bytes with an 8192-byte send buffer: %v, want EMSGSIZE", err)
	}
	c.Close()
	if err := c.SetOption(netlink.PacketInfo, true); err == nil {
		t.Error("SetOption after Close succeeded")
	}
}

var equateEmpty = cmpopts.EquateEmpty()
