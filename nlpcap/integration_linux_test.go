//go:build linux

package nlpcap

import (
	"bytes"
	"sync"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/genetlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// replies keeps the datagrams a Conn receives.
type replies struct {
	mu sync.Mutex
	ds [][]byte
}

func (r *replies) Observe(d *netlink.Datagram) {
	if d.Direction == netlink.Received {
		r.mu.Lock()
		r.ds = append(r.ds, bytes.Clone(d.Bytes))
		r.mu.Unlock()
	}
}

// The synthetic CTRL_CMD_NEWFAMILY of every family of the host kernel is
// byte for byte the payload the kernel sends for it.
func TestIntegrationNewFamilyMatchesKernel(t *testing.T) {
	testenv.RequireLinux(t)
	tap := &replies{}
	nc, err := netlink.Dial(genetlink.Protocol, &netlink.Config{Tap: tap})
	if err != nil {
		testenv.Skip(t, "no generic netlink: "+err.Error())
	}
	c := genetlink.NewConn(nc)
	defer c.Close()
	fams, err := c.ListFamilies()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		tap.ds = nil
		if _, err := c.GetFamily(f.Name); err != nil {
			t.Fatalf("GetFamily(%s): %v", f.Name, err)
		}
		msgs, err := netlink.ParseMessages(tap.ds[0])
		if err != nil || len(msgs) != 1 {
			t.Fatalf("the kernel's reply for %s: %v, %v", f.Name, msgs, err)
		}
		ours, err := NewFamilyMessage(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours[netlink.HeaderLen:], msgs[0].Data) {
			t.Errorf("family %s:\nkernel % x\nours   % x", f.Name, msgs[0].Data, ours[netlink.HeaderLen:])
		}
	}
	if len(fams) < 2 {
		t.Errorf("only %d families to compare", len(fams))
	}
}
