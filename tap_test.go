package netlink_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/nltest"
)

// recordingTap keeps a copy of every datagram it observes.
type recordingTap struct {
	mu sync.Mutex
	ds []netlink.Datagram
}

func (r *recordingTap) Observe(d *netlink.Datagram) {
	c := *d
	c.Bytes = append([]byte(nil), d.Bytes...)
	r.mu.Lock()
	r.ds = append(r.ds, c)
	r.mu.Unlock()
}

// TestTap checks that a tap sees each datagram of an exchange, a Send, a
// multicast and a Receive, with its direction, ports, group and bytes as
// they crossed the socket, headers filled in.
func TestTap(t *testing.T) {
	const proto = 30
	k := nltest.NewKernel()
	k.Register(proto, func(r *nltest.Request) error {
		return r.Reply(netlink.Message{Header: netlink.Header{Type: 0x20}, Data: []byte("pong")})
	}, nltest.Groups(2))
	tap := &recordingTap{}
	c, err := k.Dial(proto, &netlink.Config{Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.JoinGroup(2); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	req := netlink.Message{Header: netlink.Header{Type: 0x10, Flags: netlink.Request}, Data: []byte("ping")}
	if _, err := c.Execute(req); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if err := k.Broadcast(proto, 2, netlink.Message{Header: netlink.Header{Type: 0x30}, Data: []byte("news")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Receive(); err != nil {
		t.Fatalf("Receive: %v", err)
	}

	tap.mu.Lock()
	defer tap.mu.Unlock()
	if len(tap.ds) != 3 {
		t.Fatalf("the tap saw %d datagrams, want 3: %+v", len(tap.ds), tap.ds)
	}
	for _, d := range tap.ds {
		if d.Time.Before(start) || d.Family != proto || d.Port != c.PID() || d.Length != len(d.Bytes) {
			t.Errorf("datagram %+v: want family %d, port %d, a time after the start, Length = len(Bytes)", d, proto, c.PID())
		}
	}
	sent, err := netlink.ParseMessages(tap.ds[0].Bytes)
	if err != nil || len(sent) != 1 {
		t.Fatalf("sent datagram: %v, %v", sent, err)
	}
	if h := sent[0].Header; h.Sequence == 0 || h.PID != c.PID() || h.Length != 20 {
		t.Errorf("sent header %v: want the sequence and port filled in", h)
	}
	ignore := cmpopts.IgnoreFields(netlink.Datagram{}, "Time", "Bytes", "Family", "Port", "Length")
	want := []netlink.Datagram{
		{Direction: netlink.Sent},
		{Direction: netlink.Received},
		{Direction: netlink.Received, From: netlink.Source{Group: 2}},
	}
	if diff := cmp.Diff(want, tap.ds, ignore); diff != "" {
		t.Errorf("datagrams (-want +got):\n%s", diff)
	}
	if got := tap.ds[0].Direction.String() + "," + tap.ds[1].Direction.String(); got != "sent,received" {
		t.Errorf("Direction strings %q", got)
	}
}
