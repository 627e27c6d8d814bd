package mptcppm_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/mptcppm"
	"github.com/nlgo/netlink/internal/testenv"
)

// TestIntegrationEndpoints adds, lists and deletes an MPTCP endpoint on
// the host's kernel, in a namespace of its own.
func TestIntegrationEndpoints(t *testing.T) {
	ns := nstest.New(t)
	c, err := mptcppm.Dial(ns.Config())
	if err != nil {
		testenv.Skip(t, fmt.Sprintf("no mptcp_pm family: %v", err))
	}
	defer c.Close()
	addr := mptcppm.Address{Family: family.Some[uint16](2), Id: family.Some[uint8](7),
		Addr4: family.Some(binary.BigEndian.Uint32([]byte{192, 0, 2, 1})), Flags: family.Some[uint32](1)} // signal
	if err := c.AddAddr(&mptcppm.Endpoint{Addr: family.Some(addr)}); err != nil {
		t.Fatalf("AddAddr: %v", err)
	}
	var ids []uint8
	for a, err := range c.GetAddrDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.Addr.Value.Id.Value)
		if got := a.Addr.Value.Addr4.Value; got != addr.Addr4.Value {
			t.Errorf("dumped address %#x, want %#x", got, addr.Addr4.Value)
		}
	}
	if len(ids) != 1 || ids[0] != 7 {
		t.Errorf("endpoint ids %v, want [7]", ids)
	}
	if err := c.DelAddr(&mptcppm.Endpoint{Addr: family.Some(mptcppm.Address{Id: family.Some[uint8](7)})}); err != nil {
		t.Fatalf("DelAddr: %v", err)
	}
	n := 0
	for _, err := range c.GetAddrDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d endpoints after DelAddr", n)
	}
}
