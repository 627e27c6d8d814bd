package rtaddr_test

import (
	"net/netip"
	"testing"

	"github.com/nlgo/netlink"
	"github.com/nlgo/netlink/family"
	"github.com/nlgo/netlink/family/internal/nstest"
	"github.com/nlgo/netlink/family/rtaddr"
	"github.com/nlgo/netlink/family/rtroute"
)

// TestIntegrationAddrAndRoute adds an address to the loopback of a new
// namespace on the host's kernel, finds it in the address dump and its
// local route in the route dump, and deletes it.
func TestIntegrationAddrAndRoute(t *testing.T) {
	ns := nstest.New(t)
	c, err := rtaddr.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := netip.MustParseAddr("192.0.2.7")
	req := &rtaddr.AddrAttrs{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 2, IfaPrefixlen: 24, IfaIndex: 1},
		IfaLocal: family.Some(a), IfaAddress: family.Some(a)}
	if err := c.WithFlags(netlink.Create | netlink.Excl).Newaddr(req); err != nil {
		t.Fatalf("Newaddr: %v", err)
	}
	var got []netip.Addr
	for m, err := range c.GetaddrDump(&rtaddr.AddrAttrs{Ifaddrmsg: rtaddr.Ifaddrmsg{IfaFamily: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.IfaPrefixlen != 24 || m.IfaIndex != 1 || m.IfaLabel != "lo" {
			t.Errorf("address %v: prefix %d, index %d, label %q", m.IfaLocal.Value, m.IfaPrefixlen, m.IfaIndex, m.IfaLabel)
		}
		got = append(got, m.IfaLocal.Value)
	}
	if len(got) != 1 || got[0] != a {
		t.Errorf("addresses %v, want [%v]", got, a)
	}

	rc, err := rtroute.Dial(ns.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	found := false
	for r, err := range rc.GetrouteDump(&rtroute.RouteAttrs{Rtmsg: rtroute.Rtmsg{RtmFamily: 2}}) {
		if err != nil {
			t.Fatal(err)
		}
		if r.RtaDst.Value == a && r.RtmDstLen == 32 && r.RtaPrefsrc.Value == a && r.RtaOif.Value == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no local route to %v in the route dump", a)
	}

	if err := c.Deladdr(req); err != nil {
		t.Fatalf("Deladdr: %v", err)
	}
}
