package rtlink_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtlink"
	"github.com/nlgo/netlink/internal/testenv"
)

// TestIntegrationLinks runs the typed client on the host's kernel, in a
// namespace of its own: create a veth pair, see it notified, get it by
// name, find it in the dump, delete it.
func TestIntegrationLinks(t *testing.T) {
	ns := nstest.New(t)
	c, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mon, err := rtlink.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	if err := mon.JoinGroup("rtnlgrp-link"); err != nil {
		t.Fatal(err)
	}
	req := &rtlink.LinkAttrs{Ifname: "ynl0", Mtu: family.Some[uint32](1400),
		Linkinfo: family.Some(rtlink.LinkinfoAttrs{Kind: "veth"})}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newlink(req); err != nil {
		testenv.Skip(t, fmt.Sprintf("cannot create a veth pair: %v", err))
	}

	mon.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
	var notified *rtlink.LinkAttrs
	for notified == nil {
		ns, err := mon.Receive()
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		for _, n := range ns {
			if l, ok := n.Message.(*rtlink.LinkAttrs); ok && n.Name == "newlink" && l.Ifname == "ynl0" {
				notified = l
			}
		}
	}

	got, err := c.Getlink(&rtlink.LinkAttrs{Ifname: "ynl0"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Mtu.Value != 1400 || got.Linkinfo.Value.Kind != "veth" || got.IfiIndex != notified.IfiIndex || len(got.Address) != 6 {
		t.Errorf("Getlink ynl0: mtu %v, kind %q, index %d (notified %d), address %v",
			got.Mtu, got.Linkinfo.Value.Kind, got.IfiIndex, notified.IfiIndex, got.Address)
	}
	names := map[string]int32{}
	for l, err := range c.GetlinkDump(nil) {
		if err != nil {
			t.Fatal(err)
		}
		names[l.Ifname] = l.IfiIndex
	}
	if _, ok := names["lo"]; !ok || names["ynl0"] != got.IfiIndex || len(names) != 3 {
		t.Errorf("dump: %v, want lo, ynl0 and its peer", names)
	}
	if err := c.Dellink(&rtlink.LinkAttrs{Ifname: "ynl0"}); err != nil {
		t.Fatalf("Dellink: %v", err)
	}
	if _, err := c.Getlink(&rtlink.LinkAttrs{Ifname: "ynl0"}); err == nil {
		t.Errorf("Getlink after Dellink: no error")
	}
}
