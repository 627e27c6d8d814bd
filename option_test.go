package netlink

import (
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionString(t *testing.T) {
	tests := []struct {
		o    Option
		want string
	}{
		{PacketInfo, "PacketInfo"},
		{BroadcastError, "BroadcastError"},
		{NoENOBUFS, "NoENOBUFS"},
		{ListenAllNSID, "ListenAllNSID"},
		{CapAcknowledge, "CapAcknowledge"},
		{ExtendedAcknowledge, "ExtendedAcknowledge"},
		{GetStrictCheck, "GetStrictCheck"},
		{0, "Option(0)"},
		{1, "Option(1)"}, // NETLINK_ADD_MEMBERSHIP: not a boolean option
		{9, "Option(9)"}, // NETLINK_LIST_MEMBERSHIPS
		{99, "Option(99)"},
		{-1, "Option(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.o.String(); got != tt.want {
				t.Errorf("Option(%d).String() = %q, want %q", int(tt.o), got, tt.want)
			}
		})
	}
}

// TestOptionValues pins the options to the kernel's SOL_NETLINK numbers
// (include/uapi/linux/netlink.h).
func TestOptionValues(t *testing.T) {
	got := map[string]int{}
	for _, o := range []Option{PacketInfo, BroadcastError, NoENOBUFS, ListenAllNSID, CapAcknowledge, ExtendedAcknowledge, GetStrictCheck} {
		got[o.String()] = int(o)
	}
	want := map[string]int{
		"PacketInfo": 3, "BroadcastError": 4, "NoENOBUFS": 5, "ListenAllNSID": 8,
		"CapAcknowledge": 10, "ExtendedAcknowledge": 11, "GetStrictCheck": 12,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("option values (-want +got):\n%s", diff)
	}
}

func TestSetGetOption(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	for _, o := range []Option{ExtendedAcknowledge, NoENOBUFS, CapAcknowledge} {
		if err := c.SetOption(o, true); err != nil {
			t.Fatalf("SetOption(%v, true): %v", o, err)
		}
	}
	if err := c.SetOption(NoENOBUFS, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o    Option
		want bool
	}{
		{ExtendedAcknowledge, true},
		{NoENOBUFS, false},
		{CapAcknowledge, true},
		{GetStrictCheck, false},
	}
	for _, tt := range tests {
		on, err := c.GetOption(tt.o)
		if err != nil {
			t.Fatalf("GetOption(%v): %v", tt.o, err)
		}
		if on != tt.want {
			t.Errorf("GetOption(%v) = %v, want %v", tt.o, on, tt.want)
		}
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	want := map[Option]bool{ExtendedAcknowledge: true, NoENOBUFS: false, CapAcknowledge: true}
	if diff := cmp.Diff(want, fs.options); diff != "" {
		t.Errorf("socket options (-want +got):\n%s", diff)
	}
}

func TestBuffersAndBPF(t *testing.T) {
	c, fs := newFakeConn(t, testPID, Config{})
	if err := c.SetReadBuffer(1 << 20); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteBuffer(1 << 16); err != nil {
		t.Fatal(err)
	}
	prog := []BPFInstruction{{Op: 0x28, K: 4}, {Op: 0x6, K: 0xffff}}
	if err := c.SetBPF(prog); err != nil {
		t.Fatal(err)
	}
	fs.mu.Lock()
	if diff := cmp.Diff(map[bool]int{true: 1 << 20, false: 1 << 16}, fs.buffers); diff != "" {
		t.Errorf("buffers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(prog, fs.bpf); diff != "" {
		t.Errorf("BPF program (-want +got):\n%s", diff)
	}
	fs.mu.Unlock()
	if err := c.RemoveBPF(); err != nil {
		t.Fatal(err)
	}
	fs.mu.Lock()
	if fs.bpf != nil {
		t.Errorf("BPF program still attached after RemoveBPF: %v", fs.bpf)
	}
	fs.mu.Unlock()
}

func TestOptionErrors(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	tests := []struct {
		op   string
		call func() error
	}{
		{"set read buffer", func() error { return c.SetReadBuffer(-1) }},
		{"set write buffer", func() error { return c.SetWriteBuffer(-1) }},
		{"set bpf", func() error { return c.SetBPF(nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			wantOpError(t, tt.call(), tt.op)
		})
	}
	t.Run("errno", func(t *testing.T) {
		wantOpError(t, c.SetReadBuffer(-1), "set read buffer", syscall.EINVAL)
	})
}

func TestOptionErrorNamesOption(t *testing.T) {
	c, _ := newFakeConn(t, testPID, Config{})
	c.Close()
	tests := []struct {
		op   string
		call func() error
	}{
		{"set option PacketInfo", func() error { return c.SetOption(PacketInfo, true) }},
		{"get option ExtendedAcknowledge", func() error { _, err := c.GetOption(ExtendedAcknowledge); return err }},
		{"set option Option(42)", func() error { return c.SetOption(42, true) }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			wantOpError(t, tt.call(), tt.op)
		})
	}
}
